package jp.phr.core.test

import jp.phr.core.client.PhrClient
import jp.phr.core.client.PhrClientException
import jp.phr.core.model.Channel
import jp.phr.core.model.ConsentRequest
import jp.phr.core.model.DataCategory
import jp.phr.core.model.Effect
import jp.phr.core.model.RequestKind
import jp.phr.core.model.RequestStatus
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

/** The resident's rights through the Kotlin layer (issue #20 items 2–3). */
class RightsTest {
    private fun newStore(): Pair<PhrClient, String> = runBlocking {
        val client = PhrClient.create(tempStoreDir(), PASSPHRASE, TEST_KDF)
        val me = client.addPerson(person("hanako", "花子")).id
        client.setOperatorProfileJson(MUNICIPALITY)
        client to me
    }

    @Test
    fun aConsentedExportIsInTheProvisionLogAndADisclosureHoldsIt() = runBlocking<Unit> {
        val (client, me) = newStore()
        client.logObservation(me, bp(128.0, 82.0, ago(1)))
        assertTrue(client.provisionLog(me).isEmpty())
        val permit = client.setConsent(
            me,
            ConsentRequest("health-dept", listOf(DataCategory.VITALS), listOf("specific_health_guidance"),
                Effect.PERMIT, null, null, null),
        )
        client.exportFhirJson(me, "health-dept", "specific_health_guidance")
        val entry = client.provisionLog(me).single()
        assertEquals(Channel.FILE, entry.channel)
        assertEquals(listOf(DataCategory.VITALS), entry.categories)
        assertEquals(listOf(permit.id), entry.directiveIds)
        assertTrue(client.provisionLogCsv(me).lines()[1].contains(",file,records,vitals,,1,"))
        val dir = File(tempStoreDir(), "disclosure")
        val d = client.requestDisclosure(me, dir.path)
        assertEquals(1uL, d.provisions)
        assertTrue(File(dir, "record.fhir.json").readText().contains("\"resourceType\":\"Bundle\""))
        assertEquals(RequestStatus.DONE, d.request.status)
    }

    @Test
    fun aPatientSummaryIsAnIpsDocumentUnderAPermitThatEnds() = runBlocking<Unit> {
        val (client, me) = newStore()
        client.logObservation(me, bp(128.0, 82.0, ago(1)))
        val until = ago(-30)
        val s = client.shareSummary(me, "health-dept", listOf(DataCategory.DEMOGRAPHICS, DataCategory.VITALS), until)
        assertEquals(1uL, s.records)
        assertTrue(s.documentJson.contains("\"type\":\"document\""))
        assertEquals(Channel.SUMMARY, client.provisionLog(me).single().channel)
        client.endSummaryShare(me, s.directiveId)
        val e = runCatching {
            client.shareSummary(me, "health-dept", listOf(DataCategory.VITALS), until)
        }.exceptionOrNull()
        assertEquals("categories", (e as PhrClientException.InvalidInput).field)
    }

    @Test
    fun aStopAndAnErasureAreRecordedWithTheirOutcomeAndARefusalSaysWhy() = runBlocking<Unit> {
        val (client, me) = newStore()
        client.logObservation(me, bp(128.0, 82.0, ago(1)))
        val stop = client.requestStopOfProvision(me, "health-dept")
        assertEquals(RequestKind.STOP_OF_PROVISION, stop.kind)
        val e = runCatching { client.requestStopOfProvision(me, "nobody") }.exceptionOrNull()
        assertEquals("recipient", (e as PhrClientException.InvalidInput).field)
        val erased = client.requestErasure(me)
        assertEquals("1 record(s) erased", erased.outcome)
        assertEquals(
            listOf(RequestStatus.DONE, RequestStatus.REFUSED, RequestStatus.DONE),
            client.residentRequests(me).map { it.status },
        )
        assertTrue(client.requestForOperator(me, erased.id).contains("消去の請求"))
    }
}
