package jp.phr.core.test

import jp.phr.core.PhrException
import jp.phr.core.PhrStore
import jp.phr.core.ProgressListener
import jp.phr.core.client.PhrClient
import jp.phr.core.client.PhrClientException
import jp.phr.core.coreVersion
import jp.phr.core.displayUnit
import jp.phr.core.formatValue
import jp.phr.core.guidanceBand
import jp.phr.core.model.AggregateQuery
import jp.phr.core.model.Aggregation
import jp.phr.core.model.Granularity
import jp.phr.core.model.Level
import jp.phr.core.model.ObservationType
import jp.phr.core.model.Provenance
import jp.phr.core.model.RecordBody
import jp.phr.core.model.Sex
import jp.phr.core.recordSummary
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.io.File
import java.time.LocalDate
import java.time.ZoneId

inline fun <reified E : Throwable> assertThrows(block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        fail("expected ${E::class.simpleName}, got ${e::class.qualifiedName}: ${e.message}")
    }
    fail("expected ${E::class.simpleName}, nothing was thrown")
    throw IllegalStateException()
}

class BindingsTest {
    private fun newStore(): Pair<File, PhrClient> = runBlocking {
        val dir = tempStoreDir()
        dir to PhrClient.create(dir, PASSPHRASE, TEST_KDF)
    }

    @Test
    fun createdStoreUnlocksWithItsPassphraseAfterLock() = runBlocking<Unit> {
        val (dir, client) = newStore()
        val owner = client.addPerson(null, person("hanako", "花子"))
        assertTrue(owner.isOwner)
        client.lock()
        assertTrue(client.isLocked)
        val again = PhrClient.unlock(dir, PASSPHRASE)
        assertEquals(owner.id, again.owner()?.id)
        assertEquals("山田", again.persons(owner.id).single().details.familyName)
        assertTrue(PhrClient.exists(dir))
    }

    @Test
    fun wrongPassphraseIsItsOwnTypedException() = runBlocking<Unit> {
        val (dir, client) = newStore()
        client.lock()
        assertThrows<PhrClientException.WrongPassphrase> { runBlocking { PhrClient.unlock(dir, "not the passphrase") } }
        // The generated API throws the generated type, mapped 1:1 from the core's error.
        assertThrows<PhrException.WrongPassphrase> { PhrStore(dir.path).unlock("not the passphrase") }
    }

    @Test
    fun callsAfterLockThrowLocked() = runBlocking<Unit> {
        val (_, client) = newStore()
        val owner = client.addPerson(null, person("hanako", "花子"))
        client.lock()
        assertThrows<PhrClientException.Locked> { runBlocking { client.latest(owner.id, owner.id) } }
    }

    @Test
    fun loggedVitalsComeBackAsLatestWithCoreSummaryAndLevel() = runBlocking<Unit> {
        val (_, client) = newStore()
        val me = client.addPerson(null, person("taro", "太郎", Sex.MALE)).id
        client.logObservation(me, me, obs(ObservationType.WEIGHT, 70.0, ago(1)))
        client.logObservation(me, me, obs(ObservationType.WEIGHT, 68.5, ago(0)))
        client.logObservation(me, me, bp(145.0, 92.0, ago(0)))
        val latest = client.latest(me, me)
        val weight = latest.mapNotNull { (it.body as? RecordBody.Observation)?.v1 }
            .single { it.observationType == ObservationType.WEIGHT }
        assertEquals(68.5, weight.value, 1e-9)
        val dashboard = client.dashboard(me, me, Sex.MALE)
        val bpTile = dashboard.single { it.observationType == ObservationType.BLOOD_PRESSURE }
        assertEquals("Blood pressure 145/92 mmHg", bpTile.summary)
        assertEquals(Level.SEE_DOCTOR, bpTile.level)
        assertNull(dashboard.single { it.observationType == ObservationType.WEIGHT }.level)
    }

    @Test
    fun refusedInputNamesTheField() = runBlocking<Unit> {
        val (_, client) = newStore()
        val me = client.addPerson(null, person("hanako", "花子")).id
        val e = assertThrows<PhrClientException.InvalidInput> {
            runBlocking { client.logObservation(me, me, obs(ObservationType.WEIGHT, 0.0, ago(0))) }
        }
        assertEquals("value", e.field)
        val d = assertThrows<PhrClientException.InvalidInput> {
            runBlocking { client.logObservation(me, me, bp(80.0, 120.0, ago(0))) }
        }
        assertEquals("diastolic", d.field)
    }

    @Test
    fun aYearOfStepsAggregatesByMonthAndReportsProgressPerChunk() = runBlocking<Unit> {
        val (_, client) = newStore()
        val me = client.addPerson(null, person("hanako", "花子")).id
        val inputs = (0L until 365L).map { steps(8000.0, ago(it, 3600)) }
        val progress = mutableListOf<Pair<Long, Long>>()
        val ids = client.addRecordsWithProgress(me, me, inputs, Provenance.DEVICE, "pedometer", 100u) { d, t ->
            progress += d to t
        }
        assertEquals(365, ids.size)
        assertEquals(listOf(0L to 365L, 100L to 365L, 200L to 365L, 300L to 365L, 365L to 365L), progress)
        val today = client.today()
        val buckets = client.aggregate(
            me, me,
            AggregateQuery(ObservationType.STEPS, Granularity.MONTH, today.minusDays(364).toString(), today.toString(), null),
        )
        assertTrue(buckets.size in 12..13)
        assertEquals(365L, buckets.sumOf { it.count })
        assertEquals(365 * 8000.0, buckets.sumOf { it.sum ?: 0.0 }, 1e-6)
        assertTrue(buckets.all { it.aggregation == Aggregation.SUM })
        val trend = client.trend(me, me, ObservationType.STEPS, 30)
        assertEquals(30, trend.size)
        assertEquals(today.minusDays(29), LocalDate.parse(trend.first().start))
    }

