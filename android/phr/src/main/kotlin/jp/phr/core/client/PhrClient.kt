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
import jp.phr.core.KpiContributionView
import jp.phr.core.SummaryShareView
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
import jp.phr.core.model.Reconsent
import jp.phr.core.model.SyncPhase
import jp.phr.core.FileImportSummary
import jp.phr.core.trendDays
import jp.phr.core.model.DashboardItem
import jp.phr.core.model.CheckupComparison
import jp.phr.core.model.CheckupReading
import jp.phr.core.model.Overview
import jp.phr.core.model.PointsLedger
import jp.phr.core.model.Disclosure
import jp.phr.core.model.Provision
import jp.phr.core.model.ResidentRequest
import jp.phr.core.model.StepProgress
import jp.phr.core.model.EventProgress
import jp.phr.core.model.WaitingToSync
import jp.phr.core.model.Reading
import jp.phr.core.model.AggregateQuery
import jp.phr.core.model.Bucket
import jp.phr.core.model.ClinicalInput
import jp.phr.core.model.NewPerson
import jp.phr.core.model.ObservationInput
import jp.phr.core.model.ObservationType
import jp.phr.core.model.Page
import jp.phr.core.model.PageRequest
import jp.phr.core.model.PageToken
import jp.phr.core.model.Person
import jp.phr.core.model.Provenance
import jp.phr.core.model.Record
import jp.phr.core.model.Stamp
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOn
import kotlinx.coroutines.withContext
import java.io.File
import java.time.LocalDate

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

        /**
         * Create a store whose owner unlocks with [passphrase]; a weak one throws
         * [PhrClientException.WeakPassphrase] with a hint. [kdfMemoryKib] null = the production
         * Argon2id cost (tests pass a small one).
         */
        suspend fun create(
            dir: File,
            passphrase: String,
            kdfMemoryKib: UInt? = null,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): PhrClient = onIo(io) { PhrClient(PhrStore(dir.path).use { it.create(passphrase, kdfMemoryKib) }, io) }

        /** Create a store whose owner unlocks with a PIN that only works with this device's [keyStore]. */
        suspend fun createWithPin(
            dir: File,
            pin: String,
            keyStore: PlatformKeyStore,
            kdfMemoryKib: UInt? = null,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): PhrClient = onIo(io) {
            PhrClient(PhrStore(dir.path).use { it.createWithPin(pin, keyStore, kdfMemoryKib) }, io)
        }

        /** Unlock as [member] (a nickname; null = the owner). The session acts as that person. */
        suspend fun unlock(
            dir: File,
            passphrase: String,
            member: String? = null,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): PhrClient = onIo(io) { PhrClient(PhrStore(dir.path).use { it.unlock(member, passphrase) }, io) }

        /** Unlock with a PIN together with this device's [keyStore]. */
        suspend fun unlockWithPin(
            dir: File,
            pin: String,
            keyStore: PlatformKeyStore,
            member: String? = null,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): PhrClient = onIo(io) {
            PhrClient(PhrStore(dir.path).use { it.unlockWithPin(member, pin, keyStore) }, io)
        }

        /** Biometric unlock: [keyStore] unwraps the data key with the Android Keystore key. */
        suspend fun unlockWithPlatformKey(
            dir: File,
            keyStore: PlatformKeyStore,
            member: String? = null,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): PhrClient = onIo(io) {
            PhrClient(PhrStore(dir.path).use { it.unlockWithPlatformKey(member, keyStore) }, io)
        }

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

    /** The person who unlocked: every call acts as them. */
    suspend fun actor(): String = call { actor() }

    /** Seconds the device clock is behind the newest time this store has seen, or null. */
    suspend fun clockBehind(): Long? = call { clockBehind() }

    /** Change the passphrase; [rotateKey] also re-encrypts every byte under a new data key. */
    suspend fun changePassphrase(old: String, new: String, rotateKey: Boolean = false, kdfMemoryKib: UInt? = null) =
        call { changePassphrase(old, new, kdfMemoryKib, rotateKey) }

    /** Unlock with a PIN from now on; the PIN only works together with this device's [keyStore]. */
    suspend fun setPin(pin: String, keyStore: PlatformKeyStore) = call { setPin(pin, keyStore) }

    suspend fun today(): LocalDate = call { LocalDate.parse(today()) }

    // ---- persons (the family switcher) ----

    suspend fun addPerson(person: NewPerson): Person = call { addPerson(person) }

    suspend fun owner(): Person? = call { owner() }

    /** A family member with their own passphrase: they unlock as themself and act within their grants. */
    suspend fun addMember(person: NewPerson, passphrase: String, kdfMemoryKib: UInt? = null): Person =
        call { addMember(person, passphrase, kdfMemoryKib) }

    /** Give a person on the device their own passphrase (a managed person who now uses the app; a member after a restore). */
    suspend fun enrollMember(nickname: String, passphrase: String, kdfMemoryKib: UInt? = null): Person =
        call { enrollMember(nickname, passphrase, kdfMemoryKib) }

    /** Hand the device to [nickname]: a new client acting as them once their passphrase unlocks. */
    suspend fun switchTo(nickname: String, passphrase: String): PhrClient =
        PhrClient(call { switchTo(nickname, passphrase) }, io)

    /** The persons the unlocked person may act for. */
    suspend fun persons(): List<Person> = call { persons() }

    /**
     * Removes a managed person with all their data (the owner only; refused for members and while
     * anything is still shared: withdraw, erase and sync first). Returns how many records were erased.
     */
    suspend fun removePerson(subject: String): Long = call { removePerson(subject).toLong() }

    /** Per recipient, copies of erased records it may still hold: deleted there by the next sync. */
    suspend fun erasedCopiesHeld(subject: String): List<WaitingToSync> = call { erasedCopiesHeld(subject) }

    // ---- writing ----

    /** Log a reading as the form collects it: at [at], or now by the core's clock. */
    suspend fun logReading(subject: String, reading: Reading, at: Stamp? = null): Record =
        call { logReading(subject, reading, at) }

    suspend fun logObservation(subject: String, input: ObservationInput): Record =
        call { logObservation(subject, input) }

    suspend fun addRecord(
        subject: String,
        input: ClinicalInput,
        provenance: Provenance = Provenance.SELF_ENTERED,
        source: String? = null,
    ): Record = call { addRecord(subject, input, provenance, source) }

    /** Import in chunks of [chunkSize], one transaction each; [onProgress] is called on the IO thread. */
    suspend fun addRecordsWithProgress(
        subject: String,
        inputs: List<ClinicalInput>,
        provenance: Provenance,
        source: String? = null,
        chunkSize: UInt = 500u,
        onProgress: (done: Long, total: Long) -> Unit = { _, _ -> },
    ): List<String> = call {
        addRecordsWithProgress(subject, inputs, provenance, source, chunkSize, listener(onProgress))
    }

    suspend fun deleteRecord(subject: String, id: String) = call { deleteRecord(subject, id) }

    /** A correction note beside an official result (checkup, clinic, Mynaportal), which is never edited. */
    suspend fun annotateRecord(subject: String, id: String, text: String): Record =
        call { annotateRecord(subject, id, text) }

    suspend fun backup(file: File, passphrase: String, onProgress: (Long, Long) -> Unit = { _, _ -> }) =
        call { backup(file.path, passphrase, listener(onProgress)) }

    // ---- reading ----

    suspend fun timelinePage(subject: String, limit: UInt = 50u, after: PageToken? = null): Page =
        call { timeline(subject, PageRequest(limit, after)) }

    /** The timeline, newest first, one page per emission until the end (collect lazily to page). */
    fun timeline(subject: String, pageSize: UInt = 50u): Flow<List<Record>> = flow {
        var after: PageToken? = null
        do {
            val page = wrap { session.timeline(subject, PageRequest(pageSize, after)) }
            if (page.records.isNotEmpty()) emit(page.records)
            after = page.next
        } while (after != null)
    }.flowOn(io)

    suspend fun latest(subject: String): List<Record> = call { latestObservations(subject) }

    /** Today's dashboard: the newest value of each type with the core's summary and guidance level. */
    suspend fun dashboard(subject: String): List<DashboardItem> = call { dashboard(subject) }

    /**
     * The morning summary: latest values with their level, this week's steps, the last and next
     * checkup, what is shared with whom (consent and family), what waits to sync.
     */
    suspend fun overview(subject: String): Overview = call { overview(subject) }

    /** Today's steps against the daily goal, this week day by day, and the current streak. */
    suspend fun stepProgress(subject: String): StepProgress = call { stepProgress(subject) }

    /**
     * Sets the daily step goal from today on; `null` goes back to the guideline's for the age
     * (8,000, or 6,000 from 65). Earlier days keep theirs. A goal outside 500..50,000 is refused.
     */
    suspend fun setStepGoal(subject: String, dailySteps: Int?): StepProgress =
        call { setStepGoal(subject, dailySteps?.toUInt()) }

    /** The newest [last] checkups, newest first: every result with its level, and the judgements in words. */
    suspend fun checkups(subject: String, last: Int = 5): List<CheckupReading> =
        call { checkups(subject, last.toUInt()) }

    /** The newest [last] checkups side by side, item by item (year over year). */
    suspend fun checkupComparison(subject: String, last: Int = 3): CheckupComparison =
        call { checkupComparison(subject, last.toUInt()) }

    /** The dashboard as a Flow: emits now and again each time [refresh] emits (e.g. after logging). */
    fun dashboardFlow(subject: String, refresh: Flow<Unit>): Flow<List<DashboardItem>> = flow {
        emit(dashboard(subject))
        refresh.collect { emit(dashboard(subject)) }
    }

    suspend fun aggregate(subject: String, query: AggregateQuery): List<Bucket> =
        call { aggregate(subject, query) }

    /** A tile's trend line: daily buckets of the last [days] days up to today (the core's window). */
    suspend fun trend(subject: String, type: ObservationType, days: UInt = trendDays()): List<Bucket> =
        call { trend(subject, type, days) }

    // ---- family (delegations are records; the rules are the core's) ----

    /** Let someone act on [subject]'s record within scopes and a period. */
    suspend fun grant(subject: String, delegation: NewDelegation): Delegation =
        call { grant(subject, delegation) }

    suspend fun revoke(delegationId: String) = call { revoke(delegationId) }

    /** The subject takes their record back: every representative's grant on it ends. */
    suspend fun takeControl(subject: String): List<String> = call { takeControl(subject) }

    /** "Who can see my record, with which rights, until when". */
    suspend fun whoCanAccess(subject: String): List<AccessGrant> = call { whoCanAccess(subject) }

    suspend fun delegations(subject: String): List<Delegation> = call { delegations(subject) }

    /** The person ids the unlocked person may act for now, themself first. */
    suspend fun subjectsOf(): List<String> = call { subjectsOf() }

    // ---- consent (default deny; every decision is kept) ----

    /** Use the operator profile the municipality publishes (validated by the core). */
    /** Install the profile (kept in the store for later sessions); returns its version. */
    suspend fun setOperatorProfileJson(json: String): Long = call { setOperatorProfileJson(json) }

    suspend fun operatorProfile(): OperatorProfile = call { operatorProfile() }

    /** Every purpose × recipient × category toggle of [subject] now. */
    suspend fun consentState(subject: String): ConsentState = call { consentState(subject) }

    /** The consent screen as a Flow: emits now and again each time [refresh] emits. */
    fun consentStateFlow(subject: String, refresh: Flow<Unit>): Flow<ConsentState> = flow {
        emit(consentState(subject))
        refresh.collect { emit(consentState(subject)) }
    }

    suspend fun consentHistory(subject: String): List<ConsentDirective> =
        call { consentHistory(subject) }

    suspend fun setConsent(subject: String, request: ConsentRequest): ConsentDirective =
        call { setConsent(subject, request) }

    /** Withdraw: a deny from now on; the recipient's copies are deleted at the next sync. */
    suspend fun withdraw(
        subject: String,
        recipient: String,
        categories: List<DataCategory>,
        purposes: List<String>,
    ): ConsentDirective = call { withdraw(subject, recipient, categories, purposes) }

    /**
     * The permits a newer profile version asks the resident to decide again, with what changed.
     * Nothing they cover leaves the device until then. (There is no "queue" call: a record
     * written goes to every recipient consent permits, by the core.)
     */
    suspend fun reconsentNeeded(subject: String): List<Reconsent> = call { reconsentNeeded(subject) }

    suspend fun pendingOutbox(subject: String): List<OutboxItem> = call { pendingOutbox(subject) }

    suspend fun consentReceipt(subject: String, directiveId: String): ConsentReceiptText =
        call { consentReceipt(subject, directiveId) }

    // ---- walking events ----

    /**
     * The points ledger: every award and reversal with its reason, oldest first, and the
     * balance (brought in line with the operator's programme as it is read).
     */
    suspend fun points(subject: String): PointsLedger = call { points(subject) }

    /**
     * What this person contributes to each KPI of the operator, as the consent gate judges it
     * now (pseudonymous, banded; nothing leaves by this call).
     */
    suspend fun kpiContributions(subject: String): List<KpiContributionView> =
        call { kpiContributions(subject) }

    // ---- the resident's rights ----

    /** Every provision of this person's data (what left, to whom, for what, under which consent). */
    suspend fun provisionLog(subject: String): List<Provision> = call { provisionLog(subject) }

    /** The provision log as CSV text, to save or share. */
    suspend fun provisionLogCsv(subject: String): String = call { provisionLogCsv(subject) }

    /** 開示: the whole record and the provision log written to the new folder [dir]. */
    suspend fun requestDisclosure(subject: String, dir: String): Disclosure =
        call { requestDisclosure(subject, dir) }

    /** 訂正 by a note beside a record (the way to correct an official result). */
    suspend fun requestCorrectionNote(subject: String, id: String, text: String): ResidentRequest =
        call { requestCorrectionNote(subject, id, text) }

    /** 訂正 of a record the resident entered: what it should say. */
    suspend fun requestCorrection(subject: String, id: String, input: ClinicalInput): ResidentRequest =
        call { requestCorrection(subject, id, input) }

    /** 第三者提供の停止: nothing more goes to [recipient]; its copies go at the next sync. */
    suspend fun requestStopOfProvision(subject: String, recipient: String): ResidentRequest =
        call { requestStopOfProvision(subject, recipient) }

    /** 消去 of record [id], or of every record of [subject] (null). */
    suspend fun requestErasure(subject: String, id: String? = null): ResidentRequest =
        call { requestErasure(subject, id) }

    /** The requests of [subject] and their outcomes, oldest first. */
    suspend fun residentRequests(subject: String): List<ResidentRequest> = call { residentRequests(subject) }

    /** A request's record as JSON text for the operator. */
    suspend fun requestForOperator(subject: String, requestId: String): String =
        call { requestForOperator(subject, requestId) }

    /** A patient summary (IPS) for [recipient] until [until], under a one-off permit for [categories]. */
    suspend fun shareSummary(subject: String, recipient: String, categories: List<DataCategory>, until: Stamp): SummaryShareView =
        call { shareSummary(subject, recipient, categories, until) }

    /** End a summary share before its date. */
    suspend fun endSummaryShare(subject: String, directiveId: String) = call { endSummaryShare(subject, directiveId) }

    /** The operator's walking events with this person's part and progress in each, newest first. */
    suspend fun walkingEvents(subject: String): List<EventProgress> = call { walkingEvents(subject) }

    suspend fun eventProgress(subject: String, eventId: String): EventProgress =
        call { eventProgress(subject, eventId) }

    /** Join (alone, or in [team]): a consent permit for the organiser to get daily step totals only. */
    suspend fun joinEvent(subject: String, eventId: String, team: String? = null): ConsentDirective =
        call { joinEvent(subject, eventId, team) }

    /** Leave: a withdrawal of that permit. */
    suspend fun leaveEvent(subject: String, eventId: String): ConsentDirective =
        call { leaveEvent(subject, eventId) }

    // ---- FHIR export and import ----

    /** FHIR R4 (JP Core) Bundle JSON: the whole record, or what consent releases to [recipient] for [purpose]. */
    suspend fun exportFhirJson(
        subject: String,
        recipient: String? = null,
        purpose: String? = null,
    ): String = call { exportFhirJson(subject, recipient, purpose) }

    /** The same Bundle written to a NEW [file] (never overwrites), for the share sheet. */
    suspend fun exportFhirFile(
        subject: String,
        file: File,
        recipient: String? = null,
        purpose: String? = null,
    ): ExportSummary = call { exportFhirFile(subject, recipient, purpose, file.path) }

    /** Import FHIR R4 JSON: one transaction, all or nothing; the summary says what became of each resource. */
    suspend fun importFhir(
        subject: String,
        json: ByteArray,
        provenance: Provenance = Provenance.IMPORTED_FILE,
        source: String? = null,
        onProgress: (done: Long, total: Long) -> Unit = { _, _ -> },
    ): ImportSummary = call { importFhir(subject, json, provenance, source, listener(onProgress)) }

    /** Import a file the person picked: FHIR JSON or checkup XML, told apart by content. */
    suspend fun importFile(
        subject: String,
        bytes: ByteArray,
        provenance: Provenance = Provenance.IMPORTED_FILE,
        source: String? = null,
        onProgress: (done: Long, total: Long) -> Unit = { _, _ -> },
    ): FileImportSummary = call { importFile(subject, bytes, provenance, source, listener(onProgress)) }

    /** Import one MHLW health-checkup XML file (特定健診) as a checkup. */
    suspend fun importCheckupXml(
        subject: String,
        xml: ByteArray,
        provenance: Provenance = Provenance.IMPORTED_FILE,
    ): Record = call { importCheckupXml(subject, xml, provenance) }

    // ---- sync ----

    /**
     * Push [subject]'s outbox for [recipient] through the consent gate, delete what was withdrawn
     * or erased there, pull what the platform holds. Throws [PhrClientException.Offline] (retry
     * later, nothing lost) or [PhrClientException.AuthRequired] (sign in again).
     */
    suspend fun sync(
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
        sync(subject, recipient, settings, tokens, listener)
    }

    /** Sign out of [recipient]'s platform: the kept token is forgotten (whoever may manage the store). */
    suspend fun forgetSyncToken(recipient: String): Boolean = call { forgetSyncToken(recipient) }

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
