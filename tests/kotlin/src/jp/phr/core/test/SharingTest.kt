package jp.phr.core.test

import com.sun.net.httpserver.HttpServer
import jp.phr.core.SyncSettings
import jp.phr.core.SyncTokenProvider
import jp.phr.core.TokenException
import jp.phr.core.client.PhrClient
import jp.phr.core.client.PhrClientException
import jp.phr.core.model.ClinicalInput
import jp.phr.core.model.ConsentRequest
import jp.phr.core.model.DataCategory
import jp.phr.core.model.Effect
import jp.phr.core.model.EntryReason
import jp.phr.core.model.KpiMeasure
import jp.phr.core.model.Grantee
import jp.phr.core.model.NewDelegation
import jp.phr.core.model.ObservationType
import jp.phr.core.model.Provenance
import jp.phr.core.model.Scope
import jp.phr.core.model.SyncPhase
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File
import java.net.InetSocketAddress
import java.util.Collections
import java.util.concurrent.atomic.AtomicInteger

const val RECIPIENT = "health-dept"
const val GUIDANCE = "specific_health_guidance"

/** The sample municipality profile the core ships (the test runs from the repository root). */
val MUNICIPALITY: String = File("core/profiles/municipality-sample.json").readText()

fun permit(categories: List<DataCategory>, purposes: List<String>, recipient: String = RECIPIENT) =
    ConsentRequest(recipient, categories, purposes, Effect.PERMIT, null, null, null)

fun count(json: String, resourceType: String) = Regex("\"resourceType\":\"$resourceType\"").findAll(json).count()

/**
 * A minimal FHIR server on loopback, made with the JDK's own HTTP server: batch Bundles are
 * answered entry by entry with 201, searches with an empty searchset. It accepts only
 * `Bearer <accepted>` and records every Authorization header it saw.
 */
class LoopbackFhir(private val accepted: String) : AutoCloseable {
    val authorizations: MutableList<String?> = Collections.synchronizedList(mutableListOf())
    val entriesReceived = AtomicInteger()
    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
        createContext("/fhir") { ex ->
            val auth = ex.requestHeaders.getFirst("Authorization")
            authorizations.add(auth)
            val body = ex.requestBody.readBytes().toString(Charsets.UTF_8)
            val (status, answer) = when {
                auth != "Bearer $accepted" -> 401 to """{"resourceType":"OperationOutcome","issue":[]}"""
                ex.requestMethod == "POST" -> {
                    val n = Regex("\"method\"").findAll(body).count()
                    entriesReceived.addAndGet(n)
                    val entries = List(n) { """{"response":{"status":"201 Created"}}""" }.joinToString(",")
                    200 to """{"resourceType":"Bundle","type":"batch-response","entry":[$entries]}"""
                }
                else -> 200 to """{"resourceType":"Bundle","type":"searchset","entry":[]}"""
            }
            val bytes = answer.toByteArray()
            ex.responseHeaders.add("Content-Type", "application/fhir+json")
            ex.sendResponseHeaders(status, bytes.size.toLong())
            ex.responseBody.use { it.write(bytes) }
        }
        start()
    }
    val url = "http://127.0.0.1:${server.address.port}/fhir"
    override fun close() = server.stop(0)
}

/** An app's token provider: a stale token first, a fresh one when the core asks to refresh. */
class AppTokens(private val first: String?, private val refreshed: String?) : SyncTokenProvider {
    val refreshes = AtomicInteger()
    val origins = Collections.synchronizedList(mutableListOf<String>())
    override fun token(recipient: String, origin: String): String? = first.also { origins.add(origin) }
    override fun refresh(recipient: String, origin: String): String? {
        refreshes.incrementAndGet()
        return refreshed ?: throw TokenException.Unavailable("the user cancelled sign-in")
    }
}

class SharingTest {
    private fun newStore(): Pair<PhrClient, String> = runBlocking {
        val client = PhrClient.create(tempStoreDir(), PASSPHRASE, TEST_KDF)
        val me = client.addPerson(person("hanako", "花子")).id
        client.setOperatorProfileJson(MUNICIPALITY)
        client to me
    }

