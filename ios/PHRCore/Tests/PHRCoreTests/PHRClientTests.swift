import XCTest
@testable import PHRCore

final class PHRClientTests: XCTestCase {
    private func newStore() async throws -> (URL, PHRClient) {
        let dir = tempStoreDir()
        return (dir, try await PHRClient.create(at: dir, passphrase: passphrase, kdfMemoryKib: testKdf))
    }

    func testCreatedStoreUnlocksWithItsPassphraseAfterLock() async throws {
        let (dir, client) = try await newStore()
        let owner = try await client.addPerson(person("hanako", "花子"))
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
        XCTAssertThrowsError(try PhrStore(dir: dir.path).unlock(member: nil, passphrase: "not the passphrase")) { error in
            XCTAssertEqual(error as? PhrError, .WrongPassphrase)
        }
    }

    func testCallsAfterLockThrowLocked() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(person("hanako", "花子")).id
        try await client.lock()
        await assertThrows(.locked) { _ = try await client.latest(subject: me) }
    }

    func testLoggedVitalsComeBackAsLatestWithCoreSummaryAndLevel() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(person("taro", "太郎", sex: .male)).id
        _ = try await client.log(subject: me, obs(.weight, 70.0, ago(days: 1)))
        _ = try await client.log(subject: me, obs(.weight, 68.5, ago(days: 0)))
        _ = try await client.log(subject: me, bp(145, 92, ago(days: 0)))
        let dashboard = try await client.dashboard(subject: me)
        let bpTile = try XCTUnwrap(dashboard.first { $0.observationType == .bloodPressure })
        XCTAssertEqual(bpTile.summary, "Blood pressure 145/92 mmHg")
        XCTAssertEqual(bpTile.level, .seeDoctor)
        let weight = try XCTUnwrap(dashboard.first { $0.observationType == .weight })
        guard case let .observation(o) = weight.record.body else { return XCTFail("not an observation") }
        XCTAssertEqual(o.value, 68.5, accuracy: 1e-9)
        XCTAssertNil(weight.level)
    }

    func testTheOverviewGathersLatestLevelsStepsAndSharing() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(person("taro", "太郎", sex: .male)).id
        _ = try await client.log(subject: me, bp(145, 92, ago(days: 0)))
        let o = try await client.overview(subject: me)
        XCTAssertEqual(o.subjectId, me)
        XCTAssertEqual(o.latest.count, 1)
        XCTAssertEqual(o.latest.first?.level, .seeDoctor)
        XCTAssertNil(o.lastCheckup)
        XCTAssertNil(o.nextCheckupDue)
        XCTAssertTrue(o.shared.isEmpty)
        XCTAssertTrue(o.family.isEmpty)
        XCTAssertTrue(o.waitingToSync.isEmpty)
    }

    func testTheStepGoalStartsAtTheGuidelineAndASetGoalHoldsFromToday() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(person("taro", "太郎", sex: .male)).id
        // Logged at this instant, so it is today's in the session zone whenever the test runs.
        _ = try await client.log(subject: me, obs(.steps, 9000, ago(days: 0, seconds: 0)))
        let p = try await client.stepProgress(subject: me)
        XCTAssertEqual(p.goal.source, .adultGuideline)
        XCTAssertEqual(p.goal.dailySteps, 8000)
        XCTAssertEqual([p.todaySteps, p.remainingToday, p.streakDays], [9000, 0, 1])

        let raised = try await client.setStepGoal(subject: me, dailySteps: 10_000)
        XCTAssertEqual(raised.goal.source, .personal)
        XCTAssertEqual(raised.guideline.dailySteps, 8000)
        XCTAssertEqual([raised.remainingToday, raised.streakDays], [1000, 0])

        do {
            _ = try await client.setStepGoal(subject: me, dailySteps: 80_000)
            XCTFail("accepted")
        } catch let PHRClientError.invalidInput(field, _) {
            XCTAssertEqual(field, "daily_steps")
        }
        let after = try await client.stepProgress(subject: me)
        XCTAssertEqual(after, raised, "the refused goal changed nothing")
        let overview = try await client.overview(subject: me)
        XCTAssertEqual(overview.steps, raised)
        let back = try await client.setStepGoal(subject: me, dailySteps: nil)
        XCTAssertEqual(back.goal.source, .adultGuideline)
    }

    func testAManagedPersonIsRemovedButTheOwnerIsNot() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(person("taro", "太郎", sex: .male)).id
        let ken = try await client.addPerson(person("ken", "健", sex: .male, birth: "2015-04-01")).id
        let erased = try await client.removePerson(subject: ken)
        XCTAssertEqual(erased, 0)
        let left = try await client.persons().map(\.id)
        XCTAssertEqual(left, [me])
        do {
            _ = try await client.removePerson(subject: me)
            XCTFail("the owner was removed")
        } catch let PHRClientError.invalidInput(field, _) {
            XCTAssertEqual(field, "person")
        }
    }

    func testCheckupsReadWithLevelsAndLineUpYearOverYear() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(person("taro", "太郎", sex: .male)).id
        func result(_ code: String, _ name: String, _ v: Double?, _ c: String?) -> CheckupResult {
            CheckupResult(codeSystem: .tokutei, code: code, name: name, valueNum: v, valueCode: c, valueSystem: nil,
                          valueText: nil, unit: v == nil ? nil : "%", refLow: nil, refHigh: nil, flag: nil)
        }
        func checkup(_ date: String, _ hba1c: Double, _ metabo: String) -> ClinicalInput {
            .checkup(Checkup(date: date, program: "specific_health_checkup", institution: "さくら健診センター",
                             institutionCode: nil, judgement: "要経過観察",
                             results: [result("3D046000001906202", "HbA1c(NGSP値)", hba1c, nil),
                                       result("9N501000000000011", "メタボリックシンドローム判定", nil, metabo)]))
        }
        _ = try await client.addRecords(subject: me, [checkup("2025-06-12", 5.4, "3"), checkup("2026-06-10", 5.7, "2")],
                                        provenance: .mynaportal)
        let readings = try await client.checkups(subject: me)
        XCTAssertEqual(readings.map(\.date), ["2026-06-10", "2025-06-12"])
        XCTAssertEqual(readings.first?.metabolicSyndrome, "予備群該当")
        XCTAssertEqual(readings.first?.results.first?.level, .guidance)
        XCTAssertEqual(readings.last?.worstLevel, .normal)
        let cmp = try await client.checkupComparison(subject: me)
        XCTAssertEqual(cmp.rows.first?.cells.map { $0?.value }, ["5.7", "5.4"])
        // An official result is corrected by a note beside it, never edited.
        let id = try XCTUnwrap(readings.first?.recordId)
        let note = try await client.annotateRecord(subject: me, id: id, text: "再検査で 5.5")
        guard case let .note(n) = note.body else { return XCTFail("not a note") }
        XCTAssertEqual(n.about, id)
        let again = try await client.checkups(subject: me)
        XCTAssertEqual(again.first?.corrections.map(\.text), ["再検査で 5.5"])
    }

    func testRefusedInputNamesTheField() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(person("hanako", "花子")).id
        do {
            _ = try await client.log(subject: me, obs(.weight, 0, ago(days: 0)))
            XCTFail("accepted")
        } catch let PHRClientError.invalidInput(field, _) {
            XCTAssertEqual(field, "value")
        }
        do {
            _ = try await client.log(subject: me, bp(80, 120, ago(days: 0)))
            XCTFail("accepted")
        } catch let PHRClientError.invalidInput(field, _) {
            XCTAssertEqual(field, "diastolic")
        }
    }

    func testAYearOfStepsAggregatesByMonthAndReportsProgressPerChunk() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(person("hanako", "花子")).id
        let inputs = (0..<365).map { ClinicalInput.observation(obs(.steps, 8000, ago(days: Int64($0), seconds: 3600))) }
        let seen = Locked<[[UInt64]]>([])
        let ids = try await client.addRecords(subject: me, inputs, provenance: .device, source: "pedometer",
                                              chunkSize: 100) { done, total in seen.mutate { $0.append([done, total]) } }
        XCTAssertEqual(ids.count, 365)
        XCTAssertEqual(seen.value, [[0, 365], [100, 365], [200, 365], [300, 365], [365, 365]])
        let today = try await client.today()
        let from = isoDate(today, plusDays: -364)
        let buckets = try await client.aggregate(subject: me,
            AggregateQuery(observationType: .steps, granularity: .month, from: from, to: today, timeZone: nil))
        XCTAssertTrue((12...13).contains(buckets.count))
        XCTAssertEqual(buckets.reduce(0) { $0 + $1.count }, 365)
        XCTAssertEqual(buckets.reduce(0.0) { $0 + ($1.sum ?? 0) }, 365 * 8000, accuracy: 1e-6)
        let trend = try await client.trend(subject: me, type: .steps, days: 30)
        XCTAssertEqual(trend.count, 30)
        XCTAssertEqual(trend.first?.start, isoDate(today, plusDays: -29))
    }

    func testTimelinePagesWithoutGapsOrDuplicates() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(person("hanako", "花子")).id
        for i in 0..<25 { _ = try await client.log(subject: me, obs(.pulse, 60 + Double(i), ago(days: Int64(i)))) }
        var pages: [[Record]] = []
        for try await page in client.timeline(subject: me, pageSize: 10) { pages.append(page) }
        XCTAssertEqual(pages.map(\.count), [10, 10, 5])
        let all = pages.flatMap { $0 }
        XCTAssertEqual(Set(all.map(\.meta.id)).count, 25)
        let times = all.map(\.meta.effective.utcSeconds)
        XCTAssertEqual(times, times.sorted(by: >))
    }

    func testAMemberUnlocksAsThemselfAndActingForAnotherNeedsAGrant() async throws {
        let (dir, client) = try await newStore()
        let owner = try await client.addPerson(person("hanako", "花子")).id
        let child = try await client.addPerson(person("kenta", "健太", sex: .male, birth: "2015-06-01")).id
        let son = try await client.addMember(person("taro", "太郎", sex: .male, birth: "1990-01-01"),
                                             passphrase: memberPassphrase, kdfMemoryKib: testKdf).id
        let actor = try await client.actor()
        XCTAssertEqual(actor, owner)
        let ownerSees = Set(try await client.persons().map(\.id))
        XCTAssertEqual(ownerSees, [owner, child, son])
        // A managed child is acted for through a grant made as their parent, on a recorded basis.
        await assertThrows(.notPermitted(action: "record")) {
            _ = try await client.log(subject: child, obs(.bodyTemperature, 36.8, ago(days: 0)))
        }
        _ = try await client.grant(subject: child, NewDelegation(
            grantee: .person(owner), scopes: [.view, .record], validFrom: nil, validUntil: nil,
            representativeBasis: .parentOfMinor, basisNote: "母子健康手帳 2015-0601"))
        _ = try await client.log(subject: child, obs(.bodyTemperature, 36.8, ago(days: 0)))
        let childLatest = try await client.latest(subject: child)
        XCTAssertEqual(childLatest.count, 1)
        // The member unlocks with their own passphrase and acts as themself.
        try await client.lock()
        let taro = try await PHRClient.unlock(at: dir, passphrase: memberPassphrase, member: "taro")
        let taroActs = try await taro.actor()
        XCTAssertEqual(taroActs, son)
        let taroSees = try await taro.persons().map(\.id)
        XCTAssertEqual(taroSees, [son])
        await assertThrows(.notPermitted(action: "view")) { _ = try await taro.latest(subject: owner) }
        await assertThrows(.notPermitted(action: "record")) {
            _ = try await taro.log(subject: owner, obs(.weight, 60, ago(days: 0)))
        }
        await assertThrows(.notPermitted(action: "manage_persons")) {
            _ = try await taro.addPerson(person("jiro", "次郎"))
        }
        await assertThrows(.wrongPassphrase) { _ = try await PHRClient.unlock(at: dir, passphrase: passphrase, member: "taro") }
        let back = try await taro.switchTo("hanako", passphrase: passphrase)
        let backActs = try await back.actor()
        XCTAssertEqual(backActs, owner)
    }

    func testAWeakPassphraseIsRefusedWithAHintAndNoStoreIsMade() async throws {
        let dir = tempStoreDir()
        do {
            _ = try await PHRClient.create(at: dir, passphrase: "password1", kdfMemoryKib: testKdf)
            XCTFail("accepted")
        } catch let PHRClientError.weakPassphrase(_, hint) {
            XCTAssertFalse(hint.isEmpty)
        }
        XCTAssertFalse(PHRClient.exists(at: dir))
    }

    func testRepeatedWrongPassphrasesAreSlowedDownTyped() async throws {
        let (dir, client) = try await newStore()
        _ = try await client.addPerson(person("hanako", "花子"))
        try await client.lock()
        for i in 0..<5 {
            await assertThrows(.wrongPassphrase) { _ = try await PHRClient.unlock(at: dir, passphrase: "wrong guess \(i)") }
        }
        do {
            _ = try await PHRClient.unlock(at: dir, passphrase: passphrase)
            XCTFail("a sixth try went through at once")
        } catch let PHRClientError.tooManyAttempts(retryAfter) {
            XCTAssertTrue((1...30).contains(retryAfter))
        }
    }

    func testTheCoreLogsAReadingNowAndImportsAFileByItsContent() async throws {
        let (_, client) = try await newStore()
        let me = try await client.addPerson(person("hanako", "花子")).id
        let reading = Reading(observationType: .bloodGlucose, value: 98, value2: nil, value3: nil, unit: nil,
                              glucoseTiming: .fasting)
        let logged = try await client.log(subject: me, reading)
        let now = try await client.now()
        XCTAssertTrue((0...5).contains(now.utcSeconds - logged.meta.effective.utcSeconds))
        let bundle = Data(try await client.exportFhirJson(subject: me).utf8)
        let (_, other) = try await newStore()
        let her = try await other.addPerson(person("yuki", "由紀")).id
        guard case .fhir = try await other.importFile(subject: her, bytes: bundle) else { return XCTFail("not read as FHIR") }
        let herLatest = try await other.latest(subject: her)
        XCTAssertEqual(herLatest.count, 1)
        await assertThrows(.invalidInput(field: "file",
                                         reason: "is neither FHIR R4 JSON nor a health-checkup XML (<ClinicalDocument>)")) {
            _ = try await other.importFile(subject: her, bytes: Data("hello".utf8))
        }
        let people = try await other.persons()
        XCTAssertEqual(personDisplayName(person: try XCTUnwrap(people.first)), "山田\u{3000}由紀")
    }

    func testASwiftPlatformKeyStoreEnrollsAndThenUnlocks() async throws {
        let (dir, client) = try await newStore()
        let me = try await client.addPerson(person("hanako", "花子")).id
        _ = try await client.log(subject: me, obs(.spo2, 98, ago(days: 0)))
        let keyStore = XorTestKeyStore()
        let before = try await client.hasPlatformKey()
        XCTAssertFalse(before)
        try await client.enrollPlatformKey(keyStore)
        XCTAssertEqual(keyStore.wraps, 1)
        try await client.lock()
        let unlocked = try await PHRClient.unlock(at: dir, keyStore: keyStore)
        XCTAssertGreaterThanOrEqual(keyStore.unwraps, 1)
        let latest = try await unlocked.latest(subject: me)
        XCTAssertEqual(latest.count, 1)
        try await unlocked.lock()
        keyStore.forgetAll()
        await assertThrows(.platformKeyRejected) { _ = try await PHRClient.unlock(at: dir, keyStore: keyStore) }
        try await PHRClient.unlock(at: dir, passphrase: passphrase).lock()
    }

    func testBackupReportsStartAndEnd() async throws {
        let (dir, client) = try await newStore()
        _ = try await client.addPerson(person("hanako", "花子"))
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
