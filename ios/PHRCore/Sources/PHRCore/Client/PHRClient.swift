import Foundation

/// One tile of the today dashboard: the newest value of a type, its core-made summary and level.
public struct DashboardItem: Sendable, Equatable {
    public let record: Record
    public let observationType: ObservationType
    /// From the core's formatter, e.g. "Blood pressure 128/82 mmHg". Never log it.
    public let summary: String
    /// Against the 特定健診 thresholds; nil when the type has none.
    public let level: Level?
}

/// The app's entry point to PHR Core. Every call is `async throws`, runs off the main actor
/// (nonisolated async functions run on the global executor) and throws `PHRClientError`.
/// Holds no rule: every check, format and threshold comes from the core.
public final class PHRClient: Sendable {
    private let session: PhrSession

    private init(_ session: PhrSession) { self.session = session }

    /// The generated session, for calls this layer does not wrap (blocking: not on the main actor).
    public var raw: PhrSession { session }

    public static func exists(at dir: URL) -> Bool { PhrStore(dir: dir.path).exists() }

    /// Create a store. `kdfIterations` nil = the production default (600,000).
    public static func create(at dir: URL, passphrase: String, kdfIterations: UInt32? = nil) async throws -> PHRClient {
        try await run { PHRClient(try PhrStore(dir: dir.path).create(passphrase: passphrase, kdfIterations: kdfIterations)) }
    }

    public static func unlock(at dir: URL, passphrase: String) async throws -> PHRClient {
        try await run { PHRClient(try PhrStore(dir: dir.path).unlock(passphrase: passphrase)) }
    }

