package jp.phr.core.client

import jp.phr.core.PhrException

/**
 * What went wrong, as something the app can act on. Mapped 1:1 from the generated
 * [PhrException] in ONE place ([toClientException]). Messages never carry health values or names.
 */
sealed class PhrClientException(message: String, cause: Throwable? = null) : Exception(message, cause) {
    /** The passphrase or PIN is wrong: ask again. */
    class WrongPassphrase(cause: Throwable? = null) : PhrClientException("wrong passphrase", cause)
    /** The new passphrase is too easy to guess: show [hint] and ask for a stronger one. */
    class WeakPassphrase(val field: String, val hint: String, cause: Throwable? = null) :
        PhrClientException("weak $field: $hint", cause)
    /** Too many wrong passphrases or PINs: no attempt is checked until [retryAfterSeconds] have passed. */
    class TooManyAttempts(val retryAfterSeconds: Long, cause: Throwable? = null) :
        PhrClientException("too many attempts: retry in $retryAfterSeconds s", cause)
    /** The audit trail is shorter than its anchor: the store was rolled back or tampered with. */
    class AuditRollback(val anchored: Long, val found: Long, cause: Throwable? = null) :
        PhrClientException("audit trail rolled back (anchored $anchored, found $found)", cause)
    /** The platform key could not unlock the store (key gone, biometrics cancelled): ask for the passphrase. */
    class PlatformKeyRejected(cause: Throwable? = null) : PhrClientException("platform key rejected", cause)
    /** The store is locked: show the unlock screen. */
    class Locked(cause: Throwable? = null) : PhrClientException("the store is locked", cause)
    class CorruptStore(val reason: String, cause: Throwable? = null) : PhrClientException("damaged store: $reason", cause)
    class KeyringMismatch(cause: Throwable? = null) : PhrClientException("keyring does not belong to this database", cause)
    /** Written by a newer app version: ask the user to update. */
    class UnsupportedVersion(val found: Long, val supported: Long, cause: Throwable? = null) :
        PhrClientException("unsupported store version $found (supported $supported)", cause)
    /** Input refused: highlight [field] and show [reason]. */
    class InvalidInput(val field: String, val reason: String, cause: Throwable? = null) :
        PhrClientException("invalid $field: $reason", cause)
    class NotFound(val what: String, cause: Throwable? = null) : PhrClientException("$what not found", cause)
    class AlreadyExists(val what: String, cause: Throwable? = null) : PhrClientException("$what already exists", cause)
    /** The acting person may not do [action] on this record (no family grant). */
    class NotPermitted(val action: String, cause: Throwable? = null) : PhrClientException("not permitted: $action", cause)
    /** The server could not be reached: keep working offline, sync later. */
    class Offline(cause: Throwable? = null) : PhrClientException("offline", cause)
    /** The server refused the request as a whole (HTTP [status]). */
    class ServerRejected(val status: Int, cause: Throwable? = null) : PhrClientException("server refused (HTTP $status)", cause)
    /** The server wants the user to sign in again. */
    class AuthRequired(cause: Throwable? = null) : PhrClientException("sign-in required", cause)
    /** The device cannot verify HTTPS servers (no trust store / TLS set-up): retrying does not help. */
    class TlsUnavailable(cause: Throwable? = null) : PhrClientException("secure connections unavailable", cause)
    /** Another app or process held the store too long: nothing changed, try again. */
    class Busy(cause: Throwable? = null) : PhrClientException("the store is busy", cause)
    /** The store cannot be written (read-only storage): reads still work, nothing changed. */
    class ReadOnly(cause: Throwable? = null) : PhrClientException("the store is read-only", cause)
    /** The disk is full: nothing changed; ask the user to free some space. */
    class DiskFull(cause: Throwable? = null) : PhrClientException("the disk is full", cause)
    /** I/O or database failure; [kind] is sqlite, io, keyring, crypto or unknown. */
    class Storage(val kind: String, cause: Throwable? = null) : PhrClientException("storage failure ($kind)", cause)
}

/** The one mapping from the generated exception to the app's. */
fun PhrException.toClientException(): PhrClientException = when (this) {
    is PhrException.WrongPassphrase -> PhrClientException.WrongPassphrase(this)
    is PhrException.WeakPassphrase -> PhrClientException.WeakPassphrase(field, hint, this)
    is PhrException.TooManyAttempts -> PhrClientException.TooManyAttempts(retryAfter, this)
    is PhrException.AuditRollback -> PhrClientException.AuditRollback(anchored, found, this)
    is PhrException.PlatformKeyRejected -> PhrClientException.PlatformKeyRejected(this)
    is PhrException.Locked -> PhrClientException.Locked(this)
    is PhrException.CorruptStore -> PhrClientException.CorruptStore(reason, this)
    is PhrException.KeyringMismatch -> PhrClientException.KeyringMismatch(this)
    is PhrException.UnsupportedVersion -> PhrClientException.UnsupportedVersion(found, supported, this)
    is PhrException.InvalidInput -> PhrClientException.InvalidInput(field, reason, this)
    is PhrException.NotFound -> PhrClientException.NotFound(what, this)
    is PhrException.AlreadyExists -> PhrClientException.AlreadyExists(what, this)
    is PhrException.NotPermitted -> PhrClientException.NotPermitted(action, this)
    is PhrException.Offline -> PhrClientException.Offline(this)
    is PhrException.ServerRejected -> PhrClientException.ServerRejected(status.toInt(), this)
    is PhrException.AuthRequired -> PhrClientException.AuthRequired(this)
    is PhrException.TlsUnavailable -> PhrClientException.TlsUnavailable(this)
    is PhrException.Busy -> PhrClientException.Busy(this)
    is PhrException.ReadOnly -> PhrClientException.ReadOnly(this)
    is PhrException.DiskFull -> PhrClientException.DiskFull(this)
    is PhrException.Storage -> PhrClientException.Storage(kind, this)
}
