import Foundation
import PHRCore

/// UI state only: who is unlocked, who acts, whose record is shown. Calls go through PHRClient
/// (async, off the main actor); results are published on the main actor.
@MainActor
final class AppModel: ObservableObject {
    @Published var client: PHRClient?
    @Published var error: PHRClientError?
    @Published var family: [Person] = []
    @Published var actor: Person?
    @Published var subject: Person?
    @Published var dashboard: [DashboardItem] = []
    @Published var trend: [ObservationType: [Bucket]] = [:]
    @Published var timeline: [Record] = []
    private var timelineNext: PageToken?

    private let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        .appendingPathComponent("phr", isDirectory: true)

    private func run(_ body: @escaping () async throws -> Void) {
        Task {
            do { try await body() } catch let e as PHRClientError {
                if e == .locked { client = nil }
                error = e // shown localized, never logged (it could follow health data)
            } catch {}
        }
    }

    func unlock(passphrase: String) { run { try await self.opened(PHRClient.unlock(at: self.dir, passphrase: passphrase)) } }
    func unlockWithBiometrics() { run { try await self.opened(PHRClient.unlock(at: self.dir, keyStore: KeychainKeyStore())) } }

    private func opened(_ c: PHRClient) async throws {
        guard let owner = try await c.owner() else { return }
        client = c
        actor = owner
        subject = owner
        family = try await c.persons(actor: owner.id)
        try await reload()
    }

    func switchTo(_ p: Person) {
        subject = p
        // Whether the owner may view this person's record is the core's decision (family
        // delegations): a refusal arrives as .notPermitted and is shown.
        run { try await self.reload() }
    }

    func reload() async throws {
        guard let c = client, let a = actor?.id, let s = subject else { return }
        dashboard = try await c.dashboard(actor: a, subject: s.id, sex: s.details.sex)
        var t: [ObservationType: [Bucket]] = [:]
        for item in dashboard { t[item.observationType] = try await c.trend(actor: a, subject: s.id, type: item.observationType) }
        trend = t
        let page = try await c.timelinePage(actor: a, subject: s.id, limit: 30)
        timeline = page.records
        timelineNext = page.next
    }

    func loadMore() {
        run {
            guard let c = self.client, let a = self.actor?.id, let s = self.subject?.id, let next = self.timelineNext else { return }
            let page = try await c.timelinePage(actor: a, subject: s, limit: 30, after: next)
            self.timeline += page.records
            self.timelineNext = page.next
        }
    }

    func log(_ type: ObservationType, value: Double, value2: Double?) {
        run {
            guard let c = self.client, let a = self.actor?.id, let s = self.subject?.id else { return }
            let input = ObservationInput(observationType: type, value: value, value2: value2, value3: nil, unit: nil,
                                         glucoseTiming: nil, effective: try await c.now())
            _ = try await c.log(actor: a, subject: s, input)
            try await self.reload()
        }
    }

    func lock() {
        let c = client
        client = nil
        Task { try? await c?.lock() }
    }
}
