// The operator's walking events as the core lists them (PHRClient.walkingEvents): period,
// targets, whether this person takes part and how far along. Joining and leaving are consent
// decisions the core records (the organiser gets daily step totals only); the receipt of each
// is shown at once.

import PHRCore
import SwiftUI

struct EventsView: View {
    @EnvironmentObject var model: AppModel
    @Environment(\.locale) private var locale

    var body: some View {
        List {
            if model.events.isEmpty { Text("no_events") }
            ForEach(model.events, id: \.event.id) { p in
                EventRow(progress: p, japanese: isJapanese(locale))
            }
            PointsSection(ledger: model.points, japanese: isJapanese(locale))
            KpiSection(kpis: model.kpis, japanese: isJapanese(locale))
        }
        .sheet(isPresented: Binding(get: { model.receipt != nil }, set: { if !$0 { model.showReceipt(nil) } })) {
            ReceiptView(receipt: model.receipt, close: { model.showReceipt(nil) })
        }
    }
}

private struct EventRow: View {
    @EnvironmentObject var model: AppModel
    let progress: EventProgress
    let japanese: Bool

    var body: some View {
        let p = progress
        let e = p.event
        VStack(alignment: .leading, spacing: 4) {
            Text(japanese ? e.nameJa : e.nameEn).font(.title3)
            HStack(spacing: 4) {
                Text("event_period \(e.from) \(e.to)")
                Text(phaseText(p.phase))
            }
            if let daily = e.dailyTarget { Text("event_daily_target \(Int(daily))") }
            if let total = e.totalTarget {
                Text("event_total \(Int(p.totalSteps)) \(Int(total))")
                ProgressView(value: min(Double(p.totalSteps) / Double(max(total, 1)), 1))
            }
            if p.joined {
                Text("event_days_met \(Int(p.daysMet)) \(p.days.count)")
                if p.completed { Text("event_completed") }
                Button("event_leave") { model.setEventMembership(e.id, join: false) }
            } else if p.phase != .ended {
                Text("event_join_explained").font(.caption)
                Button("event_join") { model.setEventMembership(e.id, join: true) }
                ForEach(e.teams, id: \.id) { t in
                    Button("event_join_team \(t.name)") { model.setEventMembership(e.id, join: true, team: t.id) }
                }
            }
        }
    }

    private func phaseText(_ phase: EventPhase) -> LocalizedStringKey {
        switch phase {
        case .upcoming: return "event_upcoming"
        case .running: return "event_running"
        case .ended: return "event_ended"
        }
    }
}
