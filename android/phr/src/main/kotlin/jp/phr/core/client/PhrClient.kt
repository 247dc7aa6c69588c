package jp.phr.core.client

import jp.phr.core.PhrException
import jp.phr.core.PhrSession
import jp.phr.core.PhrStore
import jp.phr.core.PlatformKeyStore
import jp.phr.core.ProgressListener
import jp.phr.core.ConsentReceiptText
import jp.phr.core.ExportSummary
import jp.phr.core.ImportSummary
import jp.phr.core.SyncListener
import jp.phr.core.SyncSettings
import jp.phr.core.SyncSummary
import jp.phr.core.SyncTokenProvider
import jp.phr.core.model.AccessGrant
import jp.phr.core.model.ConsentDirective
import jp.phr.core.model.ConsentRequest
import jp.phr.core.model.ConsentState
import jp.phr.core.model.DataCategory
import jp.phr.core.model.Delegation
import jp.phr.core.model.NewDelegation
import jp.phr.core.model.OperatorProfile
import jp.phr.core.model.OutboxItem
import jp.phr.core.model.SyncPhase
import jp.phr.core.assess
import jp.phr.core.recordSummary
import jp.phr.core.model.AggregateQuery
import jp.phr.core.model.Bucket
import jp.phr.core.model.ClinicalInput
import jp.phr.core.model.Granularity
import jp.phr.core.model.Level
import jp.phr.core.model.NewPerson
import jp.phr.core.model.ObservationInput
import jp.phr.core.model.ObservationType
import jp.phr.core.model.Page
import jp.phr.core.model.PageRequest
import jp.phr.core.model.PageToken
import jp.phr.core.model.Person
import jp.phr.core.model.Provenance
import jp.phr.core.model.Record
import jp.phr.core.model.RecordBody
import jp.phr.core.model.Sex
import jp.phr.core.model.Stamp
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOn
import kotlinx.coroutines.withContext
import java.io.File
import java.time.LocalDate

/** One tile of the today dashboard: the newest value of a type, its core-made summary and level. */
data class DashboardItem(
    val record: Record,
    val observationType: ObservationType,
    /** From the core's formatter, e.g. "Blood pressure 128/82 mmHg". Never log it. */
    val summary: String,
    /** Against the 特定健診 thresholds; null when the type has none. */
    val level: Level?,
)

/**
 * The app's entry point to PHR Core: suspend functions that run the blocking core on [io]
 * (Dispatchers.IO by default) and throw [PhrClientException]. Holds no rule: every check,
 * format and threshold comes from the core.
 */
