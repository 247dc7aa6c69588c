import Foundation

/// The app's entry point to PHR Core. Every call is `async throws`, runs off the main actor
/// (nonisolated async functions run on the global executor) and throws `PHRClientError`.
/// Holds no rule: every check, format and threshold comes from the core.
public final class PHRClient: Sendable {
    private let session: PhrSession

    private init(_ session: PhrSession) { self.session = session }

    /// The generated session, for calls this layer does not wrap (blocking: not on the main actor).
    public var raw: PhrSession { session }

    public static func exists(at dir: URL) -> Bool { PhrStore(dir: dir.path).exists() }

    /// Create a store whose owner unlocks with `passphrase`; a weak one throws `.weakPassphrase`
    /// with a hint. `kdfMemoryKib` nil = the production Argon2id cost (tests pass a small one).
    public static func create(at dir: URL, passphrase: String, kdfMemoryKib: UInt32? = nil) async throws -> PHRClient {
        try await run { PHRClient(try PhrStore(dir: dir.path).create(passphrase: passphrase, kdfMemoryKib: kdfMemoryKib)) }
    }

    /// Create a store whose owner unlocks with a PIN that only works with this device's `keyStore`.
    public static func create(at dir: URL, pin: String, keyStore: PlatformKeyStore,
                              kdfMemoryKib: UInt32? = nil) async throws -> PHRClient {
        try await run {
            PHRClient(try PhrStore(dir: dir.path).createWithPin(pin: pin, keyStore: keyStore, kdfMemoryKib: kdfMemoryKib))
        }
    }

    /// Unlock as `member` (a nickname; nil = the owner). The session acts as that person.
    public static func unlock(at dir: URL, passphrase: String, member: String? = nil) async throws -> PHRClient {
        try await run { PHRClient(try PhrStore(dir: dir.path).unlock(member: member, passphrase: passphrase)) }
    }

    /// Unlock with a PIN together with this device's `keyStore`.
    public static func unlock(at dir: URL, pin: String, keyStore: PlatformKeyStore,
                              member: String? = nil) async throws -> PHRClient {
        try await run { PHRClient(try PhrStore(dir: dir.path).unlockWithPin(member: member, pin: pin, keyStore: keyStore)) }
    }

    /// Biometric unlock: `keyStore` unwraps the data key with a Keychain / Secure Enclave key.
    public static func unlock(at dir: URL, keyStore: PlatformKeyStore, member: String? = nil) async throws -> PHRClient {
        try await run { PHRClient(try PhrStore(dir: dir.path).unlockWithPlatformKey(member: member, keyStore: keyStore)) }
    }

    private static func run<T>(_ body: () throws -> T) async throws -> T {
        do { return try body() } catch { throw PHRClientError(error) }
    }

    private func call<T>(_ body: (PhrSession) throws -> T) async throws -> T {
        try await PHRClient.run { try body(session) }
    }

    public var isLocked: Bool { session.isLocked() }
    public func lock() async throws { try await call { try $0.lock() } }
    public func enrollPlatformKey(_ keyStore: PlatformKeyStore) async throws {
        try await call { try $0.enrollPlatformKey(keyStore: keyStore) }
    }
    public func hasPlatformKey() async throws -> Bool { try await call { try $0.hasPlatformKey() } }
    public func now() async throws -> Stamp { try await call { $0.now() } }
    /// Today's local date (`YYYY-MM-DD`) in the session zone (Asia/Tokyo by default).
    public func today() async throws -> String { try await call { $0.today() } }
    /// The person who unlocked: every call acts as them.
    public func actor() async throws -> String { try await call { try $0.actor() } }
    /// Seconds the device clock is behind the newest time this store has seen, or nil.
    public func clockBehind() async throws -> Int64? { try await call { $0.clockBehind() } }
    /// Change the passphrase; `rotateKey` also re-encrypts every byte under a new data key.
    public func changePassphrase(old: String, new: String, rotateKey: Bool = false,
                                 kdfMemoryKib: UInt32? = nil) async throws {
        try await call { try $0.changePassphrase(old: old, new: new, kdfMemoryKib: kdfMemoryKib, rotateKey: rotateKey) }
    }
    /// Unlock with a PIN from now on; the PIN only works together with this device's `keyStore`.
    public func setPin(_ pin: String, keyStore: PlatformKeyStore) async throws {
        try await call { try $0.setPin(pin: pin, keyStore: keyStore) }
    }

    // MARK: persons (the family switcher)

