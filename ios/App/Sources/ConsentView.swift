// TODO(consent): placeholder only. The consent API (consent directives: recipient × data
// categories × purposes × period, default-deny) is being built in phr-core by a colleague;
// wire this screen to it when it lands. No consent logic lives here, not even a fake toggle state.
import SwiftUI

struct ConsentView: View {
    var body: some View {
        Text("consent_placeholder").padding().accessibilityLabel(Text("consent_placeholder"))
    }
}