class PhrClient private constructor(
    private val session: PhrSession,
    private val io: CoroutineDispatcher,
) : AutoCloseable {

    companion object {
        /** Whether a store exists in [dir] (first launch → create, else unlock). */
        fun exists(dir: File): Boolean = PhrStore(dir.path).use { it.exists() }

        /** Create a store. [kdfIterations] null = the production default (600,000). */
        suspend fun create(
            dir: File,
            passphrase: String,
            kdfIterations: UInt? = null,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): PhrClient = onIo(io) { PhrClient(PhrStore(dir.path).use { it.create(passphrase, kdfIterations) }, io) }

        suspend fun unlock(
            dir: File,
            passphrase: String,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): PhrClient = onIo(io) { PhrClient(PhrStore(dir.path).use { it.unlock(passphrase) }, io) }

        /** Biometric unlock: [keyStore] unwraps the data key with the Android Keystore key. */
        suspend fun unlockWithPlatformKey(
            dir: File,
            keyStore: PlatformKeyStore,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): PhrClient = onIo(io) { PhrClient(PhrStore(dir.path).use { it.unlockWithPlatformKey(keyStore) }, io) }

        private suspend fun <T> onIo(io: CoroutineDispatcher, block: () -> T): T = withContext(io) {
            try {
                block()
            } catch (e: PhrException) {
                throw e.toClientException()
            }
        }
    }

    private suspend fun <T> call(block: PhrSession.() -> T): T = onIo(io) { session.block() }

    /** The raw generated session, for calls this wrapper does not cover (blocking: not on the main thread). */
    val raw: PhrSession get() = session

    val isLocked: Boolean get() = session.isLocked()

    suspend fun lock() = call { lock() }

    suspend fun enrollPlatformKey(keyStore: PlatformKeyStore) = call { enrollPlatformKey(keyStore) }

    suspend fun hasPlatformKey(): Boolean = call { hasPlatformKey() }

    suspend fun now(): Stamp = call { now() }

    suspend fun today(): LocalDate = call { LocalDate.parse(today()) }

    // ---- persons (the family switcher) ----

    suspend fun addPerson(actor: String?, person: NewPerson): Person = call { addPerson(actor, person) }

    suspend fun owner(): Person? = call { owner() }

    /** The persons [actor] may act for. */
    suspend fun persons(actor: String): List<Person> = call { persons(actor) }

    // ---- writing ----

    suspend fun logObservation(actor: String, subject: String, input: ObservationInput): Record =
        call { logObservation(actor, subject, input) }

    suspend fun addRecord(
        actor: String,
        subject: String,
        input: ClinicalInput,
        provenance: Provenance = Provenance.SELF_ENTERED,
        source: String? = null,
    ): Record = call { addRecord(actor, subject, input, provenance, source) }

    /** Import in chunks of [chunkSize], one transaction each; [onProgress] is called on the IO thread. */
    suspend fun addRecordsWithProgress(
        actor: String,
        subject: String,
        inputs: List<ClinicalInput>,
        provenance: Provenance,
        source: String? = null,
        chunkSize: UInt = 500u,
        onProgress: (done: Long, total: Long) -> Unit = { _, _ -> },
    ): List<String> = call {
        addRecordsWithProgress(actor, subject, inputs, provenance, source, chunkSize, listener(onProgress))
    }

    suspend fun deleteRecord(actor: String, subject: String, id: String) = call { deleteRecord(actor, subject, id) }

    suspend fun backup(file: File, passphrase: String, onProgress: (Long, Long) -> Unit = { _, _ -> }) =
        call { backup(file.path, passphrase, listener(onProgress)) }

    // ---- reading ----

    suspend fun timelinePage(actor: String, subject: String, limit: UInt = 50u, after: PageToken? = null): Page =
        call { timeline(actor, subject, PageRequest(limit, after)) }

    /** The timeline, newest first, one page per emission until the end (collect lazily to page). */
    fun timeline(actor: String, subject: String, pageSize: UInt = 50u): Flow<List<Record>> = flow {
        var after: PageToken? = null
        do {
            val page = wrap { session.timeline(actor, subject, PageRequest(pageSize, after)) }
            if (page.records.isNotEmpty()) emit(page.records)
            after = page.next
        } while (after != null)
    }.flowOn(io)

    suspend fun latest(actor: String, subject: String): List<Record> = call { latestObservations(actor, subject) }

    /** Today's dashboard: the newest value of each type with the core's summary and guidance level. */
    suspend fun dashboard(actor: String, subject: String, sex: Sex?): List<DashboardItem> = call {
        latestObservations(actor, subject).mapNotNull { r ->
            val o = (r.body as? RecordBody.Observation)?.v1 ?: return@mapNotNull null
            DashboardItem(r, o.observationType, recordSummary(r.body), assess(o, sex))
        }
    }

    /** The dashboard as a Flow: emits now and again each time [refresh] emits (e.g. after logging). */
    fun dashboardFlow(actor: String, subject: String, sex: Sex?, refresh: Flow<Unit>): Flow<List<DashboardItem>> = flow {
        emit(dashboard(actor, subject, sex))
        refresh.collect { emit(dashboard(actor, subject, sex)) }
    }

    suspend fun aggregate(actor: String, subject: String, query: AggregateQuery): List<Bucket> =
        call { aggregate(actor, subject, query) }

    /** Daily buckets of the last [days] days up to today (the dashboard's trend line). */
    suspend fun trend(actor: String, subject: String, type: ObservationType, days: Long = 30): List<Bucket> {
        val to = today()
        val query = AggregateQuery(type, Granularity.DAY, to.minusDays(days - 1).toString(), to.toString(), null)
        return aggregate(actor, subject, query)
    }

    // ---- family (delegations are records; the rules are the core's) ----

    /** Let someone act on [subject]'s record within scopes and a period. */
    suspend fun grant(actor: String, subject: String, delegation: NewDelegation): Delegation =
        call { grant(actor, subject, delegation) }

    suspend fun revoke(actor: String, delegationId: String) = call { revoke(actor, delegationId) }

    /** The subject takes their record back: every representative's grant on it ends. */
    suspend fun takeControl(actor: String, subject: String): List<String> = call { takeControl(actor, subject) }

    /** "Who can see my record, with which rights, until when". */
    suspend fun whoCanAccess(actor: String, subject: String): List<AccessGrant> = call { whoCanAccess(actor, subject) }

    suspend fun delegations(actor: String, subject: String): List<Delegation> = call { delegations(actor, subject) }

    /** The person ids [actor] may act for now, themself first. */
    suspend fun subjectsOf(actor: String): List<String> = call { subjectsOf(actor) }

    // ---- consent (default deny; every decision is kept) ----

    /** Use the operator profile the municipality publishes (validated by the core). */
    suspend fun setOperatorProfileJson(json: String) = call { setOperatorProfileJson(json) }

    suspend fun operatorProfile(): OperatorProfile = call { operatorProfile() }

    /** Every purpose × recipient × category toggle of [subject] now. */
    suspend fun consentState(actor: String, subject: String): ConsentState = call { consentState(actor, subject) }

    /** The consent screen as a Flow: emits now and again each time [refresh] emits. */
    fun consentStateFlow(actor: String, subject: String, refresh: Flow<Unit>): Flow<ConsentState> = flow {
        emit(consentState(actor, subject))
        refresh.collect { emit(consentState(actor, subject)) }
    }

    suspend fun consentHistory(actor: String, subject: String): List<ConsentDirective> =
        call { consentHistory(actor, subject) }

    suspend fun setConsent(actor: String, subject: String, request: ConsentRequest): ConsentDirective =
        call { setConsent(actor, subject, request) }

    /** Withdraw: a deny from now on; the recipient's copies are deleted at the next sync. */
    suspend fun withdraw(
        actor: String,
        subject: String,
        recipient: String,
        categories: List<DataCategory>,
        purposes: List<String>,
    ): ConsentDirective = call { withdraw(actor, subject, recipient, categories, purposes) }

    /** Queue records for a recipient and purpose; only what consent permits now is queued. */
    suspend fun queueForRelease(
        actor: String,
        subject: String,
        recipient: String,
        purpose: String,
        recordIds: List<String>,
    ): Long = call { queueForRelease(actor, subject, recipient, purpose, recordIds).toLong() }

    suspend fun pendingOutbox(actor: String, subject: String): List<OutboxItem> = call { pendingOutbox(actor, subject) }

    suspend fun consentReceipt(actor: String, subject: String, directiveId: String): ConsentReceiptText =
        call { consentReceipt(actor, subject, directiveId) }

    // ---- FHIR export and import ----

    /** FHIR R4 (JP Core) Bundle JSON: the whole record, or what consent releases to [recipient] for [purpose]. */
    suspend fun exportFhirJson(
        actor: String,
        subject: String,
        recipient: String? = null,
        purpose: String? = null,
    ): String = call { exportFhirJson(actor, subject, recipient, purpose) }

    /** The same Bundle written to a NEW [file] (never overwrites), for the share sheet. */
    suspend fun exportFhirFile(
        actor: String,
        subject: String,
        file: File,
        recipient: String? = null,
        purpose: String? = null,
    ): ExportSummary = call { exportFhirFile(actor, subject, recipient, purpose, file.path) }

    /** Import FHIR R4 JSON: one transaction, all or nothing; the summary says what became of each resource. */
    suspend fun importFhir(
        actor: String,
        subject: String,
        json: ByteArray,
        provenance: Provenance = Provenance.IMPORTED_FILE,
        source: String? = null,
        onProgress: (done: Long, total: Long) -> Unit = { _, _ -> },
    ): ImportSummary = call { importFhir(actor, subject, json, provenance, source, listener(onProgress)) }

    /** Import one MHLW health-checkup XML file (特定健診) as a checkup. */
    suspend fun importCheckupXml(
        actor: String,
        subject: String,
        xml: ByteArray,
        provenance: Provenance = Provenance.IMPORTED_FILE,
    ): Record = call { importCheckupXml(actor, subject, xml, provenance) }

    // ---- sync ----

    /**
     * Push [subject]'s outbox for [recipient] through the consent gate, delete what was withdrawn
     * or erased there, pull what the platform holds. Throws [PhrClientException.Offline] (retry
     * later, nothing lost) or [PhrClientException.AuthRequired] (sign in again).
     */
    suspend fun sync(
        actor: String,
        subject: String,
        recipient: String,
        settings: SyncSettings = SyncSettings(),
        tokens: SyncTokenProvider? = null,
        onProgress: (phase: SyncPhase, done: Long, total: Long) -> Unit = { _, _, _ -> },
    ): SyncSummary = call {
        val listener = object : SyncListener {
            override fun onSyncProgress(phase: SyncPhase, done: ULong, total: ULong) =
                onProgress(phase, done.toLong(), total.toLong())
        }
        sync(actor, subject, recipient, settings, tokens, listener)
    }

    /** Sign out of [recipient]'s platform: the kept token is forgotten (device owner only). */
    suspend fun forgetSyncToken(actor: String, recipient: String): Boolean = call { forgetSyncToken(actor, recipient) }

    override fun close() = session.close()

    private inline fun <T> wrap(block: () -> T): T = try {
        block()
    } catch (e: PhrException) {
        throw e.toClientException()
    }

    private fun listener(f: (Long, Long) -> Unit) = object : ProgressListener {
        override fun onProgress(done: ULong, total: ULong) = f(done.toLong(), total.toLong())
    }
}