    public func addPerson(_ person: NewPerson) async throws -> Person {
        try await call { try $0.addPerson(person: person) }
    }
    public func owner() async throws -> Person? { try await call { try $0.owner() } }
    /// A family member with their own passphrase: they unlock as themself and act within their grants.
    public func addMember(_ person: NewPerson, passphrase: String, kdfMemoryKib: UInt32? = nil) async throws -> Person {
        try await call { try $0.addMember(person: person, passphrase: passphrase, kdfMemoryKib: kdfMemoryKib) }
    }
    /// Give a person on the device their own passphrase (a managed person who now uses the app; a member after a restore).
    public func enrollMember(_ nickname: String, passphrase: String, kdfMemoryKib: UInt32? = nil) async throws -> Person {
        try await call { try $0.enrollMember(nickname: nickname, passphrase: passphrase, kdfMemoryKib: kdfMemoryKib) }
    }
    /// Hand the device to `nickname`: a new client acting as them once their passphrase unlocks.
    public func switchTo(_ nickname: String, passphrase: String) async throws -> PHRClient {
        PHRClient(try await call { try $0.switchTo(nickname: nickname, passphrase: passphrase) })
    }
    /// The persons the unlocked person may act for.
    public func persons() async throws -> [Person] { try await call { try $0.persons() } }

    /// Removes a managed person with all their data (the owner only; refused for members and while
    /// anything is still shared: withdraw, erase and sync first). Returns how many records were erased.
    public func removePerson(subject: String) async throws -> UInt64 {
        try await call { try $0.removePerson(subject: subject) }
    }

    /// Per recipient, copies of erased records it may still hold: deleted there by the next sync.
    public func erasedCopiesHeld(subject: String) async throws -> [WaitingToSync] {
        try await call { try $0.erasedCopiesHeld(subject: subject) }
    }

    // MARK: writing

    /// Log a reading as the form collects it: at `at`, or now by the core's clock.
    public func log(subject: String, _ reading: Reading, at: Stamp? = nil) async throws -> Record {
        try await call { try $0.logReading(subject: subject, reading: reading, at: at) }
    }

    public func log(subject: String, _ input: ObservationInput) async throws -> Record {
        try await call { try $0.logObservation(subject: subject, input: input) }
    }

    /// Import in chunks of `chunkSize`, one transaction each; `onProgress` runs on the calling task's thread.
    public func addRecords(subject: String, _ inputs: [ClinicalInput], provenance: Provenance,
                           source: String? = nil, chunkSize: UInt32 = 500,
                           onProgress: @escaping @Sendable (UInt64, UInt64) -> Void = { _, _ in }) async throws -> [String] {
        try await call {
            try $0.addRecordsWithProgress(subject: subject, inputs: inputs, provenance: provenance,
                                          source: source, chunkSize: chunkSize, listener: ClosureListener(onProgress))
        }
    }

    public func backup(to file: URL, passphrase: String,
                       onProgress: @escaping @Sendable (UInt64, UInt64) -> Void = { _, _ in }) async throws {
        try await call { try $0.backup(path: file.path, backupPassphrase: passphrase, listener: ClosureListener(onProgress)) }
    }

    // MARK: reading

    public func timelinePage(subject: String, limit: UInt32 = 50, after: PageToken? = nil) async throws -> Page {
        try await call { try $0.timeline(subject: subject, page: PageRequest(limit: limit, after: after)) }
    }

