package jp.phr.app

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.security.keystore.UserNotAuthenticatedException
import jp.phr.core.PlatformKeyException
import jp.phr.core.PlatformKeyStore
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The platform keystore for PHR Core: wraps the store's data key with an AES-256-GCM key that
 * never leaves the Android Keystore (hardware-backed where available). Blob = IV (12) + ciphertext.
 *
 * The core names each key `phr-core.<store>.<member>.<kind>`:
 * - `bio` (biometric unlock) keys are bound to user presence: usable only for
 *   [PRESENCE_SECONDS] after a strong biometric or the device credential
 *   ([MainActivity] shows the BiometricPrompt before it asks the core to unlock), and invalidated
 *   when a new fingerprint or face is enrolled, so someone who adds theirs cannot unlock.
 * - `pin` keys are the device half of a PIN unlock (the PIN is the knowledge factor): they need
 *   an unlocked device but no prompt, and never leave this phone, so a copied store plus a
 *   guessed PIN opens nothing elsewhere.
 * Both are excluded from backups by the Keystore itself.
 */
class KeystoreKeyStore : PlatformKeyStore {
    companion object {
        /** How long one biometric confirmation lets the `bio` key be used: one unlock. */
        const val PRESENCE_SECONDS = 10
    }

    private val keyStore = KeyStore.getInstance("AndroidKeyStore").apply { load(null) }

    private fun key(alias: String, create: Boolean): SecretKey? {
        (keyStore.getKey(alias, null) as? SecretKey)?.let { return it }
        if (!create) return null
        val gen = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, "AndroidKeyStore")
        val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .setUnlockedDeviceRequired(true)
        if (alias.endsWith(".bio")) {
            spec.setUserAuthenticationRequired(true)
                .setUserAuthenticationParameters(
                    PRESENCE_SECONDS,
                    KeyProperties.AUTH_BIOMETRIC_STRONG or KeyProperties.AUTH_DEVICE_CREDENTIAL,
                )
                .setInvalidatedByBiometricEnrollment(true)
        }
        gen.init(spec.build())
        return gen.generateKey()
    }

    override fun wrap(alias: String, secret: ByteArray): ByteArray = guard {
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.ENCRYPT_MODE, key(alias, create = true))
        cipher.updateAAD(alias.toByteArray())
        cipher.iv + cipher.doFinal(secret)
    }

    override fun unwrap(alias: String, blob: ByteArray): ByteArray = guard {
        val k = key(alias, create = false) ?: throw PlatformKeyException.KeyMissing()
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.DECRYPT_MODE, k, GCMParameterSpec(128, blob.copyOfRange(0, 12)))
        cipher.updateAAD(alias.toByteArray())
        cipher.doFinal(blob.copyOfRange(12, blob.size))
    }

    private inline fun <T> guard(block: () -> T): T = try {
        block()
    } catch (e: PlatformKeyException) {
        throw e
    } catch (e: UserNotAuthenticatedException) {
        throw PlatformKeyException.NotAuthenticated()
    } catch (e: android.security.keystore.KeyPermanentlyInvalidatedException) {
        // A new biometric was enrolled: the key is gone for good; the passphrase still unlocks.
        throw PlatformKeyException.KeyMissing()
    } catch (e: Exception) {
        // The class name only: keystore messages may name the alias, never key material.
        throw PlatformKeyException.Failure(e.javaClass.simpleName)
    }
}
