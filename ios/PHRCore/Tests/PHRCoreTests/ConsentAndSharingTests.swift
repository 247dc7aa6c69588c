import XCTest
@testable import PHRCore

let healthDept = "health-dept"
let guidance = "specific_health_guidance"

/// A new store with its owner and the sample municipality profile in use.
func storeWithProfile() async throws -> (PHRClient, String) {
    let client = try await PHRClient.create(at: tempStoreDir(), passphrase: passphrase, kdfMemoryKib: testKdf)
    let me = try await client.addPerson(person("hanako", "花子")).id
    try await client.setOperatorProfile(json: try municipalityProfile())
    return (client, me)
}

func permit(_ categories: [DataCategory], _ purposes: [String], recipient: String = healthDept) -> ConsentRequest {
    ConsentRequest(recipient: recipient, categories: categories, purposes: purposes, effect: .permit,
                   validFrom: nil, validUntil: nil, noticeVersion: nil)
}

/// One toggle as a comparable key: purpose, recipient, category → permitted.
private func toggles(_ state: ConsentState) -> [String: Bool] {
    var all: [String: Bool] = [:]
    for p in state.purposes {
        for t in p.toggles { all["\(p.code)|\(t.recipient)|\(t.category)"] = t.permitted }
    }
    return all
}

