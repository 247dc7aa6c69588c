package jp.phr.core.test

import jp.phr.core.PlatformKeyException
import jp.phr.core.PlatformKeyStore
import jp.phr.core.model.ClinicalInput
import jp.phr.core.model.NewPerson
import jp.phr.core.model.ObservationInput
import jp.phr.core.model.ObservationType
import jp.phr.core.model.Sex
import jp.phr.core.model.Stamp
import java.io.File
import java.nio.file.Files
import java.security.SecureRandom
import java.util.concurrent.ConcurrentHashMap
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/** Argon2id memory (KiB) for tests: the lowest the core accepts, so each unlock is fast. */
const val TEST_KDF: UInt = 64u
const val PASSPHRASE = "correct horse battery staple"
const val MEMBER_PASSPHRASE = "taro keeps a different long passphrase"
const val JST = 9 * 3600
const val DAY = 86_400L

fun tempStoreDir(): File = Files.createTempDirectory("phr-kotlin-test").toFile().also { it.deleteOnExit() }

fun person(nickname: String, given: String, sex: Sex = Sex.FEMALE, birth: String = "1980-04-01") = NewPerson(
    nickname = nickname,
    familyName = "山田",
    givenName = given,
    familyNameKana = null,
    givenNameKana = null,
    birthDate = birth,
    sex = sex,
    insurerNumber = null,
    insuredSymbol = null,
    insuredNumber = null,
    municipalityCode = null,
)

/** An instant [daysAgo] days (and [secondsAgo] seconds) before now, in JST. */
fun ago(daysAgo: Long, secondsAgo: Long = 60): Stamp =
    Stamp(System.currentTimeMillis() / 1000 - daysAgo * DAY - secondsAgo, JST)

fun obs(type: ObservationType, value: Double, at: Stamp) = ObservationInput(type, value, null, null, null, null, at)

fun bp(sys: Double, dia: Double, at: Stamp) =
    ObservationInput(ObservationType.BLOOD_PRESSURE, sys, dia, null, null, null, at)

fun steps(value: Double, at: Stamp): ClinicalInput = ClinicalInput.Observation(obs(ObservationType.STEPS, value, at))

/**
 * A PlatformKeyStore as an app would write one, with javax.crypto AES-256-GCM. On Android the
 * key would live in the Android Keystore; here it is held in memory for the test.
 */
class AesGcmKeyStore : PlatformKeyStore {
    private val keys = ConcurrentHashMap<String, SecretKey>()
    private val random = SecureRandom()
    var wraps = 0
    var unwraps = 0

    override fun wrap(alias: String, secret: ByteArray): ByteArray {
        wraps++
        val key = keys.computeIfAbsent(alias) {
            KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
        }
        val iv = ByteArray(12).also(random::nextBytes)
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.ENCRYPT_MODE, key, GCMParameterSpec(128, iv))
        cipher.updateAAD(alias.toByteArray())
        return iv + cipher.doFinal(secret)
    }

    override fun unwrap(alias: String, blob: ByteArray): ByteArray {
        unwraps++
        val key = keys[alias] ?: throw PlatformKeyException.KeyMissing()
        if (blob.size < 12 + 16) throw PlatformKeyException.Failure("blob too short")
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(128, blob.copyOfRange(0, 12)))
        cipher.updateAAD(alias.toByteArray())
        return try {
            cipher.doFinal(blob.copyOfRange(12, blob.size))
        } catch (e: javax.crypto.AEADBadTagException) {
            throw PlatformKeyException.Failure("blob does not open")
        }
    }

    fun forgetAll() = keys.clear()
}