    private suspend fun PhrClient.logPressures(me: String, n: Int): List<String> =
        (1..n).map { logObservation(me, bp(120.0 + it, 80.0, ago(it.toLong()))).meta.id }

    @Test
    fun consentIsDenyUntilToggledAndEveryDecisionIsKept() = runBlocking<Unit> {
        val (client, me) = newStore()
        fun toggle(state: jp.phr.core.model.ConsentState, category: DataCategory) = state.purposes
            .first { it.code == GUIDANCE }.toggles.first { it.recipient == RECIPIENT && it.category == category }

        val before = client.consentState(me)
        assertTrue(before.purposes.all { p -> p.toggles.none { it.permitted } })

        val granted = client.setConsent(me, permit(listOf(DataCategory.VITALS), listOf(GUIDANCE)))
        val on = client.consentState(me)
        assertTrue(toggle(on, DataCategory.VITALS).permitted)
        assertEquals(granted.id, toggle(on, DataCategory.VITALS).directiveId)
        assertFalse("only the toggled category", toggle(on, DataCategory.BODY).permitted)

        val withdrawn = client.withdraw(me, RECIPIENT, listOf(DataCategory.VITALS), listOf(GUIDANCE))
        assertFalse(toggle(client.consentState(me), DataCategory.VITALS).permitted)
        assertEquals(listOf(granted.id, withdrawn.id), client.consentHistory(me).map { it.id })
        assertEquals(listOf(Effect.PERMIT, Effect.DENY), client.consentHistory(me).map { it.effect })

        val receipt = client.consentReceipt(me, granted.id)
        val recipientName = client.operatorProfile().recipients.first { it.id == RECIPIENT }.name
        assertTrue(receipt.textJa.contains(recipientName))
        assertTrue(receipt.fhirJson.contains("\"resourceType\":\"Consent\""))
    }

    @Test
    fun anEventIsJoinedAsConsentForDailyTotalsAndLeftAsAWithdrawal() = runBlocking<Unit> {
        val (client, me) = newStore()
        // The sample's event moved around today (Tokyo), so it is running whenever this runs.
        val today = java.time.LocalDate.now(java.time.ZoneId.of("Asia/Tokyo"))
        client.setOperatorProfileJson(
            MUNICIPALITY.replace("2027-03-01", today.minusDays(1).toString())
                .replace("2027-03-31", today.plusDays(30).toString()),
        )
        client.logObservation(me, obs(ObservationType.STEPS, 9000.0, ago(0, 0)))
        val event = client.walkingEvents(me).single()
        assertFalse(event.joined)
        val joined = client.joinEvent(me, event.event.id, "kita")
        assertEquals(Effect.PERMIT, joined.effect)
        assertEquals(listOf(DataCategory.LIFELOG), joined.categories)
        assertTrue("daily totals only: no steps record queued", client.pendingOutbox(me).isEmpty())
        val p = client.eventProgress(me, event.event.id)
        assertEquals(true, p.joined)
        assertEquals("kita", p.team)
        assertEquals(9000uL, p.totalSteps)
        assertThrows<PhrClientException.AlreadyExists> { client.joinEvent(me, event.event.id) }
        assertEquals(Effect.DENY, client.leaveEvent(me, event.event.id).effect)
        assertFalse(client.eventProgress(me, event.event.id).joined)
        // Yesterday's goal met: the sample programme's 10 points, with their reason.
        client.logObservation(me, obs(ObservationType.STEPS, 9000.0, ago(1, 0)))
        val points = client.points(me)
        assertEquals(10L, points.balance)
        assertEquals("goal-day", points.entries.single().rule)
        assertEquals(EntryReason.EARNED, points.entries.single().reason)
    }

