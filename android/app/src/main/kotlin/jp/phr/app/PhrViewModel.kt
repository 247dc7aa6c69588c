package jp.phr.app

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import jp.phr.core.client.PhrClient
import jp.phr.core.client.PhrClientException
import jp.phr.core.ExportSummary
import jp.phr.core.FileImportSummary
import jp.phr.core.SyncSummary
import jp.phr.core.model.Bucket
import jp.phr.core.model.CheckupReading
import jp.phr.core.model.ConsentDirective
import jp.phr.core.model.ConsentRequest
import jp.phr.core.model.ConsentState
import jp.phr.core.model.ConsentToggle
import jp.phr.core.model.Effect
import jp.phr.core.model.EventProgress
import jp.phr.core.model.PointsLedger
import jp.phr.core.KpiContributionView
import jp.phr.core.model.OperatorProfile
import jp.phr.core.model.DashboardItem
import jp.phr.core.model.GlucoseTiming
import jp.phr.core.model.ObservationType
import jp.phr.core.model.PageToken
import jp.phr.core.model.Person
import jp.phr.core.model.Reading
import jp.phr.core.model.Overview
import jp.phr.core.model.Record
import jp.phr.core.model.StepProgress
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.launch
import java.io.File

/** UI state only: who is unlocked, who acts, whose record is shown. Every rule is in the core. */
class PhrViewModel(app: Application) : AndroidViewModel(app) {
    private val dir = File(app.filesDir, "phr")
    private var client: PhrClient? = null

    val error = MutableStateFlow<PhrClientException?>(null)
    val unlocked = MutableStateFlow(false)
    val family = MutableStateFlow<List<Person>>(emptyList())
    /** Whoever unlocked acts (the core binds the session to them); `subject` is whose record the screens show. */
    val actor = MutableStateFlow<Person?>(null)
    val subject = MutableStateFlow<Person?>(null)
    val dashboard = MutableStateFlow<List<DashboardItem>>(emptyList())
    val trend: StateFlow<Map<ObservationType, List<Bucket>>> = MutableStateFlow(emptyMap())
    val timeline = MutableStateFlow<List<Record>>(emptyList())
    val checkups = MutableStateFlow<List<CheckupReading>>(emptyList())
    val steps = MutableStateFlow<StepProgress?>(null)
    val overview = MutableStateFlow<Overview?>(null)
    val events = MutableStateFlow<List<EventProgress>>(emptyList())
    val points = MutableStateFlow<PointsLedger?>(null)
    val kpis = MutableStateFlow<List<KpiContributionView>>(emptyList())
    private var timelineNext: PageToken? = null
    val profile = MutableStateFlow<OperatorProfile?>(null)
    val consent = MutableStateFlow<ConsentState?>(null)
    val consentHistory = MutableStateFlow<List<ConsentDirective>>(emptyList())
    /** A receipt being shown (Japanese or English text from the core). */
    val receipt = MutableStateFlow<jp.phr.core.ConsentReceiptText?>(null)
    val exported = MutableStateFlow<Pair<File, ExportSummary>?>(null)
    val imported = MutableStateFlow<FileImportSummary?>(null)
    val synced = MutableStateFlow<SyncSummary?>(null)
    /** What left the device (the provision log) and the resident's requests with their outcomes. */
    val provisions = MutableStateFlow<List<jp.phr.core.model.Provision>>(emptyList())
    val requests = MutableStateFlow<List<jp.phr.core.model.ResidentRequest>>(emptyList())
    /** The newest disclosure folder, shared from there. */
    val disclosure = MutableStateFlow<Pair<File, jp.phr.core.model.Disclosure>?>(null)

    val storeExists: Boolean get() = PhrClient.exists(dir)

    private fun launchSafely(block: suspend () -> Unit) = viewModelScope.launch {
        try {
            block()
        } catch (e: PhrClientException) {
            if (e is PhrClientException.Locked) unlocked.value = false
            error.value = e // shown as a localized message; never logged (could follow health data)
        }
    }

    /** [member] = the nickname of a family member with their own passphrase; null = the owner. */
    fun unlock(passphrase: String, member: String? = null) = launchSafely {
        opened(PhrClient.unlock(dir, passphrase, member))
    }

    fun unlockWithBiometrics() = launchSafely { opened(PhrClient.unlockWithPlatformKey(dir, KeystoreKeyStore())) }

    fun create(passphrase: String, owner: jp.phr.core.model.NewPerson) = launchSafely {
        val c = PhrClient.create(dir.apply { mkdirs() }, passphrase)
        c.addPerson(owner)
        c.enrollPlatformKey(KeystoreKeyStore())
        opened(c)
    }

    private suspend fun opened(c: PhrClient) {
        client = c
        // The operator profile the municipality ships in the app (assets/operator_profile.json);
        // the core validates it (a profile breaking the municipal rules is refused, typed).
        c.setOperatorProfileJson(getApplication<Application>().assets.open("operator_profile.json").use {
            it.readBytes().toString(Charsets.UTF_8)
        })
        profile.value = c.operatorProfile()
        val people = c.persons()
        val me = people.firstOrNull { it.id == c.actor() } ?: return
        actor.value = me
        subject.value = me
        family.value = people
        unlocked.value = true
        refresh()
    }

