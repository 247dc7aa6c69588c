package jp.phr.core.test

import jp.phr.core.FileImportSummary
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
import jp.phr.core.model.Checkup
import jp.phr.core.model.CheckupCodeSystem
import jp.phr.core.model.CheckupResult
import jp.phr.core.model.ClinicalInput
import jp.phr.core.model.Aggregation
import jp.phr.core.model.GlucoseTiming
import jp.phr.core.model.Grantee
import jp.phr.core.model.NewDelegation
import jp.phr.core.model.RepresentativeBasis
import jp.phr.core.model.Scope
import jp.phr.core.model.Granularity
import jp.phr.core.model.GoalSource
import jp.phr.core.model.Level
import jp.phr.core.model.ObservationType
import jp.phr.core.model.Provenance
import jp.phr.core.model.Reading
import jp.phr.core.model.RecordBody
import jp.phr.core.model.Sex
import jp.phr.core.personDisplayName
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
        val owner = client.addPerson(person("hanako", "花子"))
        assertTrue(owner.isOwner)
        client.lock()
        assertTrue(client.isLocked)
        val again = PhrClient.unlock(dir, PASSPHRASE)
        assertEquals(owner.id, again.owner()?.id)
        assertEquals("山田", again.persons().single().details.familyName)
        assertTrue(PhrClient.exists(dir))
    }

    @Test
    fun wrongPassphraseIsItsOwnTypedException() = runBlocking<Unit> {
        val (dir, client) = newStore()
        client.lock()
        assertThrows<PhrClientException.WrongPassphrase> { runBlocking { PhrClient.unlock(dir, "not the passphrase") } }
        // The generated API throws the generated type, mapped 1:1 from the core's error.
        assertThrows<PhrException.WrongPassphrase> { PhrStore(dir.path).unlock(null, "not the passphrase") }
    }

    @Test
    fun callsAfterLockThrowLocked() = runBlocking<Unit> {
        val (_, client) = newStore()
        val owner = client.addPerson(person("hanako", "花子"))
        client.lock()
        assertThrows<PhrClientException.Locked> { runBlocking { client.latest(owner.id) } }
    }

    @Test
    fun loggedVitalsComeBackAsLatestWithCoreSummaryAndLevel() = runBlocking<Unit> {
        val (_, client) = newStore()
        val me = client.addPerson(person("taro", "太郎", Sex.MALE)).id
        client.logObservation(me, obs(ObservationType.WEIGHT, 70.0, ago(1)))
        client.logObservation(me, obs(ObservationType.WEIGHT, 68.5, ago(0)))
        client.logObservation(me, bp(145.0, 92.0, ago(0)))
        val latest = client.latest(me)
        val weight = latest.mapNotNull { (it.body as? RecordBody.Observation)?.v1 }
            .single { it.observationType == ObservationType.WEIGHT }
        assertEquals(68.5, weight.value, 1e-9)
        val dashboard = client.dashboard(me)
        val bpTile = dashboard.single { it.observationType == ObservationType.BLOOD_PRESSURE }
        assertEquals("Blood pressure 145/92 mmHg", bpTile.summary)
        assertEquals(Level.SEE_DOCTOR, bpTile.level)
        assertNull(dashboard.single { it.observationType == ObservationType.WEIGHT }.level)
    }

    @Test
    fun theOverviewGathersLatestLevelsStepsAndSharing() = runBlocking<Unit> {
        val (_, client) = newStore()
        val me = client.addPerson(person("taro", "太郎", Sex.MALE)).id
        client.logObservation(me, bp(145.0, 92.0, ago(0)))
        val o = client.overview(me)
        assertEquals(me, o.subjectId)
        assertEquals(Level.SEE_DOCTOR, o.latest.single().level)
        assertNull(o.lastCheckup)
        assertNull(o.nextCheckupDue)
        assertTrue(o.shared.isEmpty())
        assertTrue(o.family.isEmpty())
        assertTrue(o.waitingToSync.isEmpty())
    }

    @Test
    fun theStepGoalStartsAtTheGuidelineAndASetGoalHoldsFromToday() = runBlocking<Unit> {
        val (_, client) = newStore()
        val me = client.addPerson(person("taro", "太郎", Sex.MALE)).id
        // Logged at this instant, so it is today's in the session zone whenever the test runs.
        client.logObservation(me, obs(ObservationType.STEPS, 9000.0, ago(0, 0)))
        val p = client.stepProgress(me)
        assertEquals(GoalSource.ADULT_GUIDELINE, p.goal.source)
        assertEquals(8000u, p.goal.dailySteps)
        assertEquals(listOf(9000u, 0u, 1u), listOf(p.todaySteps, p.remainingToday, p.streakDays))

        val raised = client.setStepGoal(me, 10_000)
        assertEquals(GoalSource.PERSONAL, raised.goal.source)
        assertEquals(8000u, raised.guideline.dailySteps)
        assertEquals(listOf(1000u, 0u), listOf(raised.remainingToday, raised.streakDays))

        val e = assertThrows<PhrClientException.InvalidInput> { client.setStepGoal(me, 80_000) }
        assertEquals("daily_steps", e.field)
        assertEquals(raised, client.stepProgress(me)) // the refused goal changed nothing
        assertEquals(raised, client.overview(me).steps)
        assertEquals(GoalSource.ADULT_GUIDELINE, client.setStepGoal(me, null).goal.source)
    }

    @Test
    fun aManagedPersonIsRemovedButTheOwnerIsNot() = runBlocking<Unit> {
        val (_, client) = newStore()
        val me = client.addPerson(person("taro", "太郎", Sex.MALE)).id
        val ken = client.addPerson(person("ken", "健", Sex.MALE, birth = "2015-04-01")).id
        assertEquals(0L, client.removePerson(ken))
        assertEquals(listOf(me), client.persons().map { it.id })
        val e = assertThrows<PhrClientException.InvalidInput> { client.removePerson(me) }
        assertEquals("person", e.field)
        assertThrows<PhrClientException.NotFound> { client.removePerson(ken) }
    }

    @Test
    fun checkupsReadWithLevelsAndLineUpYearOverYear() = runBlocking<Unit> {
        val (_, client) = newStore()
        val me = client.addPerson(person("taro", "太郎", Sex.MALE)).id
        fun result(code: String, name: String, v: Double?, c: String?) = CheckupResult(
            CheckupCodeSystem.TOKUTEI, code, name, v, c, null, null, if (v != null) "%" else null, null, null, null,
        )
        fun checkup(date: String, hba1c: Double, metabo: String) = ClinicalInput.Checkup(
            Checkup(
                date, "specific_health_checkup", "さくら健診センター", null, "要経過観察",
                listOf(
                    result("3D046000001906202", "HbA1c(NGSP値)", hba1c, null),
                    result("9N501000000000011", "メタボリックシンドローム判定", null, metabo),
                ),
            ),
        )
        client.addRecordsWithProgress(
            me, listOf(checkup("2025-06-12", 5.4, "3"), checkup("2026-06-10", 5.7, "2")), Provenance.MYNAPORTAL,
        )
        val readings = client.checkups(me)
        assertEquals(listOf("2026-06-10", "2025-06-12"), readings.map { it.date.toString() })
        assertEquals("予備群該当", readings[0].metabolicSyndrome)
        assertEquals(Level.GUIDANCE, readings[0].results.single().level)
        assertEquals(Level.NORMAL, readings[1].worstLevel)
        val cmp = client.checkupComparison(me)
        assertEquals(listOf("5.7", "5.4"), cmp.rows.single().cells.map { it?.value })
        // An official result is corrected by a note beside it, never edited.
        val note = client.annotateRecord(me, readings[0].recordId, "再検査で 5.5")
        assertEquals(readings[0].recordId, (note.body as RecordBody.Note).v1.about)
        assertEquals(listOf("再検査で 5.5"), client.checkups(me)[0].corrections.map { it.text })
        assertThrows<PhrException.InvalidInput> {
            runBlocking { client.raw.updateRecord(me, readings[0].recordId, ClinicalInput.Note("x", null)) }
        }
    }

    @Test
    fun refusedInputNamesTheField() = runBlocking<Unit> {
        val (_, client) = newStore()
        val me = client.addPerson(person("hanako", "花子")).id
        val e = assertThrows<PhrClientException.InvalidInput> {
            runBlocking { client.logObservation(me, obs(ObservationType.WEIGHT, 0.0, ago(0))) }
        }
        assertEquals("value", e.field)
        val d = assertThrows<PhrClientException.InvalidInput> {
            runBlocking { client.logObservation(me, bp(80.0, 120.0, ago(0))) }
        }
        assertEquals("diastolic", d.field)
    }

    @Test
    fun aYearOfStepsAggregatesByMonthAndReportsProgressPerChunk() = runBlocking<Unit> {
        val (_, client) = newStore()
        val me = client.addPerson(person("hanako", "花子")).id
        val inputs = (0L until 365L).map { steps(8000.0, ago(it, 3600)) }
        val progress = mutableListOf<Pair<Long, Long>>()
        val ids = client.addRecordsWithProgress(me, inputs, Provenance.DEVICE, "pedometer", 100u) { d, t ->
            progress += d to t
        }
        assertEquals(365, ids.size)
        assertEquals(listOf(0L to 365L, 100L to 365L, 200L to 365L, 300L to 365L, 365L to 365L), progress)
        val today = client.today()
        val buckets = client.aggregate(
            me,
            AggregateQuery(ObservationType.STEPS, Granularity.MONTH, today.minusDays(364).toString(), today.toString(), null),
        )
        assertTrue(buckets.size in 12..13)
        assertEquals(365L, buckets.sumOf { it.count })
        assertEquals(365 * 8000.0, buckets.sumOf { it.sum ?: 0.0 }, 1e-6)
        assertTrue(buckets.all { it.aggregation == Aggregation.SUM })
        val trend = client.trend(me, ObservationType.STEPS, 30u)
        assertEquals(30, trend.size)
        assertEquals(today.minusDays(29), LocalDate.parse(trend.first().start))
    }

    @Test
    fun timelinePagesWithoutGapsOrDuplicates() = runBlocking<Unit> {
        val (_, client) = newStore()
        val me = client.addPerson(person("hanako", "花子")).id
        repeat(25) { client.logObservation(me, obs(ObservationType.PULSE, 60.0 + it, ago(it.toLong()))) }
        val pages = client.timeline(me, pageSize = 10u).toList()
        assertEquals(listOf(10, 10, 5), pages.map { it.size })
        val all = pages.flatten()
        assertEquals(25, all.map { it.meta.id }.toSet().size)
        val times = all.map { it.meta.effective.utcSeconds }
        assertEquals(times.sortedDescending(), times)
        val first = client.timelinePage(me, 10u)
        assertNotNull(first.next)
        assertEquals(pages[1].map { it.meta.id }, client.timelinePage(me, 10u, first.next).records.map { it.meta.id })
    }

    @Test
    fun aMemberUnlocksAsThemselfAndActingForAnotherNeedsAGrant() = runBlocking<Unit> {
        val (dir, client) = newStore()
        val owner = client.addPerson(person("hanako", "花子")).id
        val child = client.addPerson(person("kenta", "健太", Sex.MALE, "2015-06-01")).id
        val son = client.addMember(person("taro", "太郎", Sex.MALE, "1990-01-01"), MEMBER_PASSPHRASE, TEST_KDF).id
        // The owner's switcher lists everyone; each call acts as whoever unlocked.
        assertEquals(owner, client.actor())
        assertEquals(setOf(owner, child, son), client.persons().map { it.id }.toSet())
        // A managed child is acted for through a grant made as their parent, on a recorded basis.
        assertThrows<PhrClientException.NotPermitted> {
            runBlocking { client.logObservation(child, obs(ObservationType.BODY_TEMPERATURE, 36.8, ago(0))) }
        }
        client.grant(
            child,
            NewDelegation(
                Grantee.Person(owner), listOf(Scope.VIEW, Scope.RECORD), null, null,
                RepresentativeBasis.PARENT_OF_MINOR, "母子健康手帳 2015-0601",
            ),
        )
        client.logObservation(child, obs(ObservationType.BODY_TEMPERATURE, 36.8, ago(0)))
        assertEquals(1, client.latest(child).size)
        // The member unlocks with their own passphrase and sees only themself.
        client.lock()
        val taro = PhrClient.unlock(dir, MEMBER_PASSPHRASE, member = "taro")
        assertEquals(son, taro.actor())
        assertEquals(listOf(son), taro.persons().map { it.id })
        // Acting for another without a family delegation is refused by the core, typed.
        val e = assertThrows<PhrClientException.NotPermitted> { runBlocking { taro.latest(owner) } }
        assertEquals("view", e.action)
        assertThrows<PhrClientException.NotPermitted> {
            runBlocking { taro.logObservation(owner, obs(ObservationType.WEIGHT, 60.0, ago(0))) }
        }
        // Only the owner adds persons; the owner's passphrase does not open taro's unlock.
        assertThrows<PhrClientException.NotPermitted> { runBlocking { taro.addPerson(person("jiro", "次郎")) } }
        assertThrows<PhrClientException.WrongPassphrase> {
            runBlocking { PhrClient.unlock(dir, PASSPHRASE, member = "taro") }
        }
        // Handing the device back: switchTo unlocks the owner's session from taro's.
        val back = taro.switchTo("hanako", PASSPHRASE)
        assertEquals(owner, back.actor())
    }

    @Test
    fun aWeakPassphraseIsRefusedWithAHintAndNoStoreIsMade() = runBlocking<Unit> {
        val dir = tempStoreDir()
        val e = assertThrows<PhrClientException.WeakPassphrase> {
            runBlocking { PhrClient.create(dir, "password1", TEST_KDF) }
        }
        assertTrue(e.hint.isNotEmpty())
        assertFalse(PhrClient.exists(dir))
    }

    @Test
    fun repeatedWrongPassphrasesAreSlowedDownTyped() = runBlocking<Unit> {
        val (dir, client) = newStore()
        client.addPerson(person("hanako", "花子"))
        client.lock()
        // The first attempts are free; after them the core asks the app to wait, doubling.
        repeat(5) {
            assertThrows<PhrClientException.WrongPassphrase> { runBlocking { PhrClient.unlock(dir, "wrong guess $it") } }
        }
        val wait = assertThrows<PhrClientException.TooManyAttempts> { runBlocking { PhrClient.unlock(dir, PASSPHRASE) } }
        assertTrue(wait.retryAfterSeconds in 1..30)
    }

    @Test
    fun theCoreLogsAReadingNowAndImportsAFileByItsContent() = runBlocking<Unit> {
        val (_, client) = newStore()
        val me = client.addPerson(person("hanako", "花子")).id
        val reading = Reading(ObservationType.BLOOD_GLUCOSE, 98.0, null, null, null, GlucoseTiming.FASTING)
        val logged = client.logReading(me, reading)
        val now = client.now().utcSeconds
        assertTrue(now - logged.meta.effective.utcSeconds in 0..5)
        val missingTiming = Reading(ObservationType.BLOOD_GLUCOSE, 98.0, null, null, null, null)
        assertThrows<PhrClientException.InvalidInput> { runBlocking { client.logReading(me, missingTiming) } }
        val bundle = client.exportFhirJson(me).toByteArray()
        val (_, other) = newStore()
        val her = other.addPerson(person("yuki", "由紀")).id
        val done = other.importFile(her, bundle)
        assertTrue(done is FileImportSummary.Fhir)
        assertEquals(1, other.latest(her).size)
        val notAFile = assertThrows<PhrClientException.InvalidInput> {
            runBlocking { other.importFile(her, "hello".toByteArray()) }
        }
        assertEquals("file", notAFile.field)
        assertEquals("山田\u3000由紀", personDisplayName(other.persons().single()))
    }

    @Test
    fun aKotlinPlatformKeyStoreEnrollsAndThenUnlocks() = runBlocking<Unit> {
        val (dir, client) = newStore()
        val me = client.addPerson(person("hanako", "花子")).id
        client.logObservation(me, obs(ObservationType.SPO2, 98.0, ago(0)))
        val keyStore = AesGcmKeyStore()
        assertFalse(client.hasPlatformKey())
        client.enrollPlatformKey(keyStore)
        assertTrue(client.hasPlatformKey())
        assertEquals(1, keyStore.wraps)
        client.lock()
        val unlocked = PhrClient.unlockWithPlatformKey(dir, keyStore)
        assertTrue(keyStore.unwraps >= 1)
        assertEquals(1, unlocked.latest(me).size)
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
        client.addPerson(person("hanako", "花子"))
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
        val me = client.addPerson(person("hanako", "花子")).id
        val throwing = object : ProgressListener {
            override fun onProgress(done: ULong, total: ULong) = throw IllegalStateException("app bug")
        }
        // The core keeps going (a listener has no return value); the records are stored.
        val ids = client.raw.addRecordsWithProgress(
            me, listOf(steps(100.0, ago(1))), Provenance.DEVICE, null, 10u, throwing,
        )
        assertEquals(1, ids.size)
    }

    @Test
    fun todayIsInTokyoByDefault() = runBlocking<Unit> {
        val (_, client) = newStore()
        assertEquals(LocalDate.now(ZoneId.of("Asia/Tokyo")), client.today())
    }
}
