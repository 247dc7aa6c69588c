// Checkups as the core reads them (PHRClient.checkups): every result with its unit, reference
// range and level against 保健指導判定値 / 受診勧奨判定値, the doctor's judgement, メタボ判定 and
// 保健指導レベル in words. An official result is never edited here: the person adds a correction
// note beside it (PHRClient.annotateRecord); the core keeps both.
import PHRCore
import SwiftUI

struct CheckupsView: View {
    @EnvironmentObject var model: AppModel
    var body: some View {
        List {
            if model.checkups.isEmpty { Text("no_checkups_yet") }
            ForEach(model.checkups, id: \.recordId) { c in CheckupSection(checkup: c) }
        }
    }
}

private struct CheckupSection: View {
    @EnvironmentObject var model: AppModel
    let checkup: CheckupReading
    @State private var note = ""
    var body: some View {
        Section(header: Text("\(checkup.date)  \(checkup.institution)").font(.headline)) {
            if let j = checkup.judgement { Text("checkup_judgement \(j)") }
            if let m = checkup.metabolicSyndrome { Text("checkup_metabolic \(m)") }
            if let g = checkup.guidanceLevel { Text("checkup_guidance_level \(g)") }
            ForEach(Array(checkup.results.enumerated()), id: \.offset) { _, r in ResultRow(result: r) }
            ForEach(checkup.corrections, id: \.noteId) { n in Text("correction_shown \(n.text)") }
            TextField("correction_note", text: $note).accessibilityLabel(Text("correction_note"))
            Button("add_correction_note") {
                model.annotate(recordId: checkup.recordId, text: note)
                note = ""
            }
            .disabled(note.trimmingCharacters(in: .whitespaces).isEmpty)
            .accessibilityLabel(Text("add_correction_note"))
        }
    }
}

private struct ResultRow: View {
    let result: ResultReading
    var body: some View {
        let value = [result.value, result.unit].compactMap { $0 }.joined(separator: " ")
        HStack {
            Text("\(result.name): \(value)")
            if let l = result.level { Text(levelText(l)) }
        }
        .accessibilityElement(children: .combine)
    }
}
