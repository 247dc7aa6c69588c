// Export and share: the whole record, or exactly what consent releases to one recipient for one
// purpose (the core's release gate decides), written by the core as a new FHIR R4 JP Core file
// and offered with ShareLink (iOS 16). Import a FHIR JSON or checkup XML file picked with the
// file importer; sync with a recipient's platform. Every count shown comes from the core.
import PHRCore
import SwiftUI
import UniformTypeIdentifiers

struct ExportView: View {
    @EnvironmentObject var model: AppModel
    @Environment(\.locale) private var locale
    @State private var picking = false

    var body: some View {
        List {
            if let e = errorText(model.error) { Text(e).foregroundColor(.red) }
            Section {
                Button("export_whole") { model.export(recipient: nil, purpose: nil) }
                    .accessibilityLabel(Text("export_whole"))
                ForEach(model.profile?.purposes ?? [], id: \.code) { purpose in
                    ForEach(purpose.recipients, id: \.self) { recipient in
                        let name = model.profile?.recipients.first { $0.id == recipient }?.name ?? recipient
                        let label = Text("export_for \(name) \(isJapanese(locale) ? purpose.labelJa : purpose.labelEn)")
                        Button { model.export(recipient: recipient, purpose: purpose.code) } label: { label }
                            .accessibilityLabel(label)
                    }
                }
                if let exported = model.exported {
                    Text("exported \(Int(exported.summary.resources))")
                    ShareLink(item: exported.file) { Label("share", systemImage: "square.and.arrow.up") }
                        .accessibilityLabel(Text("share"))
                }
            }
            Section {
                Button("import_file") { picking = true }.accessibilityLabel(Text("import_file"))
                if let s = model.imported {
                    Text("imported \(s.imported.count) \(s.updated.count) \(s.skipped.count) \(s.documents.count)")
                }
                if model.importedCheckup { Text("imported_checkup") }
            }
            Section {
                ForEach((model.profile?.recipients ?? []).filter { $0.fhirEndpoint != nil }, id: \.id) { r in
                    Button { model.sync(recipient: r.id) } label: { Text("sync_with \(r.name)") }
                        .accessibilityLabel(Text("sync_with \(r.name)"))
                }
                if let s = model.synced {
                    Text("synced \(Int(s.pushed)) \(Int(s.imported)) \(Int(s.remaining))")
                }
            }
        }
        .fileImporter(isPresented: $picking, allowedContentTypes: [.json, .xml], allowsMultipleSelection: false) { result in
            if case let .success(urls) = result, let url = urls.first { model.importFile(url) }
        }
    }
}