    @Test
    fun kpiContributionsLeaveOnlyWithConsentForTheEvaluationPurpose() = runBlocking<Unit> {
        val (client, me) = newStore()
        client.setOperatorProfileJson(MUNICIPALITY)
        val before = client.kpiContributions(me)
        assertEquals(
            listOf("steps-8000", "weight-loss-2kg", "checkup-attendance", "hba1c-improved"),
            before.map { it.kpiId },
        )
        assertTrue(before.none { it.permitted || it.contributions.isNotEmpty() })
        client.setConsent(
            me,
            ConsentRequest("health-dept", listOf(DataCategory.LIFELOG), listOf("health_plan_evaluation"),
                Effect.PERMIT, null, null, null),
        )
        val after = client.kpiContributions(me).associateBy { it.kpiId }
        assertTrue(after.getValue("steps-8000").permitted)
        assertFalse("body was not consented", after.getValue("weight-loss-2kg").permitted)
        assertEquals(KpiMeasure.STEPS_AVERAGE, after.getValue("steps-8000").measure)
    }

    @Test
    fun aProfileThatIsNotValidIsRefusedNamingIt() = runBlocking<Unit> {
        val (client, _) = newStore()
        val e = assertThrows<PhrClientException.InvalidInput> {
            runBlocking { client.setOperatorProfileJson("""{"kind":"municipality"}""") }
        }
        assertEquals("operator_profile", e.field)
    }

    @Test
    fun aGrantLetsAFamilyMemberActUntilRevoked() = runBlocking<Unit> {
        val (client, me) = newStore()
        val son = client.addMember(person("taro", "太郎", birth = "1990-01-01"), MEMBER_PASSPHRASE, TEST_KDF).id
        val taro = client.switchTo("taro", MEMBER_PASSPHRASE)
        assertEquals(listOf(son), taro.subjectsOf())
        val d = client.grant(
            me,
            NewDelegation(Grantee.Person(son), listOf(Scope.VIEW, Scope.RECORD), null, null, null, null),
        )
        assertEquals(listOf(son, me), taro.subjectsOf())
        taro.logObservation(me, obs(ObservationType.WEIGHT, 52.0, ago(0)))
        assertEquals(1, taro.latest(me).size)
        assertTrue(client.whoCanAccess(me).any { it.delegationId == d.id && it.granteeNickname == "taro" })
        client.revoke(d.id)
        assertEquals(listOf(son), taro.subjectsOf())
        assertThrows<PhrClientException.NotPermitted> { runBlocking { taro.latest(me) } }
    }

    @Test
    fun anExportImportsIntoAnotherStoreAndAConsentGatedExportHoldsOnlyWhatIsPermitted() = runBlocking<Unit> {
        val (client, me) = newStore()
        client.logPressures(me, 3)
        val whole = client.exportFhirJson(me)
        assertEquals(3, count(whole, "Observation"))
        assertEquals(1, count(whole, "Patient"))

        // Nothing consented yet: the recipient's export carries nothing, not even the Patient.
        val nothing = client.exportFhirJson(me, RECIPIENT, GUIDANCE)
        assertEquals(0, count(nothing, "Observation"))
        assertEquals(0, count(nothing, "Patient"))
        client.setConsent(me, permit(listOf(DataCategory.VITALS), listOf(GUIDANCE)))
        assertEquals(3, count(client.exportFhirJson(me, RECIPIENT, GUIDANCE), "Observation"))

        val (other, her) = newStore()
        var lastProgress = 0L
        val summary = other.importFhir(her, whole.toByteArray()) { done, _ -> lastProgress = done }
        assertEquals(3, summary.imported.count { it.resourceType == "Observation" })
        assertEquals(3, other.timelinePage(her, 50u).records.size)
        assertTrue(lastProgress > 0)
        // The same file again changes nothing.
        val again = other.importFhir(her, whole.toByteArray())
        assertEquals(0, again.imported.size)
    }

    @Test
    fun aMalformedBundleNamesItsJsonPathAndStoresNothing() = runBlocking<Unit> {
        val (client, me) = newStore()
        val bad = """{"resourceType":"Bundle","type":"collection","entry":[
            {"resource":{"resourceType":"Observation","status":"final",
              "code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
              "effectiveDateTime":"2026-01-01T09:00:00+09:00",
              "valueQuantity":{"value":"heavy","unit":"kg"}}}]}"""
        val e = assertThrows<PhrClientException.InvalidInput> {
            runBlocking { client.importFhir(me, bad.toByteArray()) }
        }
        assertTrue(e.field, e.field.startsWith("entry[0].resource.valueQuantity"))
        assertTrue(client.latest(me).isEmpty())
    }

