package jp.phr.app

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import jp.phr.core.client.DashboardItem
import jp.phr.core.client.PhrClient
import jp.phr.core.client.PhrClientException
import jp.phr.core.ExportSummary
import jp.phr.core.ImportSummary
import jp.phr.core.SyncSummary
import jp.phr.core.model.Bucket
import jp.phr.core.model.ConsentDirective
import jp.phr.core.model.ConsentRequest
import jp.phr.core.model.ConsentState
import jp.phr.core.model.ConsentToggle
import jp.phr.core.model.Effect
import jp.phr.core.model.OperatorProfile
import jp.phr.core.model.ObservationInput
import jp.phr.core.model.ObservationType
import jp.phr.core.model.PageToken
import jp.phr.core.model.Person
import jp.phr.core.model.Record
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
    /** The device owner acts; `subject` is whose record the screens show (the family switch). */
    val actor = MutableStateFlow<Person?>(null)
    val subject = MutableStateFlow<Person?>(null)
    val dashboard = MutableStateFlow<List<DashboardItem>>(emptyList())
    val trend: StateFlow<Map<ObservationType, List<Bucket>>> = MutableStateFlow(emptyMap())
    val timeline = MutableStateFlow<List<Record>>(emptyList())
    private var timelineNext: PageToken? = null
    val profile = MutableStateFlow<OperatorProfile?>(null)
    val consent = MutableStateFlow<ConsentState?>(null)
    val consentHistory = MutableStateFlow<List<ConsentDirective>>(emptyList())
    /** A receipt being shown (Japanese or English text from the core). */
    val receipt = MutableStateFlow<jp.phr.core.ConsentReceiptText?>(null)
    val exported = MutableStateFlow<Pair<File, ExportSummary>?>(null)
    val imported = MutableStateFlow<ImportSummary?>(null)
    val synced = MutableStateFlow<SyncSummary?>(null)

    val storeExists: Boolean get() = PhrClient.exists(dir)

    private fun launchSafely(block: suspend () -> Unit) = viewModelScope.launch {
        try {
            block()
        } catch (e: PhrClientException) {
            if (e is PhrClientException.Locked) unlocked.value = false
            error.value = e // shown as a localized message; never logged (could follow health data)
        }
    }

    fun unlock(passphrase: String) = launchSafely { opened(PhrClient.unlock(dir, passphrase)) }

    fun unlockWithBiometrics() = launchSafely { opened(PhrClient.unlockWithPlatformKey(dir, KeystoreKeyStore())) }

    fun create(passphrase: String, owner: jp.phr.core.model.NewPerson) = launchSafely {
        val c = PhrClient.create(dir.apply { mkdirs() }, passphrase)
        c.addPerson(null, owner)
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
        val owner = c.owner() ?: return
        actor.value = owner
        subject.value = owner
        family.value = c.persons(owner.id)
        unlocked.value = true
        refresh()
    }

    fun switchTo(person: Person) {
        subject.value = person
        // Whether the owner may view this person's record is the core's decision (family
        // delegations): a refused view surfaces as NotPermitted, shown on screen.
        launchSafely { refresh() }
    }

    fun refresh() = launchSafely {
        val c = client ?: return@launchSafely
        val a = actor.value?.id ?: return@launchSafely
        val s = subject.value ?: return@launchSafely
        dashboard.value = c.dashboard(a, s.id, s.details.sex)
        (trend as MutableStateFlow).value = dashboard.value.associate { it.observationType to c.trend(a, s.id, it.observationType, 30) }
        timeline.value = emptyList()
        timelineNext = null
        loadMoreTimeline()
        consent.value = c.consentState(a, s.id)
        consentHistory.value = c.consentHistory(a, s.id)
    }

    /** Flip one toggle: a permit or a deny for exactly this recipient, category and purpose. */
    fun setToggle(purpose: String, toggle: ConsentToggle, permit: Boolean) = launchSafely {
        val c = client ?: return@launchSafely
        val a = actor.value?.id ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        val request = ConsentRequest(
            toggle.recipient, listOf(toggle.category), listOf(purpose),
            if (permit) Effect.PERMIT else Effect.DENY, null, null, null,
        )
        c.setConsent(a, s, request)
        consent.value = c.consentState(a, s)
        consentHistory.value = c.consentHistory(a, s)
    }

    fun showReceipt(directiveId: String?) = launchSafely {
        val c = client ?: return@launchSafely
        val a = actor.value?.id ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        receipt.value = directiveId?.let { c.consentReceipt(a, s, it) }
    }

    /** Export to a new file in the app's cache (shared from there); [recipient]+[purpose] = what consent releases. */
    fun export(recipient: String?, purpose: String?) = launchSafely {
        val c = client ?: return@launchSafely
        val a = actor.value?.id ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        val dir = File(getApplication<Application>().cacheDir, "exports").apply { mkdirs() }
        dir.listFiles()?.forEach { it.delete() } // only the newest export is kept on the device
        val file = File(dir, "phr-${System.currentTimeMillis()}.json")
        exported.value = file to c.exportFhirFile(a, s, file, recipient, purpose)
    }

    /** Import a picked file: FHIR JSON, or a health-checkup XML (the core tells them apart by what it accepts). */
    fun import(bytes: ByteArray, isXml: Boolean) = launchSafely {
        val c = client ?: return@launchSafely
        val a = actor.value?.id ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        if (isXml) {
            c.importCheckupXml(a, s, bytes)
            imported.value = null
        } else {
            imported.value = c.importFhir(a, s, bytes)
        }
        refresh()
    }

    /** Sync with [recipient]'s platform, with the token kept from the last sign-in. */
    fun sync(recipient: String) = launchSafely {
        val c = client ?: return@launchSafely
        val a = actor.value?.id ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        synced.value = c.sync(a, s, recipient)
        refresh()
    }

    fun loadMoreTimeline() = launchSafely {
        val c = client ?: return@launchSafely
        val a = actor.value?.id ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        val page = c.timelinePage(a, s, 30u, timelineNext)
        timeline.value = timeline.value + page.records
        timelineNext = page.next
    }

    fun log(type: ObservationType, value: Double, value2: Double?) = launchSafely {
        val c = client ?: return@launchSafely
        val a = actor.value?.id ?: return@launchSafely
        val s = subject.value?.id ?: return@launchSafely
        c.logObservation(a, s, ObservationInput(type, value, value2, null, null, null, c.now()))
        refresh()
    }

    fun lock() = launchSafely {
        client?.lock()
        client = null
        unlocked.value = false
    }
}
