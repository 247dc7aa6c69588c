import XCTest
@testable import PHRCore

/// A token provider as an app would write one, recording what the core asked for.
final class RecordingTokens: @unchecked Sendable {
    let asked = Locked<[String]>([])
    func tokens(giving token: String?) -> SyncTokens {
        SyncTokens(token: { [asked] recipient in asked.mutate { $0.append("token:\(recipient)") }; return token },
                   refresh: { [asked] recipient in asked.mutate { $0.append("refresh:\(recipient)") }; return nil })
    }
}

struct SignInCancelled: Error {}

final class ExchangeAndSyncTests: XCTestCase {
    /// Two blood pressures (vitals) and a weight (body) for `me`.
    private func logVitals(_ client: PHRClient, _ me: String) async throws -> [String] {
        [try await client.log(subject: me, bp(128, 82, ago(days: 2))).meta.id,
         try await client.log(subject: me, bp(131, 85, ago(days: 1))).meta.id,
         try await client.log(subject: me, obs(.weight, 52.5, ago(days: 1))).meta.id]
    }

    func testAnExportImportsIntoAnotherStoreWithTheSameObservations() async throws {
        let (client, me) = try await storeWithProfile()
        _ = try await logVitals(client, me)
        let whole = try await client.exportFhirJson(subject: me)
        let types = try resourceTypes(whole)
        XCTAssertEqual(types.filter { $0 == "Patient" }.count, 1)
        XCTAssertEqual(types.filter { $0 == "Observation" }.count, 3)

        let (other, her) = try await storeWithProfile() // same birth date as `me`
        let progress = Locked<[UInt64]>([])
        let summary = try await other.importFhir(subject: her, json: Data(whole.utf8)) { done, _ in
            progress.mutate { $0.append(done) }
        }
        XCTAssertEqual(summary.imported.filter { $0.resourceType == "Observation" }.count, 3)
        let records = try await other.timelinePage(subject: her, limit: 50).records
        XCTAssertEqual(records.filter { if case .observation = $0.body { return true } else { return false } }.count, 3)
        XCTAssertGreaterThan(progress.value.last ?? 0, 0)
        let again = try await other.importFhir(subject: her, json: Data(whole.utf8))
        XCTAssertEqual(again.imported.count, 0, "the same file twice stores nothing new")
    }

    func testAnExportFileIsAlwaysNewAndAnExistingFileIsLeftUntouched() async throws {
        let (client, me) = try await storeWithProfile()
        _ = try await logVitals(client, me)
        let dir = tempStoreDir()
        let file = dir.appendingPathComponent("export.json")
        let written = try await client.exportFhirFile(subject: me, to: file)
        let bytes = try Data(contentsOf: file)
        XCTAssertEqual(UInt64(bytes.count), written.bytes)
        XCTAssertEqual(written.resources, UInt64(try resourceTypes(String(decoding: bytes, as: UTF8.self)).count))
        await assertThrows(.alreadyExists(what: "export file")) {
            _ = try await client.exportFhirFile(subject: me, to: file)
        }
        XCTAssertEqual(try Data(contentsOf: file), bytes)

        let someoneElses = dir.appendingPathComponent("notes.txt")
        try Data("keep me".utf8).write(to: someoneElses)
        await assertThrows(.alreadyExists(what: "export file")) {
            _ = try await client.exportFhirFile(subject: me, to: someoneElses)
        }
        XCTAssertEqual(try String(contentsOf: someoneElses, encoding: .utf8), "keep me")
    }

    func testAMalformedBundleNamesItsJsonPathAndStoresNothing() async throws {
        let (client, me) = try await storeWithProfile()
        let bad = """
            {"resourceType":"Bundle","type":"collection","entry":[
              {"resource":{"resourceType":"Observation","status":"final",
                "code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
                "effectiveDateTime":"2026-01-01T09:00:00+09:00",
                "valueQuantity":{"value":"heavy","unit":"kg"}}}]}
            """
        do {
            _ = try await client.importFhir(subject: me, json: Data(bad.utf8))
            XCTFail("accepted")
        } catch let PHRClientError.invalidInput(field, _) {
            XCTAssertTrue(field.hasPrefix("entry[0].resource.valueQuantity"), field)
        }
        let stored = try await client.timelinePage(subject: me).records
        XCTAssertTrue(stored.isEmpty)
    }

