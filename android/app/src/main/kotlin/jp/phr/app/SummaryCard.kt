package jp.phr.app

// The morning summary as the core gathers it (PhrClient.overview): the last checkup and when the
// next is due, who receives what by consent, who else may see the record, and what waits to sync.
// The latest values and steps are the Today screen's tiles and step card below it.

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import jp.phr.core.model.Overview
import jp.phr.core.model.RecordBody
import jp.phr.core.scopeLabelEn
import jp.phr.core.scopeLabelJa

@Composable
fun SummaryCard(vm: PhrViewModel) {
    val o by vm.overview.collectAsState()
    val overview = o ?: return
    Card(Modifier.fillMaxWidth().padding(vertical = 6.dp)) {
        Column(Modifier.padding(12.dp)) {
            Text(stringResource(R.string.summary_title), style = MaterialTheme.typography.titleLarge)
            Checkups(overview)
            Sharing(overview)
            Family(overview)
            Waiting(overview)
        }
    }
}

@Composable
private fun Checkups(o: Overview) {
    val last = o.lastCheckup?.body as? RecordBody.Checkup
    if (last == null) {
        Text(stringResource(R.string.no_checkups_yet))
        return
    }
    Text(stringResource(R.string.summary_last_checkup, last.v1.date, last.v1.institution))
    o.nextCheckupDue?.let { Text(stringResource(R.string.summary_next_checkup, it)) }
}

@Composable
private fun Sharing(o: Overview) {
    Text(stringResource(R.string.summary_shared), style = MaterialTheme.typography.titleMedium)
    if (o.shared.isEmpty()) Text(stringResource(R.string.summary_shared_nothing))
    val ja = japanese()
    o.shared.forEach { s ->
        val purpose = if (ja) s.purposeLabelJa else s.purposeLabelEn
        Text("${s.recipientName} — $purpose: ${s.categories.joinToString(", ") { categoryLabel(it) }}")
    }
    if (o.awaitingReconsent > 0u) Text(stringResource(R.string.summary_reconsent, o.awaitingReconsent.toInt()))
}

@Composable
private fun Family(o: Overview) {
    Text(stringResource(R.string.summary_family), style = MaterialTheme.typography.titleMedium)
    if (o.family.isEmpty()) Text(stringResource(R.string.summary_family_nobody))
    val ja = japanese()
    o.family.forEach { g ->
        val rights = g.scopes.joinToString(", ") { if (ja) scopeLabelJa(it) else scopeLabelEn(it) }
        Text("${g.granteeNickname ?: "?"}: $rights")
    }
}

@Composable
private fun Waiting(o: Overview) {
    val items = o.waitingToSync.sumOf { it.items.toInt() }
    Text(
        if (items == 0) stringResource(R.string.summary_sync_nothing)
        else stringResource(R.string.summary_sync_waiting, items),
    )
}
