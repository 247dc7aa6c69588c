import Foundation

/// What went wrong, as something the app can act on. Mapped 1:1 from the generated `PhrError`
/// in ONE place (`init(_:)`). Messages never carry health values or names.
public enum PHRClientError: Error, Equatable, Sendable {
    case wrongPassphrase
    /// The new passphrase is too easy to guess: show `hint` and ask for a stronger one.
    case weakPassphrase(field: String, hint: String)
    /// Too many wrong passphrases or PINs: nothing is checked until `retryAfter` seconds have passed.
    case tooManyAttempts(retryAfter: Int64)
    /// The audit trail is shorter than its anchor: the store was rolled back or tampered with.
    case auditRollback(anchored: Int64, found: Int64)
    case platformKeyRejected
    case locked
    case corruptStore(reason: String)
    case keyringMismatch
    case unsupportedVersion(found: Int64, supported: Int64)
    case invalidInput(field: String, reason: String)
    case notFound(what: String)
    case alreadyExists(what: String)
    case notPermitted(action: String)
    /// The server could not be reached: keep working offline, sync later.
    case offline
    /// The server refused the request as a whole (HTTP status).
    case serverRejected(status: UInt16)
    /// The server wants the user to sign in again.
    case authRequired
    /// The device cannot verify HTTPS servers (no trust store / TLS set-up): retrying does not help.
    case tlsUnavailable
    /// Another app or process held the store too long: nothing changed, try again.
    case busy
    /// The store cannot be written (read-only storage): reads still work, nothing changed.
    case readOnly
    /// The disk is full: nothing changed; ask the user to free some space.
    case diskFull
    /// `kind`: sqlite, io, keyring, crypto or unknown. Details stay in the core's logs.
    case storage(kind: String)
    /// Not a PhrError: a UniFFI internal error (e.g. a malformed date string). Never a crash.
    case internalError(String)

    init(_ error: Error) {
        guard let e = error as? PhrError else {
            self = .internalError(String(describing: type(of: error)))
            return
        }
        switch e {
        case .WrongPassphrase: self = .wrongPassphrase
        case let .WeakPassphrase(field, hint): self = .weakPassphrase(field: field, hint: hint)
        case let .TooManyAttempts(retryAfter): self = .tooManyAttempts(retryAfter: retryAfter)
        case let .AuditRollback(anchored, found): self = .auditRollback(anchored: anchored, found: found)
        case .PlatformKeyRejected: self = .platformKeyRejected
        case .Locked: self = .locked
        case let .CorruptStore(reason): self = .corruptStore(reason: reason)
        case .KeyringMismatch: self = .keyringMismatch
        case let .UnsupportedVersion(found, supported): self = .unsupportedVersion(found: found, supported: supported)
        case let .InvalidInput(field, reason): self = .invalidInput(field: field, reason: reason)
        case let .NotFound(what): self = .notFound(what: what)
        case let .AlreadyExists(what): self = .alreadyExists(what: what)
        case let .NotPermitted(action): self = .notPermitted(action: action)
        case .Offline: self = .offline
        case let .ServerRejected(status): self = .serverRejected(status: status)
        case .AuthRequired: self = .authRequired
        case .TlsUnavailable: self = .tlsUnavailable
        case .Busy: self = .busy
        case .ReadOnly: self = .readOnly
        case .DiskFull: self = .diskFull
        case let .Storage(kind, _): self = .storage(kind: kind)
        }
    }
}
