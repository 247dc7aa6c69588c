// Sharing settings: one toggle per purpose × recipient × data category, exactly as the core
// reports them (default deny), the decision history under them and a receipt per decision.
// A toggle only asks the core to record a permit or a deny; what is permitted is the core's answer.
import PHRCore
import SwiftUI

/// Japanese text from the core when the app runs in Japanese, English otherwise.
func isJapanese(_ locale: Locale) -> Bool { locale.identifier.hasPrefix("ja") }

func categoryLabel(_ c: DataCategory, _ locale: Locale) -> String {
    isJapanese(locale) ? dataCategoryLabelJa(category: c) : dataCategoryLabelEn(category: c)
}

struct ConsentView: View {
    @EnvironmentObject var model: AppModel
    @Environment(\.locale) private var locale

    var body: some View {
        List {
            if let e = errorText(model.error) { Text(e).foregroundColor(.red) }
            ForEach(model.consent?.purposes ?? [], id: \.code) { purpose in
                Section {
                    ForEach(purpose.toggles, id: \.self) { t in
                        let label = Text("consent_toggle \(t.recipientName) \(categoryLabel(t.category, locale))")
                        Toggle(isOn: Binding(get: { t.permitted },
                                             set: { model.setToggle(purpose: purpose.code, t, permit: $0) })) { label }
                            .accessibilityLabel(label)
                    }
                } header: {
                    VStack(alignment: .leading) {
                        Text(isJapanese(locale) ? purpose.labelJa : purpose.labelEn).font(.headline)
                        if let basis = purpose.statutoryBasis { Text(basis).font(.caption) }
                    }
                }
            }
            Section {
                ForEach(model.consentHistory.reversed(), id: \.id) { d in
                    let line = historyLine(d)
                    Button { model.showReceipt(d.id) } label: { Text(line) }
                        .accessibilityLabel(Text(line))
                        .accessibilityHint(Text("consent_receipt"))
                }
            } header: {
                Text("consent_history").font(.headline)
            }
        }
        .sheet(isPresented: Binding(get: { model.receipt != nil }, set: { if !$0 { model.showReceipt(nil) } })) {
            ReceiptView(receipt: model.receipt, close: { model.showReceipt(nil) })
        }
    }

    /// "Shared · recipient · categories", with the recipient's name from the core's profile.
    private func historyLine(_ d: ConsentDirective) -> String {
        let what = d.effect == .permit ? String(localized: "consent_permitted") : String(localized: "consent_denied")
        let name = model.profile?.recipients.first { $0.id == d.recipient }?.name ?? d.recipient
        let categories = d.categories.map { categoryLabel($0, locale) }.joined(separator: "、")
        return "\(what) · \(name) · \(categories)"
    }
}

/// One decision's receipt, as the core wrote it (Japanese or English text).
struct ReceiptView: View {
    let receipt: ConsentReceiptText?
    let close: () -> Void
    @Environment(\.locale) private var locale

    var body: some View {
        NavigationView {
            ScrollView {
                Text(isJapanese(locale) ? receipt?.textJa ?? "" : receipt?.textEn ?? "")
                    .font(.body)
                    .frame(maxWidth: .infinity, alignment: .leading)
                    .padding()
                    .textSelection(.enabled)
            }
            .navigationTitle(Text("consent_receipt"))
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button("close", action: close).accessibilityLabel(Text("close"))
                }
            }
        }
    }
}
