import Foundation

/// The app's OAuth client as seen by `PHRClient.sync`: two closures, called on the syncing
/// thread (never while a database lock is held). Return nil from `token` to use the token the
/// core kept from an earlier sync; return nil from `refresh` (or throw) when the user must sign in
/// again: the sync then fails with `.authRequired` and nothing is lost. Tokens are secrets: the
/// core never logs them, and neither should these closures.
public struct SyncTokens: Sendable {
    /// The bearer token for `recipient`'s server at `origin` (`https://host[:port]`): the only
    /// server the core will send it to.
    public let token: @Sendable (_ recipient: String, _ origin: String) throws -> String?
    /// The server refused the token (401): a fresh one. Asked at most once per sync.
    public let refresh: @Sendable (_ recipient: String, _ origin: String) throws -> String?

    public init(token: @escaping @Sendable (_ recipient: String, _ origin: String) throws -> String?,
                refresh: @escaping @Sendable (_ recipient: String, _ origin: String) throws -> String? = { _, _ in nil }) {
        self.token = token
        self.refresh = refresh
    }

    /// An existing implementation of the generated `SyncTokenProvider`.
    public init(_ provider: SyncTokenProvider) {
        self.init(token: { try provider.token(recipient: $0, origin: $1) },
                  refresh: { try provider.refresh(recipient: $0, origin: $1) })
    }
}

/// `SyncTokens` as the generated foreign trait. An error other than `TokenError` becomes
/// `TokenError.Unavailable` naming only its type (its text could carry anything).
final class ClosureTokenProvider: SyncTokenProvider, @unchecked Sendable {
    private let tokens: SyncTokens
    init(_ tokens: SyncTokens) { self.tokens = tokens }

    func token(recipient: String, origin: String) throws -> String? {
        try Self.typed { try tokens.token(recipient, origin) }
    }
    func refresh(recipient: String, origin: String) throws -> String? {
        try Self.typed { try tokens.refresh(recipient, origin) }
    }

    private static func typed(_ body: () throws -> String?) throws -> String? {
        do { return try body() } catch let e as TokenError { throw e } catch {
            throw TokenError.Unavailable(reason: String(describing: type(of: error)))
        }
    }
}

/// A closure as a SyncListener.
final class ClosureSyncListener: SyncListener, @unchecked Sendable {
    private let f: @Sendable (SyncPhase, UInt64, UInt64) -> Void
    init(_ f: @escaping @Sendable (SyncPhase, UInt64, UInt64) -> Void) { self.f = f }
    func onSyncProgress(phase: SyncPhase, done: UInt64, total: UInt64) throws { f(phase, done, total) }
}
