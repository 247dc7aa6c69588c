import Foundation
@testable import PHRCore

let testKdf: UInt32 = 64 // Argon2id KiB: the lowest cost the core accepts, fast unlocks in tests
let passphrase = "correct horse battery staple"
let memberPassphrase = "taro keeps a different long passphrase"
let jst: Int32 = 9 * 3600

func tempStoreDir() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("phr-swift-test-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func person(_ nickname: String, _ given: String, sex: Sex = .female, birth: String = "1980-04-01") -> NewPerson {
    NewPerson(nickname: nickname, familyName: "山田", givenName: given, familyNameKana: nil, givenNameKana: nil,
              birthDate: birth, sex: sex, insurerNumber: nil, insuredSymbol: nil, insuredNumber: nil, municipalityCode: nil)
}

func ago(days: Int64, seconds: Int64 = 60) -> Stamp {
    Stamp(utcSeconds: Int64(Date().timeIntervalSince1970) - days * 86_400 - seconds, offsetSeconds: jst)
}

func obs(_ type: ObservationType, _ value: Double, _ at: Stamp) -> ObservationInput {
    ObservationInput(observationType: type, value: value, value2: nil, value3: nil, unit: nil, glucoseTiming: nil, effective: at)
}

func bp(_ sys: Double, _ dia: Double, _ at: Stamp) -> ObservationInput {
    ObservationInput(observationType: .bloodPressure, value: sys, value2: dia, value3: nil, unit: nil, glucoseTiming: nil, effective: at)
}

/// The repository root, found from this file's place in it (works wherever `swift test` runs).
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent() // PHRCoreTests
    .deletingLastPathComponent() // Tests
    .deletingLastPathComponent() // PHRCore
    .deletingLastPathComponent() // ios
    .deletingLastPathComponent()

/// The sample municipality operator profile the core ships (core/profiles/municipality-sample.json).
func municipalityProfile() throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent("core/profiles/municipality-sample.json"), encoding: .utf8)
}

/// The resourceType of every entry of a FHIR Bundle, in order (parsed, not pattern-matched).
func resourceTypes(_ bundleJson: String) throws -> [String] {
    let bundle = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bundleJson.utf8)) as? [String: Any])
    let entries = bundle["entry"] as? [[String: Any]] ?? []
    return entries.compactMap { ($0["resource"] as? [String: Any])?["resourceType"] as? String }
}

/// TEST DOUBLE ONLY — NOT CRYPTOGRAPHY. CryptoKit is not available on Linux, so this keystore
/// "wraps" by XOR with a random in-memory pad plus a check byte. It exists only to drive the
/// PlatformKeyStore foreign trait from Swift; a real app uses the Keychain / Secure Enclave
/// (see ios/App/KeychainKeyStore.swift).
final class XorTestKeyStore: PlatformKeyStore, @unchecked Sendable {
    private let lock = NSLock()
    private var pads: [String: [UInt8]] = [:]
    private(set) var wraps = 0
    private(set) var unwraps = 0

    func wrap(alias: String, secret: Data) throws -> Data {
        lock.lock(); defer { lock.unlock() }
        wraps += 1
        let pad = pads[alias] ?? (0..<secret.count).map { _ in UInt8.random(in: 0...255) }
        pads[alias] = pad
        guard pad.count == secret.count else { throw PlatformKeyError.Failure(reason: "unexpected secret size") }
        let body = zip(secret, pad).map { $0 ^ $1 }
        return Data([0x5A] + body)
    }

    func unwrap(alias: String, blob: Data) throws -> Data {
        lock.lock(); defer { lock.unlock() }
        unwraps += 1
        guard let pad = pads[alias] else { throw PlatformKeyError.KeyMissing }
        let bytes = [UInt8](blob)
        guard bytes.first == 0x5A, bytes.count == pad.count + 1 else { throw PlatformKeyError.Failure(reason: "bad blob") }
        return Data(zip(bytes.dropFirst(), pad).map { $0 ^ $1 })
    }

    func forgetAll() { lock.lock(); pads.removeAll(); lock.unlock() }
}

/// Asserts that `body` throws exactly `expected`.
func assertThrows(_ expected: PHRClientError, file: StaticString = #filePath, line: UInt = #line,
                  _ body: () async throws -> Void) async {
    do {
        try await body()
        XCTFail("expected \(expected), nothing was thrown", file: file, line: line)
    } catch let e as PHRClientError {
        XCTAssertEqual(e, expected, file: file, line: line)
    } catch {
        XCTFail("expected \(expected), got \(error)", file: file, line: line)
    }
}

import XCTest

/// `YYYY-MM-DD` shifted by whole days (calendar arithmetic in UTC: no daylight saving).
func isoDate(_ date: String, plusDays: Int) -> String {
    let f = DateFormatter()
    f.calendar = Calendar(identifier: .gregorian)
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd"
    guard let d = f.date(from: date) else { return date }
    return f.string(from: d.addingTimeInterval(Double(plusDays) * 86_400))
}
