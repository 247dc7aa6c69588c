import XCTest
@testable import PHRCore

final class PHRClientTests: XCTestCase {
    private func newStore() async throws -> (URL, PHRClient) {
        let dir = tempStoreDir()
        return (dir, try await PHRClient.create(at: dir, passphrase: passphrase, kdfIterations: testKdf))
    }

    func testCreatedStoreUnlocksWithItsPassphraseAfterLock() async throws {
        let (dir, client) = try await newStore()
        let owner = try await client.addPerson(actor: nil, person("hanako", "花子"))
        XCTAssertTrue(owner.isOwner)
        try await client.lock()
        XCTAssertTrue(client.isLocked)
        let again = try await PHRClient.unlock(at: dir, passphrase: passphrase)
        let found = try await again.owner()
        XCTAssertEqual(found?.id, owner.id)
        XCTAssertTrue(PHRClient.exists(at: dir))
    }

    func testWrongPassphraseIsItsOwnTypedError() async throws {
        let (dir, client) = try await newStore()
        try await client.lock()
        await assertThrows(.wrongPassphrase) { _ = try await PHRClient.unlock(at: dir, passphrase: "not the passphrase") }
        XCTAssertThrowsError(try PhrStore(dir: dir.path).unlock(passphrase: "not the passphrase")) { error in
            XCTAssertEqual(error as? PhrError, .WrongPassphrase)
        }
    }

