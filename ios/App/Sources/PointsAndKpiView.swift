// The points ledger (PHRClient.points: each award and reversal with its reason, and the
// balance) and what this person contributes to the operator's KPIs
// (PHRClient.kpiContributions: as the consent gate judges it now, pseudonymous and banded).
// The rules are the core's; these sections only show them.

import PHRCore
import SwiftUI

struct PointsSection: View {
    let ledger: PointsLedger?
    let japanese: Bool

    var body: some View {
        Section(header: Text("points_title")) {
            if let l = ledger, l.program != nil {
                Text("points_balance \(l.balance)")
                if l.entries.isEmpty { Text("points_none") }
                // Newest first: the reason beside every entry, reversals with their minus sign.
                ForEach(Array(l.entries.reversed().prefix(20)), id: \.seq) { e in
                    Text("\(e.points > 0 ? "+" : "")\(e.points)  \(String(describing: e.occasionDate))  \(japanese ? e.reasonJa : e.reasonEn)")
                }
            } else {
                Text("points_no_programme")
            }
        }
    }
}

struct KpiSection: View {
    let kpis: [KpiContributionView]
    let japanese: Bool

    var body: some View {
        if !kpis.isEmpty {
            Section(header: Text("kpi_title"), footer: Text("kpi_explained")) {
                ForEach(kpis, id: \.kpiId) { k in
                    VStack(alignment: .leading, spacing: 2) {
                        Text(japanese ? k.nameJa : k.nameEn).font(.headline)
                        if !k.permitted {
                            Text("kpi_not_shared")
                        } else if k.contributions.isEmpty {
                            Text("kpi_none_yet")
                        } else {
                            ForEach(k.contributions, id: \.period) { c in
                                Text("\(c.period): \(c.meets ? String(localized: "kpi_met") : String(localized: "kpi_not_met"))\(c.band.map { " (\($0))" } ?? "") \(c.groups.joined(separator: " "))")
                            }
                        }
                    }
                }
            }
        }
    }
}
