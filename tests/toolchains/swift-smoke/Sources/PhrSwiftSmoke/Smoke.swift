import CPhrSmokeAdd
import Foundation

/// Calls `add` from the host-built C shared library.
public func nativeAdd(_ a: Int32, _ b: Int32) -> Int32 {
    add(a, b)
}

/// An async function, as UniFFI generates for async Rust exports.
public func doubledLater(_ x: Int) async throws -> Int {
    try await Task.sleep(nanoseconds: 1_000_000)
    return x * 2
}

/// Foundation is available on Linux too.
public func isoDate(_ seconds: TimeInterval) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date(timeIntervalSince1970: seconds))
}