    /// The timeline, newest first, one page per element until the end.
    public func timeline(subject: String, pageSize: UInt32 = 50) -> AsyncThrowingStream<[Record], Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                var after: PageToken? = nil
                do {
                    repeat {
                        let page = try await self.timelinePage(subject: subject, limit: pageSize, after: after)
                        if !page.records.isEmpty { continuation.yield(page.records) }
                        after = page.next
                    } while after != nil && !Task.isCancelled
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func latest(subject: String) async throws -> [Record] {
        try await call { try $0.latestObservations(subject: subject) }
    }

    /// Today's dashboard: the newest value of each type with the core's summary and guidance level.
    public func dashboard(subject: String) async throws -> [DashboardItem] {
        try await call { try $0.dashboard(subject: subject) }
    }

    /// The morning summary: latest values with their level, this week's steps, the last and
    /// next checkup, what is shared with whom (consent and family), what waits to sync.
    public func overview(subject: String) async throws -> Overview {
        try await call { try $0.overview(subject: subject) }
    }

    /// Today's steps against the daily goal, this week day by day, and the current streak.
    public func stepProgress(subject: String) async throws -> StepProgress {
        try await call { try $0.stepProgress(subject: subject) }
    }

    /// Sets the daily step goal from today on; `nil` goes back to the guideline's for the age
    /// (8,000, or 6,000 from 65). Earlier days keep theirs. Outside 500...50,000 it is refused.
    public func setStepGoal(subject: String, dailySteps: UInt32?) async throws -> StepProgress {
        try await call { try $0.setStepGoal(subject: subject, dailySteps: dailySteps) }
    }

    /// A correction note beside an official result (checkup, clinic, Mynaportal), which is never edited.
    public func annotateRecord(subject: String, id: String, text: String) async throws -> Record {
        try await call { try $0.annotateRecord(subject: subject, id: id, text: text) }
    }

    /// The newest `last` checkups, newest first: every result with its level, and the judgements in words.
    public func checkups(subject: String, last: UInt32 = 5) async throws -> [CheckupReading] {
        try await call { try $0.checkups(subject: subject, last: last) }
    }

    /// The newest `last` checkups side by side, item by item (year over year).
    public func checkupComparison(subject: String, last: UInt32 = 3) async throws -> CheckupComparison {
        try await call { try $0.checkupComparison(subject: subject, last: last) }
    }

    public func aggregate(subject: String, _ query: AggregateQuery) async throws -> [Bucket] {
        try await call { try $0.aggregate(subject: subject, query: query) }
    }

    /// A tile's trend line: daily buckets of the last `days` days up to today (the core's window).
    public func trend(subject: String, type: ObservationType, days: UInt32 = trendDays()) async throws -> [Bucket] {
        try await call { try $0.trend(subject: subject, observationType: type, days: days) }
    }

    // MARK: family (delegations are records; the rules are the core's)

    /// Let someone act on `subject`'s record within scopes and a period. The subject grants for
    /// themself; a legal representative grants with a basis.
    public func grant(subject: String, _ delegation: NewDelegation) async throws -> Delegation {
        try await call { try $0.grant(subject: subject, delegation: delegation) }
    }
    /// End a delegation now (its grantor or its subject).
    public func revoke(delegationId: String) async throws {
        try await call { try $0.revoke(delegationId: delegationId) }
    }
    /// The subject takes their record back: every representative's grant on it ends. Returns the ended ids.
    public func takeControl(subject: String) async throws -> [String] {
        try await call { try $0.takeControl(subject: subject) }
    }
    /// "Who can see my record, with which rights, until when".
    public func whoCanAccess(subject: String) async throws -> [AccessGrant] {
        try await call { try $0.whoCanAccess(subject: subject) }
    }
    /// Every delegation on `subject`'s record, revoked and expired ones included.
    public func delegations(subject: String) async throws -> [Delegation] {
        try await call { try $0.delegations(subject: subject) }
    }
    /// The person ids the unlocked person may act for now, themself first (the family switcher).
    public func subjectsOf() async throws -> [String] {
        try await call { try $0.subjectsOf() }
    }

    // MARK: consent (default deny; every decision is kept)

    /// Use the operator profile the municipality or provider publishes (JSON text, validated by the core).
    /// Kept in the store for later sessions; returns the profile's version.
    @discardableResult
    public func setOperatorProfile(json: String) async throws -> Int64 {
        try await call { try $0.setOperatorProfileJson(json: json) }
    }
    /// The profile in use: recipients, purposes and notices for the consent screen.
    public func operatorProfile() async throws -> OperatorProfile { try await call { try $0.operatorProfile() } }
    /// Every purpose × recipient × category toggle of `subject` now, with the core's labels.
    public func consentState(subject: String) async throws -> ConsentState {
        try await call { try $0.consentState(subject: subject) }
    }
    /// Every decision ever made, oldest first.
    public func consentHistory(subject: String) async throws -> [ConsentDirective] {
        try await call { try $0.consentHistory(subject: subject) }
    }
    /// Record a decision (permit or deny); returns the stored directive.
    public func setConsent(subject: String, _ request: ConsentRequest) async throws -> ConsentDirective {
        try await call { try $0.setConsent(subject: subject, request: request) }
    }
    /// Withdraw: a deny from now on; the recipient's copies are deleted at the next sync.
    public func withdraw(subject: String, recipient: String, categories: [DataCategory],
                         purposes: [String]) async throws -> ConsentDirective {
        try await call {
            try $0.withdraw(subject: subject, recipient: recipient, categories: categories, purposes: purposes)
        }
    }
    /// The permits a newer profile version asks the resident to decide again, with what changed.
    /// Nothing they cover leaves the device until then. (There is no "queue" call: a record
    /// written goes to every recipient consent permits, by the core.)
    public func reconsentNeeded(subject: String) async throws -> [Reconsent] {
        try await call { try $0.reconsentNeeded(subject: subject) }
    }
    /// What waits to leave the device.
    public func pendingOutbox(subject: String) async throws -> [OutboxItem] {
        try await call { try $0.pendingOutbox(subject: subject) }
    }
    /// The receipt of one decision: Japanese and English text, ISO/IEC 29184 JSON, FHIR `Consent` JSON.
    public func consentReceipt(subject: String, directiveId: String) async throws -> ConsentReceiptText {
        try await call { try $0.consentReceipt(subject: subject, directiveId: directiveId) }
    }

    // MARK: points

    /// The points ledger: every award and reversal with its reason, oldest first, and the
    /// balance (brought in line with the operator's programme as it is read).
    public func points(subject: String) async throws -> PointsLedger {
        try await call { try $0.points(subject: subject) }
    }

    /// What this person contributes to each KPI of the operator, as the consent gate judges it
    /// now (pseudonymous, banded; nothing leaves by this call).
    public func kpiContributions(subject: String) async throws -> [KpiContributionView] {
        try await call { try $0.kpiContributions(subject: subject) }
    }

    // MARK: the resident's rights

    /// Every provision of this person's data (what left, to whom, for what, under which consent).
    public func provisionLog(subject: String) async throws -> [Provision] {
        try await call { try $0.provisionLog(subject: subject) }
    }

    /// The provision log as CSV text, to save or share.
    public func provisionLogCsv(subject: String) async throws -> String {
        try await call { try $0.provisionLogCsv(subject: subject) }
    }

    /// 開示: the whole record and the provision log written to the new folder `dir`.
    public func requestDisclosure(subject: String, dir: String) async throws -> Disclosure {
        try await call { try $0.requestDisclosure(subject: subject, dir: dir) }
    }

    /// 訂正 by a note beside a record (the way to correct an official result).
    public func requestCorrectionNote(subject: String, id: String, text: String) async throws
        -> ResidentRequest
    {
        try await call { try $0.requestCorrectionNote(subject: subject, id: id, text: text) }
    }

    /// 訂正 of a record the resident entered: what it should say.
    public func requestCorrection(subject: String, id: String, input: ClinicalInput) async throws
        -> ResidentRequest
    {
        try await call { try $0.requestCorrection(subject: subject, id: id, input: input) }
    }

    /// 第三者提供の停止: nothing more goes to `recipient`; its copies go at the next sync.
    public func requestStopOfProvision(subject: String, recipient: String) async throws
        -> ResidentRequest
    {
        try await call { try $0.requestStopOfProvision(subject: subject, recipient: recipient) }
    }

    /// 消去 of record `id`, or of every record of `subject` (nil).
    public func requestErasure(subject: String, id: String? = nil) async throws -> ResidentRequest {
        try await call { try $0.requestErasure(subject: subject, id: id) }
    }

    /// The requests of `subject` and their outcomes, oldest first.
    public func residentRequests(subject: String) async throws -> [ResidentRequest] {
        try await call { try $0.residentRequests(subject: subject) }
    }

    /// A request's record as JSON text for the operator.
    public func requestForOperator(subject: String, requestId: String) async throws -> String {
        try await call { try $0.requestForOperator(subject: subject, requestId: requestId) }
    }

    /// A patient summary (IPS) for `recipient` until `until`, under a one-off permit for `categories`.
    public func shareSummary(subject: String, recipient: String, categories: [DataCategory],
                             until: Stamp) async throws -> SummaryShareView {
        try await call {
            try $0.shareSummary(subject: subject, recipient: recipient, categories: categories, until: until)
        }
    }

    /// End a summary share before its date.
    public func endSummaryShare(subject: String, directiveId: String) async throws {
        try await call { try $0.endSummaryShare(subject: subject, directiveId: directiveId) }
    }

    // MARK: walking events

    /// The operator's walking events with this person's part and progress in each, newest first.
    public func walkingEvents(subject: String) async throws -> [EventProgress] {
        try await call { try $0.walkingEvents(subject: subject) }
    }

    public func eventProgress(subject: String, eventId: String) async throws -> EventProgress {
        try await call { try $0.eventProgress(subject: subject, eventId: eventId) }
    }

    /// Join (alone, or in `team`): a consent permit for the organiser to get daily step totals only.
    public func joinEvent(subject: String, eventId: String, team: String? = nil) async throws -> ConsentDirective {
        try await call { try $0.joinEvent(subject: subject, eventId: eventId, team: team) }
    }

    /// Leave: a withdrawal of that permit.
    public func leaveEvent(subject: String, eventId: String) async throws -> ConsentDirective {
        try await call { try $0.leaveEvent(subject: subject, eventId: eventId) }
    }

    // MARK: FHIR export and import

    /// FHIR R4 (JP Core) Bundle JSON: the whole record, or with `recipient` and `purpose` exactly
    /// what consent releases to them now (the core's release gate decides).
    public func exportFhirJson(subject: String, recipient: String? = nil,
                               purpose: String? = nil) async throws -> String {
        try await call { try $0.exportFhirJson(subject: subject, recipient: recipient, purpose: purpose) }
    }
    /// The same Bundle written to `file`, a NEW file (an existing one is never overwritten), for the share sheet.
    public func exportFhirFile(subject: String, to file: URL, recipient: String? = nil,
                               purpose: String? = nil) async throws -> ExportSummary {
        try await call {
            try $0.exportFhirFile(subject: subject, recipient: recipient, purpose: purpose, path: file.path)
        }
    }
    /// Import FHIR R4 JSON: one transaction, all or nothing; a malformed input names its JSON path.
    /// `onProgress` hears resources written, on the calling task's thread.
    public func importFhir(subject: String, json: Data, provenance: Provenance = .importedFile,
                           source: String? = nil,
                           onProgress: @escaping @Sendable (UInt64, UInt64) -> Void = { _, _ in }) async throws -> ImportSummary {
        try await call {
            try $0.importFhir(subject: subject, json: json, provenance: provenance, source: source,
                              listener: ClosureListener(onProgress))
        }
    }
    /// Import a file the person picked: FHIR JSON or checkup XML, told apart by the core from its content.
    public func importFile(subject: String, bytes: Data, provenance: Provenance = .importedFile, source: String? = nil,
                           onProgress: @escaping @Sendable (UInt64, UInt64) -> Void = { _, _ in }) async throws -> FileImportSummary {
        try await call {
            try $0.importFile(subject: subject, bytes: bytes, provenance: provenance, source: source,
                              listener: ClosureListener(onProgress))
        }
    }
    /// Import one MHLW standard health-checkup XML file (特定健診) as a checkup.
    public func importCheckupXml(subject: String, xml: Data,
                                 provenance: Provenance = .importedFile) async throws -> Record {
        try await call { try $0.importCheckupXml(subject: subject, xml: xml, provenance: provenance) }
    }
    /// FHIR resources kept as documents (types the record does not model), by resource type.
    public func fhirDocumentCounts(subject: String) async throws -> [DocumentCount] {
        try await call { try $0.fhirDocumentCounts(subject: subject) }
    }

    // MARK: sync

    /// Push `subject`'s outbox for `recipient` through the consent gate, delete what was withdrawn
    /// or erased there, pull what the platform holds. Runs on its own thread, not on Swift's
    /// cooperative pool (a sync waits on the network and on retries with backoff for seconds).
    /// Errors to act on: `.offline` (retry later, nothing lost), `.authRequired` (sign in),
    /// `.serverRejected`, `.tlsUnavailable`. `tokens` nil = use the token kept from an earlier sync.
    public func sync(subject: String, recipient: String, settings: SyncSettings = SyncSettings(),
                     tokens: SyncTokens? = nil,
                     onProgress: @escaping @Sendable (SyncPhase, UInt64, UInt64) -> Void = { _, _, _ in }) async throws -> SyncSummary {
        let session = self.session
        let provider = tokens.map { ClosureTokenProvider($0) as SyncTokenProvider }
        let listener = ClosureSyncListener(onProgress)
        return try await withCheckedThrowingContinuation { continuation in
            let worker = Thread {
                do {
                    continuation.resume(returning: try session.sync(
                        subject: subject, recipient: recipient, settings: settings,
                        tokens: provider, listener: listener))
                } catch {
                    continuation.resume(throwing: PHRClientError(error))
                }
            }
            worker.name = "phr-sync"
            worker.start()
        }
    }
    /// Sign out of `recipient`'s platform: the kept token is forgotten (whoever may manage the store).
    /// Returns whether there was one.
    public func forgetSyncToken(recipient: String) async throws -> Bool {
        try await call { try $0.forgetSyncToken(recipient: recipient) }
    }

}

/// A closure as a ProgressListener.
final class ClosureListener: ProgressListener, @unchecked Sendable {
    private let f: @Sendable (UInt64, UInt64) -> Void
    init(_ f: @escaping @Sendable (UInt64, UInt64) -> Void) { self.f = f }
    func onProgress(done: UInt64, total: UInt64) throws { f(done, total) }
}
