// The operator and the resident's rights, thin over the core: who runs the service (the
// operator profile's `about`, APPI art. 32), what left the device (the provision log), and the
// requests — disclosure, stop of provision, erasure — each one core call, listed with the
// outcome the core recorded. Corrections are made from a record (annotate / correct).
import PHRCore
import SwiftUI

struct RightsView: View {
    @EnvironmentObject var model: AppModel
    @Environment(\.locale) private var locale
    @State private var confirmErase = false

    var body: some View {
        List {
            if let e = errorText(model.error) { Text(e).foregroundColor(.red) }
            Section(header: Text("about_operator")) {
                if let p = model.profile {
                    Text(p.name)
                    if let a = p.about {
                        Text(a.address)
                        Text(a.representative)
                        Text(a.requestProcedure)
                        ForEach(a.safetyMeasures, id: \.self) { Text("・\($0)") }
                    }
                    Text("inquiry_window \(p.inquiry.phone) \(p.inquiry.hours)")
                }
            }
            Section(header: Text("provision_log")) {
                if model.provisions.isEmpty { Text("provision_log_empty") }
                ForEach(model.provisions, id: \.id) { e in
                    let what = e.categories.map { categoryLabel($0, locale) }.joined(separator: "・")
                    Text("provision_line \(e.recipientName) \(what) \(Int64(e.itemCount))")
                }
            }
            Section(header: Text("requests")) {
                Button("request_disclosure") { model.requestDisclosure() }
                    .accessibilityLabel(Text("request_disclosure"))
                if let d = model.disclosure {
                    Text("disclosed \(Int64(d.result.resources)) \(Int64(d.result.provisions))")
                    ShareLink(item: d.folder) { Label("share", systemImage: "square.and.arrow.up") }
                        .accessibilityLabel(Text("share"))
                }
                ForEach(model.profile?.recipients ?? [], id: \.id) { r in
                    Button { model.requestStop(recipient: r.id) } label: { Text("request_stop \(r.name)") }
                        .accessibilityLabel(Text("request_stop \(r.name)"))
                }
                Button("request_erasure", role: .destructive) { confirmErase = true }
                    .accessibilityLabel(Text("request_erasure"))
                ForEach(model.requests, id: \.id) { r in
                    Text("\(String(describing: r.kind)) \(String(describing: r.status)): \(r.outcome ?? "")")
                }
            }
        }
        .onAppear { model.loadRights() }
        .confirmationDialog(Text("request_erasure_confirm"), isPresented: $confirmErase, titleVisibility: .visible) {
            Button("erase", role: .destructive) { model.requestErasureOfAll() }
            Button("cancel", role: .cancel) {}
        }
    }
}
