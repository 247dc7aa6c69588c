import CryptoKit
import Foundation
import PHRCore
import Security

/// The platform keystore for PHR Core on iOS: wraps the data key with AES-GCM under a 256-bit key
/// kept in the Keychain (this-device-only, after first unlock). A production build would bind it to
/// biometrics with SecAccessControl (.biometryCurrentSet) so unwrap prompts Face ID / Touch ID.
final class KeychainKeyStore: PlatformKeyStore, @unchecked Sendable {
    private func key(_ alias: String, create: Bool) throws -> SymmetricKey? {
        var query: [String: Any] = [kSecClass as String: kSecClassGenericPassword,
                                    kSecAttrService as String: "jp.phr.core.platform-key",
                                    kSecAttrAccount as String: alias,
                                    kSecReturnData as String: true]
        var out: CFTypeRef?
        if SecItemCopyMatching(query as CFDictionary, &out) == errSecSuccess, let data = out as? Data {
            return SymmetricKey(data: data)
        }
        guard create else { return nil }
        let fresh = SymmetricKey(size: .bits256)
        query.removeValue(forKey: kSecReturnData as String)
        query[kSecValueData as String] = fresh.withUnsafeBytes { Data($0) }
        query[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
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
