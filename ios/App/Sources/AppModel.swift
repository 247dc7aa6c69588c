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
    @Published var checkups: [CheckupReading] = []
    @Published var steps: StepProgress?
    @Published var overview: Overview?
    @Published var events: [EventProgress] = []
    @Published var points: PointsLedger?
    @Published var kpis: [KpiContributionView] = []
    private var timelineNext: PageToken?
    // Sharing (ConsentView, ExportView): everything shown is the core's answer.
    @Published var profile: OperatorProfile?
    @Published var consent: ConsentState?
    @Published var consentHistory: [ConsentDirective] = []
    @Published var receipt: ConsentReceiptText?
    @Published var exported: (file: URL, summary: ExportSummary)?
    @Published var imported: ImportSummary?
    @Published var importedCheckup = false
    @Published var synced: SyncSummary?
    /// What left the device (the provision log) and the resident's requests with their outcomes.
    @Published var provisions: [Provision] = []
    @Published var requests: [ResidentRequest] = []
    @Published var disclosure: (folder: URL, result: Disclosure)?

    private let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        .appendingPathComponent("phr", isDirectory: true)

    /// The store's folder, made on first use and kept out of iCloud and device backups: the
    /// store moves only through its own encrypted backup, and its keys never leave this phone.
    private func storeFolder() throws -> URL {
        var url = dir
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try url.setResourceValues(values)
        return url
    }

    /// First launch: the owner's store, their person, and biometric unlock enrolled.
    func create(passphrase: String, owner: NewPerson) {
        run {
            let c = try await PHRClient.create(at: try self.storeFolder(), passphrase: passphrase)
            _ = try await c.addPerson(owner)
            try await c.enrollPlatformKey(KeychainKeyStore())
            try await self.opened(c)
        }
    }

    private func run(_ body: @escaping () async throws -> Void) {
        Task {
            do { try await body() } catch let e as PHRClientError {
                if e == .locked { client = nil }
                error = e // shown localized, never logged (it could follow health data)
            } catch {}
        }
    }

    /// `member`: the nickname of a family member with their own passphrase; nil = the owner.
    func unlock(passphrase: String, member: String? = nil) {
        run { try await self.opened(PHRClient.unlock(at: self.dir, passphrase: passphrase, member: member)) }
    }
    func unlockWithBiometrics() { run { try await self.opened(PHRClient.unlock(at: self.dir, keyStore: KeychainKeyStore())) } }

    private func opened(_ c: PHRClient) async throws {
        // Whoever unlocked acts: the core binds the session to them.
        let people = try await c.persons()
        let me = try await c.actor()
        guard let acting = people.first(where: { $0.id == me }) else { return }
        client = c
        actor = acting
        subject = acting
        family = people
        // The operator profile ships with the app (operator-profile.json, e.g. the sample in
        // core/profiles); the core validates it.
        if let url = Bundle.main.url(forResource: "operator-profile", withExtension: "json") {
            try await c.setOperatorProfile(json: String(contentsOf: url, encoding: .utf8))
            profile = try await c.operatorProfile()
        }
        try await reload()
    }

    func switchTo(_ p: Person) {
        subject = p
        // Whether the person who unlocked may view this person's record is the core's decision (family
        // delegations): a refusal arrives as .notPermitted and is shown.
        run { try await self.reload() }
    }

    func reload() async throws {
        guard let c = client, let s = subject else { return }
        dashboard = try await c.dashboard(subject: s.id)
        // The morning summary, one core query; the step card shows its steps.
        let o = try await c.overview(subject: s.id)
        overview = o
        steps = o.steps
        checkups = try await c.checkups(subject: s.id)
        var t: [ObservationType: [Bucket]] = [:]
        for item in dashboard { t[item.observationType] = try await c.trend(subject: s.id, type: item.observationType) }
        trend = t
        let page = try await c.timelinePage(subject: s.id, limit: 30)
        timeline = page.records
        timelineNext = page.next
        if profile != nil { try await reloadConsent() }
    }

    /// A daily step goal from today on; `nil` = the guideline's for the age. The core checks the range.
    func setStepGoal(_ dailySteps: UInt32?) {
        run {
            guard let c = self.client, let s = self.subject?.id else { return }
            self.steps = try await c.setStepGoal(subject: s, dailySteps: dailySteps)
        }
    }

    func reloadConsent() async throws {
        guard let c = client, let s = subject?.id else { return }
        consent = try await c.consentState(subject: s)
        consentHistory = try await c.consentHistory(subject: s)
        events = try await c.walkingEvents(subject: s)
        // Points an operator confirms and KPI contributions both rest on consent.
        points = try await c.points(subject: s)
        kpis = try await c.kpiContributions(subject: s)
    }

    /// Join or leave a walking event: a consent decision the core records; its receipt is shown.
    func setEventMembership(_ eventId: String, join: Bool, team: String? = nil) {
        run {
            guard let c = self.client, let s = self.subject?.id else { return }
            let d: ConsentDirective
            if join {
                d = try await c.joinEvent(subject: s, eventId: eventId, team: team)
            } else {
                d = try await c.leaveEvent(subject: s, eventId: eventId)
            }
            try await self.reloadConsent()
            self.receipt = try await c.consentReceipt(subject: s, directiveId: d.id)
        }
    }

    /// Ask the core to record a permit or a deny for one toggle; the new state is the core's answer.
    func setToggle(purpose: String, _ toggle: ConsentToggle, permit: Bool) {
        run {
            guard let c = self.client, let s = self.subject?.id else { return }
            let request = ConsentRequest(recipient: toggle.recipient, categories: [toggle.category], purposes: [purpose],
                                         effect: permit ? .permit : .deny, validFrom: nil, validUntil: nil, noticeVersion: nil)
            _ = try await c.setConsent(subject: s, request)
            try await self.reloadConsent()
        }
    }

    func showReceipt(_ directiveId: String?) {
        run {
            guard let c = self.client, let s = self.subject?.id else { return }
            if let id = directiveId {
                self.receipt = try await c.consentReceipt(subject: s, directiveId: id)
            } else {
                self.receipt = nil
            }
        }
    }

    /// Export to a new file in the temporary folder (shared from there); recipient + purpose =
    /// what consent releases to them now.
    func export(recipient: String?, purpose: String?) {
        run {
            guard let c = self.client, let s = self.subject?.id else { return }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("phr-\(UUID().uuidString).json")
            let summary = try await c.exportFhirFile(subject: s, to: file, recipient: recipient, purpose: purpose)
            self.exported = (file, summary)
        }
    }

    /// The rights screen's data: the provision log and the requests, from the core.
    func loadRights() {
        run {
            guard let c = self.client, let s = self.subject?.id else { return }
            self.provisions = try await c.provisionLog(subject: s)
            self.requests = try await c.residentRequests(subject: s)
        }
    }

    /// 開示: the whole record and the provision log in a new temporary folder (shared from there).
    func requestDisclosure() {
        run {
            guard let c = self.client, let s = self.subject?.id else { return }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("disclosure-\(UUID().uuidString)")
            self.disclosure = (dir, try await c.requestDisclosure(subject: s, dir: dir.path))
            self.provisions = try await c.provisionLog(subject: s)
            self.requests = try await c.residentRequests(subject: s)
        }
    }

    /// 第三者提供の停止 for `recipient`.
    func requestStop(recipient: String) {
        run {
            guard let c = self.client, let s = self.subject?.id else { return }
            _ = try await c.requestStopOfProvision(subject: s, recipient: recipient)
            self.requests = try await c.residentRequests(subject: s)
            try await self.reload()
        }
    }

    /// 消去 of every record of the person shown (the view asks for confirmation first).
    func requestErasureOfAll() {
        run {
            guard let c = self.client, let s = self.subject?.id else { return }
            _ = try await c.requestErasure(subject: s)
            self.requests = try await c.residentRequests(subject: s)
            try await self.reload()
        }
    }

    /// Import a file picked by the user: FHIR JSON or checkup XML, told apart by the core from its content.
    func importFile(_ url: URL) {
        run {
            guard let c = self.client, let s = self.subject?.id else { return }
            let scoped = url.startAccessingSecurityScopedResource()
            defer { if scoped { url.stopAccessingSecurityScopedResource() } }
            guard let data = try? Data(contentsOf: url) else { throw PHRClientError.storage(kind: "io") }
            self.imported = nil
            self.importedCheckup = false
            switch try await c.importFile(subject: s, bytes: data) {
            case let .fhir(summary): self.imported = summary
            case .checkup: self.importedCheckup = true
            }
            try await self.reload()
        }
    }

    /// Sync with a recipient's platform using the token kept from an earlier sync (the sign-in
    /// flow that provides `SyncTokens` is the operator's, not part of this app).
    func sync(recipient: String) {
        run {
            guard let c = self.client, let s = self.subject?.id else { return }
            self.synced = try await c.sync(subject: s, recipient: recipient)
        }
    }

    func loadMore() {
        run {
            guard let c = self.client, let s = self.subject?.id, let next = self.timelineNext else { return }
            let page = try await c.timelinePage(subject: s, limit: 30, after: next)
            self.timeline += page.records
            self.timelineNext = page.next
        }
    }

    /// Log what the form collected, now by the core's clock; glucose needs its `timing` (the core says so, typed).
    func log(_ type: ObservationType, value: Double, value2: Double?, timing: GlucoseTiming? = nil) {
        run {
            guard let c = self.client, let s = self.subject?.id else { return }
            let reading = Reading(observationType: type, value: value, value2: value2, value3: nil, unit: nil,
                                  glucoseTiming: timing)
            _ = try await c.log(subject: s, reading)
            try await self.reload()
        }
    }

    /// A correction note beside a record (how an official result is corrected: it is never edited).
    func annotate(recordId: String, text: String) {
        run {
            guard let c = self.client, let s = self.subject?.id else { return }
            _ = try await c.annotateRecord(subject: s, id: recordId, text: text)
            try await self.reload()
        }
    }

    func lock() {
        let c = client
        client = nil
        Task { try? await c?.lock() }
    }
}
