import XCTest
@testable import PHRCore

/// The resident's rights through the Swift layer (issue #20 items 2–3).
final class RightsTests: XCTestCase {
    func testAConsentedExportIsInTheProvisionLogAndADisclosureHoldsIt() async throws {
        let (client, me) = try await storeWithProfile()
        _ = try await client.log(subject: me, bp(128, 82, ago(days: 1)))
        let none = try await client.provisionLog(subject: me)
        XCTAssertTrue(none.isEmpty)
        let d = try await client.setConsent(subject: me, permit([.vitals], [guidance]))
        _ = try await client.exportFhirJson(subject: me, recipient: healthDept, purpose: guidance)
        let log = try await client.provisionLog(subject: me)
        XCTAssertEqual(log.count, 1)
        XCTAssertEqual(log.first?.channel, .file)
        XCTAssertEqual(log.first?.directiveIds, [d.id])
        let csv = try await client.provisionLogCsv(subject: me)
        XCTAssertTrue(csv.contains(",file,records,vitals,,1,"), csv)
        let dir = tempStoreDir().appendingPathComponent("disclosure")
        let disclosure = try await client.requestDisclosure(subject: me, dir: dir.path)
        XCTAssertEqual(disclosure.provisions, 1)
        XCTAssertEqual(disclosure.request.status, .done)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("provisions.csv").path))
    }

    func testAPatientSummaryIsAnIpsDocumentUnderAPermitThatEnds() async throws {
        let (client, me) = try await storeWithProfile()
        _ = try await client.log(subject: me, bp(128, 82, ago(days: 1)))
        let until = ago(days: -30)
        let s = try await client.shareSummary(subject: me, recipient: healthDept,
                                              categories: [.demographics, .vitals], until: until)
        XCTAssertEqual(s.records, 1)
        XCTAssertTrue(s.documentJson.contains(#""type":"document""#))
        let log = try await client.provisionLog(subject: me)
        XCTAssertEqual(log.first?.channel, .summary)
        try await client.endSummaryShare(subject: me, directiveId: s.directiveId)
        do {
            _ = try await client.shareSummary(subject: me, recipient: healthDept, categories: [.vitals], until: until)
            XCTFail("accepted")
        } catch let PHRClientError.invalidInput(field, _) {
            XCTAssertEqual(field, "categories")
        }
    }

    func testAStopAndAnErasureAreRecordedWithTheirOutcomeAndARefusalSaysWhy() async throws {
        let (client, me) = try await storeWithProfile()
        _ = try await client.log(subject: me, bp(128, 82, ago(days: 1)))
        let stop = try await client.requestStopOfProvision(subject: me, recipient: healthDept)
        XCTAssertEqual(stop.kind, .stopOfProvision)
        do {
            _ = try await client.requestStopOfProvision(subject: me, recipient: "nobody")
            XCTFail("accepted")
        } catch let PHRClientError.invalidInput(field, _) {
            XCTAssertEqual(field, "recipient")
        }
        let erased = try await client.requestErasure(subject: me)
        XCTAssertEqual(erased.outcome, "1 record(s) erased")
        let all = try await client.residentRequests(subject: me)
        XCTAssertEqual(all.map(\.status), [.done, .refused, .done])
        let forOperator = try await client.requestForOperator(subject: me, requestId: erased.id)
        XCTAssertTrue(forOperator.contains("消去の請求"))
    }
}
