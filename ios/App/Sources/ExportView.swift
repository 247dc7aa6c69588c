// TODO(export): placeholder only. Export/share goes through the core's consent gate (the one
// choke point deciding what may leave the device), which arrives with the consent API from a
// colleague; wire this screen to it then. No export logic lives here.
import SwiftUI

struct ExportView: View {
    var body: some View {
        Text("export_placeholder").padding().accessibilityLabel(Text("export_placeholder"))
    }
}