    func testARecipientsExportHoldsOnlyWhatConsentReleases() async throws {
        let (client, me) = try await storeWithProfile()
        _ = try await logVitals(client, me)
        let before = try await client.exportFhirJson(subject: me, recipient: healthDept, purpose: guidance)
        XCTAssertEqual(try resourceTypes(before), ["Patient"])

        _ = try await client.setConsent(subject: me, permit([.vitals], [guidance]))
        let after = try await client.exportFhirJson(subject: me, recipient: healthDept, purpose: guidance)
        let types = try resourceTypes(after)
        XCTAssertEqual(types.filter { $0 == "Observation" }.count, 2, "the two blood pressures; the weight is not vitals")
        do {
            _ = try await client.exportFhirJson(subject: me, recipient: healthDept)
            XCTFail("a recipient without a purpose was accepted")
        } catch let PHRClientError.invalidInput(field, _) {
            XCTAssertEqual(field, "purpose")
        }
    }

    func testSyncToAClosedPortAsksTheSwiftTokenProviderIsOfflineAndKeepsTheOutbox() async throws {
        let (client, me) = try await storeWithProfile()
        _ = try await client.setConsent(subject: me, permit([.vitals], [guidance]))
        let ids = try await logVitals(client, me)
        let queued = try await client.queueForRelease(subject: me, recipient: healthDept, purpose: guidance,
                                                      recordIds: ids)
        XCTAssertEqual(queued, 2, "only what consent permits is queued")

        let recorder = RecordingTokens()
        let closed = SyncSettings(serverUrl: "http://127.0.0.1:9/fhir", allowInsecureLoopback: true, maxAttempts: 1)
        await assertThrows(.offline) {
            _ = try await client.sync(subject: me, recipient: healthDept, settings: closed,
                                      tokens: recorder.tokens(giving: "a-token"))
        }
        XCTAssertEqual(recorder.asked.value, ["token:\(healthDept)"])
        let pending = try await client.pendingOutbox(subject: me)
        XCTAssertEqual(Set(pending.compactMap(\.recordId)), Set(ids.prefix(2)))

        // A provider that throws is no crash: the sync goes on without a token and is offline.
        await assertThrows(.offline) {
            _ = try await client.sync(subject: me, recipient: healthDept, settings: closed,
                                      tokens: SyncTokens(token: { _ in throw SignInCancelled() }))
        }

        // Plain http to anything but loopback is refused before any token is asked for.
        let plain = RecordingTokens()
        do {
            _ = try await client.sync(subject: me, recipient: healthDept,
                                      settings: SyncSettings(serverUrl: "http://fhir.example.jp/r4", allowInsecureLoopback: true),
                                      tokens: plain.tokens(giving: "a-token"))
            XCTFail("plain http accepted")
        } catch let PHRClientError.invalidInput(field, _) {
            XCTAssertEqual(field, "server_url")
        }
        XCTAssertEqual(plain.asked.value, [])
        let still = try await client.pendingOutbox(subject: me)
        XCTAssertEqual(still.count, 2)
    }

    func testAThrowingSwiftProviderReachesTheCoreAsATokenErrorNamingOnlyItsType() throws {
        let provider = ClosureTokenProvider(SyncTokens(token: { _ in throw SignInCancelled() }))
        XCTAssertThrowsError(try provider.token(recipient: healthDept)) { error in
            XCTAssertEqual(error as? TokenError, .Unavailable(reason: "SignInCancelled"))
        }
        XCTAssertNil(try provider.refresh(recipient: healthDept))
    }

    func testForgettingATokenThatWasNeverKeptSaysSo() async throws {
        let (client, me) = try await storeWithProfile()
        let forgotten = try await client.forgetSyncToken(recipient: healthDept)
        XCTAssertFalse(forgotten)
    }
}
