import Foundation
import XCTest

@testable import PhrSwiftSmoke

final class SmokeTests: XCTestCase {
    func testNativeAddCallsTheHostBuiltSharedLibrary() {
        XCTAssertEqual(nativeAdd(2, 3), 5)
    }

    func testAsyncFunctionCompletes() async throws {
        let value = try await doubledLater(21)
        XCTAssertEqual(value, 42)
    }

    func testFoundationFormatsDates() {
        XCTAssertEqual(isoDate(0), "1970-01-01T00:00:00Z")
    }

    /// Fails on purpose when PHR_SMOKE_EXPECT_FAILURE=1, so the runner can prove
    /// that a failing assertion makes `swift test` exit non-zero.
    func testDeliberateFailureWhenRequested() {
        if ProcessInfo.processInfo.environment["PHR_SMOKE_EXPECT_FAILURE"] == "1" {
            XCTAssertEqual(nativeAdd(2, 2), 5, "deliberate failure (PHR_SMOKE_EXPECT_FAILURE=1)")
        }
    }
}
