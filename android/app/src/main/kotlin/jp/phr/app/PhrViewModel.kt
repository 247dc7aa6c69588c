package jp.phr.app

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import jp.phr.core.client.DashboardItem
import jp.phr.core.client.PhrClient
import jp.phr.core.client.PhrClientException
import jp.phr.core.model.Bucket
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