    @Test
    fun anExportFileNeverOverwrites() = runBlocking<Unit> {
        val (client, me) = newStore()
        client.logPressures(me, 2)
        val file = File(tempStoreDir(), "export.json")
        val written = client.exportFhirFile(me, file)
        assertEquals(file.length(), written.bytes.toLong())
        assertTrue(written.resources >= 3u)
        val before = file.readBytes()
        assertThrows<PhrClientException.AlreadyExists> { runBlocking { client.exportFhirFile(me, file) } }
        assertTrue(before.contentEquals(file.readBytes()))
    }

    @Test
    fun syncAsksTheKotlinTokenProviderRefreshesOnceAndKeepsTheAcceptedToken() = runBlocking<Unit> {
        val (client, me) = newStore()
        client.setConsent(me, permit(listOf(DataCategory.VITALS), listOf(GUIDANCE)))
        LoopbackFhir(accepted = "fresh").use { server ->
            val settings = SyncSettings(serverUrl = server.url, allowInsecureLoopback = true, maxAttempts = 2u)
            client.logPressures(me, 3) // queued by standing consent as it is written
            val tokens = AppTokens(first = "stale", refreshed = "fresh")
            val phases = Collections.synchronizedSet(mutableSetOf<SyncPhase>())
            val first = client.sync(me, RECIPIENT, settings, tokens) { phase, _, _ -> phases.add(phase) }
            assertEquals(3uL, first.pushed)
            assertEquals(0uL, first.remaining)
            assertEquals(1, tokens.refreshes.get())
            // The provider is told which server the token is for: the only one it will be sent to.
            assertEquals(listOf(server.url.substringBefore("/fhir")), tokens.origins.distinct())
            assertEquals(listOf("Bearer stale", "Bearer fresh"), server.authorizations.take(2))
            assertTrue(phases.contains(SyncPhase.PUSH))
            // The three readings and, first, the Patient they point at (with no detail).
            assertEquals(4, server.entriesReceived.get())
            assertTrue(client.pendingOutbox(me).isEmpty())

            // No provider next time: the token the server accepted was kept (encrypted).
            client.logPressures(me, 1) // queued by standing consent as it is written
            assertEquals(1uL, client.sync(me, RECIPIENT, settings).pushed)

            // Signed out: the kept token is gone, the provider cannot sign in, nothing is lost.
            assertTrue(client.forgetSyncToken(RECIPIENT))
            client.logPressures(me, 1) // queued by standing consent as it is written
            val cancelled = AppTokens(first = null, refreshed = null)
            assertThrows<PhrClientException.AuthRequired> {
                runBlocking { client.sync(me, RECIPIENT, settings, cancelled) }
            }
            assertEquals(1, cancelled.refreshes.get())
            assertEquals(1, client.pendingOutbox(me).size)
        }
    }

    @Test
    fun anUnreachableServerIsOfflineAndPlainHttpElsewhereIsRefused() = runBlocking<Unit> {
        val (client, me) = newStore()
        client.setConsent(me, permit(listOf(DataCategory.VITALS), listOf(GUIDANCE)))
        client.logPressures(me, 2) // queued by standing consent as it is written
        val closed = SyncSettings(serverUrl = "http://127.0.0.1:9/fhir", allowInsecureLoopback = true, maxAttempts = 1u)
        assertThrows<PhrClientException.Offline> { runBlocking { client.sync(me, RECIPIENT, closed) } }
        val e = assertThrows<PhrClientException.InvalidInput> {
            runBlocking {
                client.sync(me, RECIPIENT, SyncSettings(serverUrl = "http://fhir.example.jp/r4", allowInsecureLoopback = true))
            }
        }
        assertEquals("server_url", e.field)
        assertEquals(2, client.pendingOutbox(me).size)
    }
}
