import CryptoKit
import Foundation
import PHRCore
import Security

/// The platform keystore for PHR Core on iOS: wraps the data key with AES-GCM under a 256-bit key
/// kept in the Keychain, never synced to iCloud and never in a backup (…ThisDeviceOnly).
///
/// The core names each key `phr-core.<store>.<member>.<kind>`:
/// - `bio` (biometric unlock) keys are bound to user presence with SecAccessControl
///   `.biometryCurrentSet`: reading one makes iOS show Face ID / Touch ID, and enrolling a new
///   face or finger invalidates it (the passphrase still unlocks). Available only while the
///   phone is unlocked (`WhenUnlockedThisDeviceOnly`).
/// - `pin` keys are the device half of a PIN unlock (the PIN is the knowledge factor): no
///   prompt, but they never leave this phone, so a copied store plus a guessed PIN opens nothing.
final class KeychainKeyStore: PlatformKeyStore, @unchecked Sendable {
    private func key(_ alias: String, create: Bool) throws -> SymmetricKey? {
        var query: [String: Any] = [kSecClass as String: kSecClassGenericPassword,
                                    kSecAttrService as String: "jp.phr.core.platform-key",
                                    kSecAttrAccount as String: alias,
                                    kSecAttrSynchronizable as String: false,
                                    kSecUseOperationPrompt as String: "PHR",
                                    kSecReturnData as String: true]
        var out: CFTypeRef?
        if SecItemCopyMatching(query as CFDictionary, &out) == errSecSuccess, let data = out as? Data {
            return SymmetricKey(data: data)
        }
        guard create else { return nil }
        let fresh = SymmetricKey(size: .bits256)
        query.removeValue(forKey: kSecReturnData as String)
        query[kSecValueData as String] = fresh.withUnsafeBytes { Data($0) }
        query.removeValue(forKey: kSecUseOperationPrompt as String)
        if alias.hasSuffix(".bio") {
            var failure: Unmanaged<CFError>?
            guard let access = SecAccessControlCreateWithFlags(nil, kSecAttrAccessibleWhenUnlockedThisDeviceOnly,
                                                               .biometryCurrentSet, &failure) else {
                throw PlatformKeyError.Failure(reason: "access control unavailable")
            }
            query[kSecAttrAccessControl as String] = access
        } else {
            query[kSecAttrAccessible as String] = kSecAttrAccessibleWhenUnlockedThisDeviceOnly
        }
        guard SecItemAdd(query as CFDictionary, nil) == errSecSuccess else {
            throw PlatformKeyError.Failure(reason: "keychain add failed")
        }
        return fresh
    }

    func wrap(alias: String, secret: Data) throws -> Data {
        guard let k = try key(alias, create: true) else { throw PlatformKeyError.KeyMissing }
        do {
            let box = try AES.GCM.seal(secret, using: k, authenticating: Data(alias.utf8))
            guard let combined = box.combined else { throw PlatformKeyError.Failure(reason: "seal failed") }
            return combined
        } catch let e as PlatformKeyError { throw e } catch { throw PlatformKeyError.Failure(reason: "seal failed") }
    }

    func unwrap(alias: String, blob: Data) throws -> Data {
        guard let k = try key(alias, create: false) else { throw PlatformKeyError.KeyMissing }
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: blob), using: k, authenticating: Data(alias.utf8))
        } catch { throw PlatformKeyError.Failure(reason: "blob does not open") }
    }
}