    @Test
    fun timelinePagesWithoutGapsOrDuplicates() = runBlocking<Unit> {
        val (_, client) = newStore()
        val me = client.addPerson(null, person("hanako", "花子")).id
        repeat(25) { client.logObservation(me, me, obs(ObservationType.PULSE, 60.0 + it, ago(it.toLong()))) }
        val pages = client.timeline(me, me, pageSize = 10u).toList()
        assertEquals(listOf(10, 10, 5), pages.map { it.size })
        val all = pages.flatten()
        assertEquals(25, all.map { it.meta.id }.toSet().size)
        val times = all.map { it.meta.effective.utcSeconds }
        assertEquals(times.sortedDescending(), times)
        val first = client.timelinePage(me, me, 10u)
        assertNotNull(first.next)
        assertEquals(pages[1].map { it.meta.id }, client.timelinePage(me, me, 10u, first.next).records.map { it.meta.id })
    }

    @Test
    fun familySwitchShowsTheFamilyButActingForAnotherNeedsAGrant() = runBlocking<Unit> {
        val (_, client) = newStore()
        val owner = client.addPerson(null, person("hanako", "花子")).id
        val child = client.addPerson(owner, person("kenta", "健太", Sex.MALE, "2015-06-01")).id
        // The owner's switcher lists both; the child sees only themself.
        assertEquals(listOf(owner, child), client.persons(owner).map { it.id })
        assertEquals(listOf(child), client.persons(child).map { it.id })
        // Each acts on their own record.
        client.logObservation(child, child, obs(ObservationType.BODY_TEMPERATURE, 36.8, ago(0)))
        assertEquals(1, client.latest(child, child).size)
        // Acting for another without a family delegation is refused by the core, typed.
        val e = assertThrows<PhrClientException.NotPermitted> { runBlocking { client.latest(owner, child) } }
        assertEquals("view", e.action)
        assertThrows<PhrClientException.NotPermitted> {
            runBlocking { client.logObservation(child, owner, obs(ObservationType.WEIGHT, 60.0, ago(0))) }
        }
        // Only the owner adds persons.
        assertThrows<PhrClientException.NotPermitted> { runBlocking { client.addPerson(child, person("jiro", "次郎")) } }
    }

    @Test
    fun aKotlinPlatformKeyStoreEnrollsAndThenUnlocks() = runBlocking<Unit> {
        val (dir, client) = newStore()
        val me = client.addPerson(null, person("hanako", "花子")).id
        client.logObservation(me, me, obs(ObservationType.SPO2, 98.0, ago(0)))
        val keyStore = AesGcmKeyStore()
        assertFalse(client.hasPlatformKey())
        client.enrollPlatformKey(keyStore)
        assertTrue(client.hasPlatformKey())
        assertEquals(1, keyStore.wraps)
        client.lock()
        val unlocked = PhrClient.unlockWithPlatformKey(dir, keyStore)
        assertTrue(keyStore.unwraps >= 1)
        assertEquals(1, unlocked.latest(me, me).size)
        unlocked.lock()
        // A wiped keystore (KeyMissing thrown from Kotlin) is a typed rejection; the passphrase still works.
        keyStore.forgetAll()
        assertThrows<PhrClientException.PlatformKeyRejected> {
            runBlocking { PhrClient.unlockWithPlatformKey(dir, keyStore) }
        }
        PhrClient.unlock(dir, PASSPHRASE).lock()
    }

    @Test
    fun backupReportsStartAndEnd() = runBlocking<Unit> {
        val (dir, client) = newStore()
        client.addPerson(null, person("hanako", "花子"))
        val seen = mutableListOf<Pair<Long, Long>>()
        val target = File(dir, "backup.phr")
        client.backup(target, "backup passphrase") { d, t -> seen += d to t }
        assertTrue(target.exists())
        assertEquals(listOf(0L to 1L, 1L to 1L), seen)
        assertThrows<PhrClientException.AlreadyExists> { runBlocking { client.backup(target, "backup passphrase") } }
    }

    @Test
    fun formattersComeFromTheCore() {
        assertTrue(coreVersion().isNotEmpty())
        assertEquals("mmHg", displayUnit(ObservationType.BLOOD_PRESSURE))
        assertEquals("8000", formatValue(ObservationType.STEPS, 7999.6))
        assertEquals(130.0, guidanceBand(ObservationType.BLOOD_PRESSURE, null)!!.guidanceFrom, 0.0)
        val note = jp.phr.core.model.Note("first line\nsecond")
        assertEquals("Note: first line", recordSummary(RecordBody.Note(note)))
    }

    @Test
    fun aProgressListenerThatThrowsDoesNotCrashTheProcess() = runBlocking<Unit> {
        val (_, client) = newStore()
        val me = client.addPerson(null, person("hanako", "花子")).id
        val throwing = object : ProgressListener {
            override fun onProgress(done: ULong, total: ULong) = throw IllegalStateException("app bug")
        }
        // The core keeps going (a listener has no return value); the records are stored.
        val ids = client.raw.addRecordsWithProgress(
            me, me, listOf(steps(100.0, ago(1))), Provenance.DEVICE, null, 10u, throwing,
        )
        assertEquals(1, ids.size)
    }

    @Test
    fun todayIsInTokyoByDefault() = runBlocking<Unit> {
        val (_, client) = newStore()
        assertEquals(LocalDate.now(ZoneId.of("Asia/Tokyo")), client.today())
    }
}