    /// Biometric unlock: `keyStore` unwraps the data key with a Keychain / Secure Enclave key.
    public static func unlock(at dir: URL, keyStore: PlatformKeyStore) async throws -> PHRClient {
        try await run { PHRClient(try PhrStore(dir: dir.path).unlockWithPlatformKey(keyStore: keyStore)) }
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

    // MARK: persons (the family switcher)

    public func addPerson(actor: String?, _ person: NewPerson) async throws -> Person {
        try await call { try $0.addPerson(actor: actor, person: person) }
    }
    public func owner() async throws -> Person? { try await call { try $0.owner() } }
    /// The persons `actor` may act for.
    public func persons(actor: String) async throws -> [Person] { try await call { try $0.persons(actor: actor) } }

    // MARK: writing

    public func log(actor: String, subject: String, _ input: ObservationInput) async throws -> Record {
        try await call { try $0.logObservation(actor: actor, subject: subject, input: input) }
    }

    /// Import in chunks of `chunkSize`, one transaction each; `onProgress` runs on the calling task's thread.
    public func addRecords(actor: String, subject: String, _ inputs: [ClinicalInput], provenance: Provenance,
                           source: String? = nil, chunkSize: UInt32 = 500,
                           onProgress: @escaping @Sendable (UInt64, UInt64) -> Void = { _, _ in }) async throws -> [String] {
        try await call {
            try $0.addRecordsWithProgress(actor: actor, subject: subject, inputs: inputs, provenance: provenance,
                                          source: source, chunkSize: chunkSize, listener: ClosureListener(onProgress))
        }
    }

    public func backup(to file: URL, passphrase: String,
                       onProgress: @escaping @Sendable (UInt64, UInt64) -> Void = { _, _ in }) async throws {
        try await call { try $0.backup(path: file.path, backupPassphrase: passphrase, listener: ClosureListener(onProgress)) }
    }

    // MARK: reading

    public func timelinePage(actor: String, subject: String, limit: UInt32 = 50, after: PageToken? = nil) async throws -> Page {
        try await call { try $0.timeline(actor: actor, subject: subject, page: PageRequest(limit: limit, after: after)) }
    }

    /// The timeline, newest first, one page per element until the end.
    public func timeline(actor: String, subject: String, pageSize: UInt32 = 50) -> AsyncThrowingStream<[Record], Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                var after: PageToken? = nil
                do {
                    repeat {
                        let page = try await self.timelinePage(actor: actor, subject: subject, limit: pageSize, after: after)
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

    public func latest(actor: String, subject: String) async throws -> [Record] {
        try await call { try $0.latestObservations(actor: actor, subject: subject) }
    }

    /// Today's dashboard: the newest value of each type with the core's summary and guidance level.
    public func dashboard(actor: String, subject: String, sex: Sex?) async throws -> [DashboardItem] {
        try await latest(actor: actor, subject: subject).compactMap { record in
            guard case let .observation(o) = record.body else { return nil }
            return DashboardItem(record: record, observationType: o.observationType,
                                 summary: recordSummary(body: record.body), level: assess(observation: o, sex: sex))
        }
    }

    public func aggregate(actor: String, subject: String, _ query: AggregateQuery) async throws -> [Bucket] {
        try await call { try $0.aggregate(actor: actor, subject: subject, query: query) }
    }

    /// Daily buckets of the last `days` days up to today (the dashboard's trend line).
    public func trend(actor: String, subject: String, type: ObservationType, days: Int = 30) async throws -> [Bucket] {
        let to = try await today()
        let from = try PHRClient.isoDate(to, plusDays: -(days - 1))
        return try await aggregate(actor: actor, subject: subject,
                                   AggregateQuery(observationType: type, granularity: .day, from: from, to: to, timeZone: nil))
    }

    // MARK: family (delegations are records; the rules are the core's)

    /// Let someone act on `subject`'s record within scopes and a period. The subject grants for
    /// themself; a legal representative grants with a basis.
    public func grant(actor: String, subject: String, _ delegation: NewDelegation) async throws -> Delegation {
        try await call { try $0.grant(actor: actor, subject: subject, delegation: delegation) }
    }
    /// End a delegation now (its grantor or its subject).
    public func revoke(actor: String, delegationId: String) async throws {
        try await call { try $0.revoke(actor: actor, delegationId: delegationId) }
    }
    /// The subject takes their record back: every representative's grant on it ends. Returns the ended ids.
    public func takeControl(actor: String, subject: String) async throws -> [String] {
        try await call { try $0.takeControl(actor: actor, subject: subject) }
    }
    /// "Who can see my record, with which rights, until when".
    public func whoCanAccess(actor: String, subject: String) async throws -> [AccessGrant] {
        try await call { try $0.whoCanAccess(actor: actor, subject: subject) }
    }
    /// Every delegation on `subject`'s record, revoked and expired ones included.
    public func delegations(actor: String, subject: String) async throws -> [Delegation] {
        try await call { try $0.delegations(actor: actor, subject: subject) }
    }
    /// The person ids `actor` may act for now, themself first (the family switcher).
    public func subjectsOf(actor: String) async throws -> [String] {
        try await call { try $0.subjectsOf(actor: actor) }
    }

    // MARK: consent (default deny; every decision is kept)

    /// Use the operator profile the municipality or provider publishes (JSON text, validated by the core).
    public func setOperatorProfile(json: String) async throws {
        try await call { try $0.setOperatorProfileJson(json: json) }
    }
    /// The profile in use: recipients, purposes and notices for the consent screen.
    public func operatorProfile() async throws -> OperatorProfile { try await call { try $0.operatorProfile() } }
    /// Every purpose × recipient × category toggle of `subject` now, with the core's labels.
    public func consentState(actor: String, subject: String) async throws -> ConsentState {
        try await call { try $0.consentState(actor: actor, subject: subject) }
    }
    /// Every decision ever made, oldest first.
    public func consentHistory(actor: String, subject: String) async throws -> [ConsentDirective] {
        try await call { try $0.consentHistory(actor: actor, subject: subject) }
    }
    /// Record a decision (permit or deny); returns the stored directive.
    public func setConsent(actor: String, subject: String, _ request: ConsentRequest) async throws -> ConsentDirective {
        try await call { try $0.setConsent(actor: actor, subject: subject, request: request) }
    }
    /// Withdraw: a deny from now on; the recipient's copies are deleted at the next sync.
    public func withdraw(actor: String, subject: String, recipient: String, categories: [DataCategory],
                         purposes: [String]) async throws -> ConsentDirective {
        try await call {
            try $0.withdraw(actor: actor, subject: subject, recipient: recipient, categories: categories, purposes: purposes)
        }
    }
    /// Queue records for a recipient and purpose; only what consent permits now is queued. Returns how many.
    public func queueForRelease(actor: String, subject: String, recipient: String, purpose: String,
                                recordIds: [String]) async throws -> UInt64 {
        try await call {
            try $0.queueForRelease(actor: actor, subject: subject, recipient: recipient, purpose: purpose, recordIds: recordIds)
        }
    }
    /// What waits to leave the device.
    public func pendingOutbox(actor: String, subject: String) async throws -> [OutboxItem] {
        try await call { try $0.pendingOutbox(actor: actor, subject: subject) }
    }
    /// The receipt of one decision: Japanese and English text, ISO/IEC 29184 JSON, FHIR `Consent` JSON.
    public func consentReceipt(actor: String, subject: String, directiveId: String) async throws -> ConsentReceiptText {
        try await call { try $0.consentReceipt(actor: actor, subject: subject, directiveId: directiveId) }
    }

    // MARK: FHIR export and import

    /// FHIR R4 (JP Core) Bundle JSON: the whole record, or with `recipient` and `purpose` exactly
    /// what consent releases to them now (the core's release gate decides).
    public func exportFhirJson(actor: String, subject: String, recipient: String? = nil,
                               purpose: String? = nil) async throws -> String {
        try await call { try $0.exportFhirJson(actor: actor, subject: subject, recipient: recipient, purpose: purpose) }
    }
    /// The same Bundle written to `file`, a NEW file (an existing one is never overwritten), for the share sheet.
    public func exportFhirFile(actor: String, subject: String, to file: URL, recipient: String? = nil,
                               purpose: String? = nil) async throws -> ExportSummary {
        try await call {
            try $0.exportFhirFile(actor: actor, subject: subject, recipient: recipient, purpose: purpose, path: file.path)
        }
    }
    /// Import FHIR R4 JSON: one transaction, all or nothing; a malformed input names its JSON path.
    /// `onProgress` hears resources written, on the calling task's thread.
    public func importFhir(actor: String, subject: String, json: Data, provenance: Provenance = .importedFile,
                           source: String? = nil,
                           onProgress: @escaping @Sendable (UInt64, UInt64) -> Void = { _, _ in }) async throws -> ImportSummary {
        try await call {
            try $0.importFhir(actor: actor, subject: subject, json: json, provenance: provenance, source: source,
                              listener: ClosureListener(onProgress))
        }
    }
    /// Import one MHLW standard health-checkup XML file (特定健診) as a checkup.
    public func importCheckupXml(actor: String, subject: String, xml: Data,
                                 provenance: Provenance = .importedFile) async throws -> Record {
        try await call { try $0.importCheckupXml(actor: actor, subject: subject, xml: xml, provenance: provenance) }
    }
    /// FHIR resources kept as documents (types the record does not model), by resource type.
    public func fhirDocumentCounts(actor: String, subject: String) async throws -> [DocumentCount] {
        try await call { try $0.fhirDocumentCounts(actor: actor, subject: subject) }
    }

    // MARK: sync

    /// Push `subject`'s outbox for `recipient` through the consent gate, delete what was withdrawn
    /// or erased there, pull what the platform holds. Runs on its own thread, not on Swift's
    /// cooperative pool (a sync waits on the network and on retries with backoff for seconds).
    /// Errors to act on: `.offline` (retry later, nothing lost), `.authRequired` (sign in),
    /// `.serverRejected`, `.tlsUnavailable`. `tokens` nil = use the token kept from an earlier sync.
    public func sync(actor: String, subject: String, recipient: String, settings: SyncSettings = SyncSettings(),
                     tokens: SyncTokens? = nil,
                     onProgress: @escaping @Sendable (SyncPhase, UInt64, UInt64) -> Void = { _, _, _ in }) async throws -> SyncSummary {
        let session = self.session
        let provider = tokens.map { ClosureTokenProvider($0) as SyncTokenProvider }
        let listener = ClosureSyncListener(onProgress)
        return try await withCheckedThrowingContinuation { continuation in
            let worker = Thread {
                do {
                    continuation.resume(returning: try session.sync(
                        actor: actor, subject: subject, recipient: recipient, settings: settings,
                        tokens: provider, listener: listener))
                } catch {
                    continuation.resume(throwing: PHRClientError(error))
                }
            }
            worker.name = "phr-sync"
            worker.start()
        }
    }
    /// Sign out of `recipient`'s platform: the kept token is forgotten (device owner only).
    /// Returns whether there was one.
    public func forgetSyncToken(actor: String, recipient: String) async throws -> Bool {
        try await call { try $0.forgetSyncToken(actor: actor, recipient: recipient) }
    }

    /// `YYYY-MM-DD` shifted by whole days (calendar arithmetic in UTC: no daylight saving).
    static func isoDate(_ date: String, plusDays: Int) throws -> String {
        let f = DateFormatter()
        f.calendar = Calendar(identifier: .gregorian)
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        guard let d = f.date(from: date) else { throw PHRClientError.invalidInput(field: "date", reason: "must be YYYY-MM-DD") }
        return f.string(from: d.addingTimeInterval(Double(plusDays) * 86_400))
    }
}

/// A closure as a ProgressListener.
final class ClosureListener: ProgressListener, @unchecked Sendable {
    private let f: @Sendable (UInt64, UInt64) -> Void
    init(_ f: @escaping @Sendable (UInt64, UInt64) -> Void) { self.f = f }
    func onProgress(done: UInt64, total: UInt64) throws { f(done, total) }
}
