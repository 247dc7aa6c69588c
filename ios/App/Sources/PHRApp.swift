// The thin iOS app (SwiftUI). Apple platforms only: not built on the Linux CI machine.
// Add ../PHRCore as a local Swift package in the Xcode project (after scripts/build-ios.sh).
// Every rule, format and threshold comes from PHRCore; nothing here judges health data.
import PHRCore
import SwiftUI

@main
struct PHRApp: App {
    @StateObject private var model = AppModel()
    @Environment(\.scenePhase) private var phase

    var body: some Scene {
        WindowGroup {
            Group {
                if model.client == nil { UnlockView() } else { HomeView() }
            }
            .environmentObject(model)
        }
        .onChange(of: phase) { newPhase in
            if newPhase == .background { model.lock() } // keys are wiped when the app leaves the screen
        }
    }
}