    func testCallsAfterLockThrowLocked() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(actor: nil, person("hanako", "花子")).id
        try await client.lock()
        await assertThrows(.locked) { _ = try await client.latest(actor: me, subject: me) }
    }

    func testLoggedVitalsComeBackAsLatestWithCoreSummaryAndLevel() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(actor: nil, person("taro", "太郎", sex: .male)).id
        _ = try await client.log(actor: me, subject: me, obs(.weight, 70.0, ago(days: 1)))
        _ = try await client.log(actor: me, subject: me, obs(.weight, 68.5, ago(days: 0)))
        _ = try await client.log(actor: me, subject: me, bp(145, 92, ago(days: 0)))
        let dashboard = try await client.dashboard(actor: me, subject: me, sex: .male)
        let bpTile = try XCTUnwrap(dashboard.first { $0.observationType == .bloodPressure })
        XCTAssertEqual(bpTile.summary, "Blood pressure 145/92 mmHg")
        XCTAssertEqual(bpTile.level, .seeDoctor)
        let weight = try XCTUnwrap(dashboard.first { $0.observationType == .weight })
        guard case let .observation(o) = weight.record.body else { return XCTFail("not an observation") }
        XCTAssertEqual(o.value, 68.5, accuracy: 1e-9)
        XCTAssertNil(weight.level)
    }

    func testRefusedInputNamesTheField() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(actor: nil, person("hanako", "花子")).id
        do {
            _ = try await client.log(actor: me, subject: me, obs(.weight, 0, ago(days: 0)))
            XCTFail("accepted")
        } catch let PHRClientError.invalidInput(field, _) {
            XCTAssertEqual(field, "value")
        }
        do {
            _ = try await client.log(actor: me, subject: me, bp(80, 120, ago(days: 0)))
            XCTFail("accepted")
        } catch let PHRClientError.invalidInput(field, _) {
            XCTAssertEqual(field, "diastolic")
        }
    }

    func testAYearOfStepsAggregatesByMonthAndReportsProgressPerChunk() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(actor: nil, person("hanako", "花子")).id
        let inputs = (0..<365).map { ClinicalInput.observation(obs(.steps, 8000, ago(days: Int64($0), seconds: 3600))) }
        let seen = Locked<[[UInt64]]>([])
        let ids = try await client.addRecords(actor: me, subject: me, inputs, provenance: .device, source: "pedometer",
                                              chunkSize: 100) { done, total in seen.mutate { $0.append([done, total]) } }
        XCTAssertEqual(ids.count, 365)
        XCTAssertEqual(seen.value, [[0, 365], [100, 365], [200, 365], [300, 365], [365, 365]])
        let today = try await client.today()
        let from = try PHRClient.isoDate(today, plusDays: -364)
        let buckets = try await client.aggregate(actor: me, subject: me,
            AggregateQuery(observationType: .steps, granularity: .month, from: from, to: today, timeZone: nil))
        XCTAssertTrue((12...13).contains(buckets.count))
        XCTAssertEqual(buckets.reduce(0) { $0 + $1.count }, 365)
        XCTAssertEqual(buckets.reduce(0.0) { $0 + ($1.sum ?? 0) }, 365 * 8000, accuracy: 1e-6)
        let trend = try await client.trend(actor: me, subject: me, type: .steps, days: 30)
        XCTAssertEqual(trend.count, 30)
        XCTAssertEqual(trend.first?.start, try PHRClient.isoDate(today, plusDays: -29))
    }

    func testTimelinePagesWithoutGapsOrDuplicates() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(actor: nil, person("hanako", "花子")).id
        for i in 0..<25 { _ = try await client.log(actor: me, subject: me, obs(.pulse, 60 + Double(i), ago(days: Int64(i)))) }
        var pages: [[Record]] = []
        for try await page in client.timeline(actor: me, subject: me, pageSize: 10) { pages.append(page) }
        XCTAssertEqual(pages.map(\.count), [10, 10, 5])
        let all = pages.flatMap { $0 }
        XCTAssertEqual(Set(all.map(\.meta.id)).count, 25)
        let times = all.map(\.meta.effective.utcSeconds)
        XCTAssertEqual(times, times.sorted(by: >))
    }

    func testFamilySwitchShowsTheFamilyButActingForAnotherNeedsAGrant() async throws {
        let (_, client) = try await newStore()
        let owner = try await client.addPerson(actor: nil, person("hanako", "花子")).id
        let child = try await client.addPerson(actor: owner, person("kenta", "健太", sex: .male, birth: "2015-06-01")).id
        let ownerSees = try await client.persons(actor: owner).map(\.id)
        XCTAssertEqual(ownerSees, [owner, child])
        let childSees = try await client.persons(actor: child).map(\.id)
        XCTAssertEqual(childSees, [child])
        _ = try await client.log(actor: child, subject: child, obs(.bodyTemperature, 36.8, ago(days: 0)))
        let childLatest = try await client.latest(actor: child, subject: child)
        XCTAssertEqual(childLatest.count, 1)
        await assertThrows(.notPermitted(action: "view")) { _ = try await client.latest(actor: owner, subject: child) }
        await assertThrows(.notPermitted(action: "record")) {
            _ = try await client.log(actor: child, subject: owner, obs(.weight, 60, ago(days: 0)))
        }
        await assertThrows(.notPermitted(action: "manage_persons")) {
            _ = try await client.addPerson(actor: child, person("jiro", "次郎"))
        }
    }

    func testASwiftPlatformKeyStoreEnrollsAndThenUnlocks() async throws {
        let (dir, client) = try await newStore()
        let me = try await client.addPerson(actor: nil, person("hanako", "花子")).id
        _ = try await client.log(actor: me, subject: me, obs(.spo2, 98, ago(days: 0)))
        let keyStore = XorTestKeyStore()
        let before = try await client.hasPlatformKey()
        XCTAssertFalse(before)
        try await client.enrollPlatformKey(keyStore)
        XCTAssertEqual(keyStore.wraps, 1)
        try await client.lock()
        let unlocked = try await PHRClient.unlock(at: dir, keyStore: keyStore)
        XCTAssertGreaterThanOrEqual(keyStore.unwraps, 1)
        let latest = try await unlocked.latest(actor: me, subject: me)
        XCTAssertEqual(latest.count, 1)
        try await unlocked.lock()
        keyStore.forgetAll()
        await assertThrows(.platformKeyRejected) { _ = try await PHRClient.unlock(at: dir, keyStore: keyStore) }
        try await PHRClient.unlock(at: dir, passphrase: passphrase).lock()
    }

    func testBackupReportsStartAndEnd() async throws {
        let (dir, client) = try await newStore()
        _ = try await client.addPerson(actor: nil, person("hanako", "花子"))
        let seen = Locked<[[UInt64]]>([])
        let target = dir.appendingPathComponent("backup.phr")
        try await client.backup(to: target, passphrase: "backup passphrase") { d, t in seen.mutate { $0.append([d, t]) } }
        XCTAssertTrue(FileManager.default.fileExists(atPath: target.path))
        XCTAssertEqual(seen.value, [[0, 1], [1, 1]])
        await assertThrows(.alreadyExists(what: "backup file")) {
            try await client.backup(to: target, passphrase: "backup passphrase")
        }
    }

    func testFormattersComeFromTheCore() {
        XCTAssertFalse(coreVersion().isEmpty)
        XCTAssertEqual(displayUnit(observationType: .bloodPressure), "mmHg")
        XCTAssertEqual(formatValue(observationType: .steps, value: 7999.6), "8000")
        XCTAssertEqual(guidanceBand(observationType: .bloodPressure, sex: nil)?.guidanceFrom, 130)
        XCTAssertEqual(recordSummary(body: .note(Note(text: "first line\nsecond"))), "Note: first line")
    }
}

/// A value shared with a @Sendable progress closure.
final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var v: T
    init(_ v: T) { self.v = v }
    var value: T { lock.lock(); defer { lock.unlock() }; return v }
    func mutate(_ f: (inout T) -> Void) { lock.lock(); f(&v); lock.unlock() }
}