final class ConsentAndSharingTests: XCTestCase {
    func testConsentIsDefaultDenyAndAPermitFlipsExactlyThatToggleUntilWithdrawn() async throws {
        let (client, me) = try await storeWithProfile()
        let before = toggles(try await client.consentState(subject: me))
        XCTAssertFalse(before.isEmpty, "the profile's purposes give toggles")
        XCTAssertTrue(before.values.allSatisfy { !$0 }, "default deny")

        let granted = try await client.setConsent(subject: me, permit([.vitals], [guidance]))
        let onState = try await client.consentState(subject: me)
        let on = toggles(onState)
        let flipped = on.keys.filter { on[$0] != before[$0] }
        XCTAssertEqual(flipped, ["\(guidance)|\(healthDept)|vitals"])
        let toggle = try XCTUnwrap(onState.purposes.first { $0.code == guidance }?.toggles
            .first { $0.recipient == healthDept && $0.category == .vitals })
        XCTAssertEqual(toggle.directiveId, granted.id)

        let withdrawn = try await client.withdraw(subject: me, recipient: healthDept,
                                                  categories: [.vitals], purposes: [guidance])
        let after = toggles(try await client.consentState(subject: me))
        XCTAssertEqual(after, before)

        let history = try await client.consentHistory(subject: me)
        XCTAssertEqual(history.map(\.id), [granted.id, withdrawn.id])
        XCTAssertEqual(history.map(\.effect), [.permit, .deny])

        let receipt = try await client.consentReceipt(subject: me, directiveId: granted.id)
        let recipientName = try await client.operatorProfile().recipients.first { $0.id == healthDept }?.name
        XCTAssertEqual(toggle.recipientName, recipientName)
        XCTAssertTrue(receipt.textJa.contains(try XCTUnwrap(recipientName)), "the Japanese receipt names the recipient")
        XCTAssertEqual(receipt.directive.id, granted.id)
        let consent = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(receipt.fhirJson.utf8)) as? [String: Any])
        XCTAssertEqual(consent["resourceType"] as? String, "Consent")
    }

    func testAnEventIsJoinedAsConsentForDailyTotalsAndLeftAsAWithdrawal() async throws {
        let (client, me) = try await storeWithProfile()
        // The sample's event moved around today (Tokyo), so it is running whenever this runs.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Tokyo")!
        let day = { (offset: Int) -> String in
            let d = calendar.date(byAdding: .day, value: offset, to: Date())!
            let c = calendar.dateComponents([.year, .month, .day], from: d)
            return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        }
        let profile = try municipalityProfile()
            .replacingOccurrences(of: "2027-03-01", with: day(-1))
            .replacingOccurrences(of: "2027-03-31", with: day(30))
        _ = try await client.setOperatorProfile(json: profile)
        _ = try await client.log(subject: me, obs(.steps, 9000, ago(days: 0, seconds: 0)))
        let events = try await client.walkingEvents(subject: me)
        XCTAssertEqual(events.count, 1)
        let id = events[0].event.id
        XCTAssertFalse(events[0].joined)
        let joined = try await client.joinEvent(subject: me, eventId: id, team: "kita")
        XCTAssertEqual(joined.effect, .permit)
        XCTAssertEqual(joined.categories, [.lifelog])
        let queued = try await client.pendingOutbox(subject: me)
        XCTAssertTrue(queued.isEmpty, "daily totals only: no steps record queued")
        let p = try await client.eventProgress(subject: me, eventId: id)
        XCTAssertTrue(p.joined)
        XCTAssertEqual(p.team, "kita")
        XCTAssertEqual(p.totalSteps, 9000)
        let left = try await client.leaveEvent(subject: me, eventId: id)
        XCTAssertEqual(left.effect, .deny)
        let after = try await client.eventProgress(subject: me, eventId: id)
        XCTAssertFalse(after.joined)
        // Yesterday's goal met: the sample programme's 10 points, with their reason.
        _ = try await client.log(subject: me, obs(.steps, 9000, ago(days: 1, seconds: 0)))
        let points = try await client.points(subject: me)
        XCTAssertEqual(points.balance, 10)
        XCTAssertEqual(points.entries.map(\.rule), ["goal-day"])
        XCTAssertEqual(points.entries.first?.reason, .earned)
    }

    func testKpiContributionsLeaveOnlyWithConsentForTheEvaluationPurpose() async throws {
        let (client, me) = try await storeWithProfile()
        let before = try await client.kpiContributions(subject: me)
        XCTAssertEqual(
            before.map(\.kpiId),
            ["steps-8000", "weight-loss-2kg", "checkup-attendance", "hba1c-improved"])
        XCTAssertTrue(before.allSatisfy { !$0.permitted && $0.contributions.isEmpty })
        _ = try await client.setConsent(
            subject: me, permit([.lifelog], ["health_plan_evaluation"]))
        let after = try await client.kpiContributions(subject: me)
        let byId = Dictionary(uniqueKeysWithValues: after.map { ($0.kpiId, $0) })
        XCTAssertEqual(byId["steps-8000"]?.permitted, true)
        XCTAssertEqual(byId["weight-loss-2kg"]?.permitted, false, "body was not consented")
        XCTAssertEqual(byId["steps-8000"]?.measure, .stepsAverage)
    }

    func testAProfileTheCoreRefusesNamesIt() async throws {
        let (client, _) = try await storeWithProfile()
        do {
            try await client.setOperatorProfile(json: #"{"kind":"municipality"}"#)
            XCTFail("accepted")
        } catch let PHRClientError.invalidInput(field, _) {
            XCTAssertEqual(field, "operator_profile")
        }
    }

    func testAViewGrantLetsASecondPersonSeeTheOwnerUntilRevoked() async throws {
        let (client, me) = try await storeWithProfile()
        let son = try await client.addMember(person("taro", "太郎", sex: .male, birth: "1990-01-01"),
                                             passphrase: memberPassphrase, kdfMemoryKib: testKdf).id
        let taro = try await client.switchTo("taro", passphrase: memberPassphrase)
        _ = try await client.log(subject: me, obs(.weight, 52, ago(days: 0)))
        let alone = try await taro.subjectsOf()
        XCTAssertEqual(alone, [son])
        await assertThrows(.notPermitted(action: "view")) { _ = try await taro.latest(subject: me) }

        let d = try await client.grant(subject: me, NewDelegation(
            grantee: .person(son), scopes: [.view], validFrom: nil, validUntil: nil,
            representativeBasis: nil, basisNote: nil))
        let granted = try await taro.subjectsOf()
        XCTAssertEqual(granted, [son, me])
        let seen = try await taro.latest(subject: me)
        XCTAssertEqual(seen.count, 1)
        let who = try await client.whoCanAccess(subject: me)
        XCTAssertTrue(who.contains { $0.delegationId == d.id && $0.granteeNickname == "taro" && $0.scopes == [.view] })
        await assertThrows(.notPermitted(action: "record")) {
            _ = try await taro.log(subject: me, obs(.weight, 53, ago(days: 0)))
        }
        // A view grant does not let its holder end it: only the subject (or a grantor above) does.
        await assertThrows(.notPermitted(action: "manage_delegations")) { try await taro.revoke(delegationId: d.id) }

        try await client.revoke(delegationId: d.id)
        let revoked = try await taro.subjectsOf()
        XCTAssertEqual(revoked, [son])
        await assertThrows(.notPermitted(action: "view")) { _ = try await taro.latest(subject: me) }
        let kept = try await client.delegations(subject: me)
        XCTAssertNotNil(kept.first { $0.id == d.id }?.revokedUtc, "a revoked delegation stays in the list, ended")
    }
}
