// The morning summary as the core gathers it (PHRClient.overview): the last checkup and when the
// next is due, who receives what by consent, who else may see the record, and what waits to sync.
// The latest values and steps are the Today screen's tiles and step card below it.

import PHRCore
import SwiftUI

struct SummaryView: View {
    @Environment(\.locale) private var locale
    let overview: Overview

    var body: some View {
        let o = overview
        let ja = isJapanese(locale)
        VStack(alignment: .leading, spacing: 4) {
            Text("summary_title").font(.title3)
            if case let .checkup(c)? = o.lastCheckup?.body {
                Text("summary_last_checkup \(c.date) \(c.institution)")
                if let due = o.nextCheckupDue { Text("summary_next_checkup \(due)") }
            } else {
                Text("no_checkups_yet")
            }
            Text("summary_shared").font(.headline)
            if o.shared.isEmpty { Text("summary_shared_nothing") }
            ForEach(o.shared, id: \.self) { s in
                let categories = s.categories.map { categoryLabel($0, locale) }.joined(separator: ", ")
                Text("\(s.recipientName) — \(ja ? s.purposeLabelJa : s.purposeLabelEn): \(categories)")
            }
            if o.awaitingReconsent > 0 { Text("summary_reconsent \(Int(o.awaitingReconsent))") }
            Text("summary_family").font(.headline)
            if o.family.isEmpty { Text("summary_family_nobody") }
            ForEach(o.family, id: \.self) { g in
                let rights = g.scopes.map { ja ? scopeLabelJa(scope: $0) : scopeLabelEn(scope: $0) }.joined(separator: ", ")
                Text("\(g.granteeNickname ?? "?"): \(rights)")
            }
            let waiting = o.waitingToSync.reduce(0) { $0 + Int($1.items) }
            if waiting == 0 {
                Text("summary_sync_nothing")
            } else {
                Text("summary_sync_waiting \(waiting)")
            }
        }
    }
}