    fun switchTo(person: Person) {
        subject.value = person
        // Whether the person who unlocked may view this person's record is the core's decision (family
        // delegations): a refused view surfaces as NotPermitted, shown on screen.
        launchSafely { refresh() }
    }

    fun refresh() = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value ?: return@launchSafely
        dashboard.value = c.dashboard(s.id)
        // The morning summary, one core query; the step card shows its steps.
        val o = c.overview(s.id)
        overview.value = o
        steps.value = o.steps
        checkups.value = c.checkups(s.id)
        (trend as MutableStateFlow).value = dashboard.value.associate { it.observationType to c.trend(s.id, it.observationType) }
        timeline.value = emptyList()
        timelineNext = null
        loadMoreTimeline()
        consent.value = c.consentState(s.id)
        consentHistory.value = c.consentHistory(s.id)
        events.value = c.walkingEvents(s.id)
        points.value = c.points(s.id)
        kpis.value = c.kpiContributions(s.id)
    }

    /** Flip one toggle: a permit or a deny for exactly this recipient, category and purpose. */
    fun setToggle(purpose: String, toggle: ConsentToggle, permit: Boolean) = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        val request = ConsentRequest(
            toggle.recipient, listOf(toggle.category), listOf(purpose),
            if (permit) Effect.PERMIT else Effect.DENY, null, null, null,
        )
        c.setConsent(s, request)
        consent.value = c.consentState(s)
        consentHistory.value = c.consentHistory(s)
        // Points an operator confirms and KPI contributions both rest on consent.
        points.value = c.points(s)
        kpis.value = c.kpiContributions(s)
    }

    /** Join or leave a walking event: a consent decision the core records; its receipt can be shown. */
    fun setEventMembership(eventId: String, join: Boolean, team: String? = null) = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        val d = if (join) c.joinEvent(s, eventId, team) else c.leaveEvent(s, eventId)
        events.value = c.walkingEvents(s)
        consent.value = c.consentState(s)
        consentHistory.value = c.consentHistory(s)
        points.value = c.points(s)
        kpis.value = c.kpiContributions(s)
        receipt.value = c.consentReceipt(s, d.id)
    }

    fun showReceipt(directiveId: String?) = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        receipt.value = directiveId?.let { c.consentReceipt(s, it) }
    }

    /** Export to a new file in the app's cache (shared from there); [recipient]+[purpose] = what consent releases. */
    fun export(recipient: String?, purpose: String?) = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        val dir = File(getApplication<Application>().cacheDir, "exports").apply { mkdirs() }
        dir.listFiles()?.forEach { it.delete() } // only the newest export is kept on the device
        val file = File(dir, "phr-${System.currentTimeMillis()}.json")
        exported.value = file to c.exportFhirFile(s, file, recipient, purpose)
    }

    /** The rights screen's data: the provision log and the requests, from the core. */
    fun loadRights() = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        provisions.value = c.provisionLog(s)
        requests.value = c.residentRequests(s)
    }

    /** 開示: the whole record and the provision log in a new folder of the app's cache. */
    fun requestDisclosure() = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        val root = File(getApplication<Application>().cacheDir, "disclosures").apply { mkdirs() }
        root.listFiles()?.forEach { it.deleteRecursively() } // only the newest is kept on the device
        val dir = File(root, "disclosure-${System.currentTimeMillis()}")
        disclosure.value = dir to c.requestDisclosure(s, dir.path)
        loadRights()
    }

    /** 第三者提供の停止 for [recipient]. */
    fun requestStop(recipient: String) = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        c.requestStopOfProvision(s, recipient)
        loadRights()
        refresh()
    }

    /** 消去 of every record of the person shown (the screen asks for confirmation first). */
    fun requestErasureOfAll() = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        c.requestErasure(s, null)
        loadRights()
        refresh()
    }

    /** Import a picked file: FHIR JSON or a health-checkup XML, told apart by the core from its content. */
    fun import(bytes: ByteArray) = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        imported.value = c.importFile(s, bytes)
        refresh()
    }

    /** Sync with [recipient]'s platform, with the token kept from the last sign-in. */
    fun sync(recipient: String) = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        synced.value = c.sync(s, recipient)
        refresh()
    }

    fun loadMoreTimeline() = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        val page = c.timelinePage(s, 30u, timelineNext)
        timeline.value = timeline.value + page.records
        timelineNext = page.next
    }

    /** Log what the form collected, now by the core's clock; glucose needs its [timing] (the core says so, typed). */
    fun log(type: ObservationType, value: Double, value2: Double?, timing: GlucoseTiming? = null) = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        c.logReading(s, Reading(type, value, value2, null, null, timing))
        refresh()
    }

    /** A daily step goal from today on; `null` = the guideline's for the age. The core checks the range. */
    fun setStepGoal(dailySteps: Int?) = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value ?: return@launchSafely
        steps.value = c.setStepGoal(s.id, dailySteps)
    }

    /** A correction note beside a record (how an official result is corrected: it is never edited). */
    fun annotate(recordId: String, text: String) = launchSafely {
        val c = client ?: return@launchSafely
        val s = subject.value ?: return@launchSafely
        c.annotateRecord(s.id, recordId, text)
        refresh()
    }

    fun lock() = launchSafely {
        client?.lock()
        client = null
        unlocked.value = false
    }
}
