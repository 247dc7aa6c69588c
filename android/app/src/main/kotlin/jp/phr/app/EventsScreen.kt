package jp.phr.app

// The operator's walking events as the core lists them (PhrClient.walkingEvents): period,
// targets, whether this person takes part and how far along. Joining and leaving are consent
// decisions the core records (the organiser gets daily step totals only); the receipt of each
// is shown at once.

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import jp.phr.core.model.EventPhase
import jp.phr.core.model.EventProgress

@Composable
fun EventsScreen(vm: PhrViewModel) {
    val events by vm.events.collectAsState()
    val receipt by vm.receipt.collectAsState()
    val points by vm.points.collectAsState()
    val kpis by vm.kpis.collectAsState()
    if (events.isEmpty()) Text(stringResource(R.string.no_events))
    LazyColumn {
        items(events, key = { it.event.id }) { p -> EventCard(vm, p) }
        item(key = "points") { PointsCard(points) }
        item(key = "kpis") { KpiCard(kpis) }
    }
    val ja = japanese()
    receipt?.let { r ->
        AlertDialog(
            onDismissRequest = { vm.showReceipt(null) },
            confirmButton = { TextButton(onClick = { vm.showReceipt(null) }) { Text(stringResource(R.string.close)) } },
            title = { Text(stringResource(R.string.consent_receipt)) },
            text = { Column { Text(if (ja) r.textJa else r.textEn, style = MaterialTheme.typography.bodyMedium) } },
        )
    }
}

@Composable
private fun EventCard(vm: PhrViewModel, p: EventProgress) {
    val e = p.event
    val ja = japanese()
    Card(Modifier.fillMaxWidth().padding(vertical = 6.dp)) {
        Column(Modifier.padding(12.dp)) {
            Text(if (ja) e.nameJa else e.nameEn, style = MaterialTheme.typography.titleLarge)
            Text(stringResource(R.string.event_period, e.from, e.to, phaseText(p.phase)))
            e.dailyTarget?.let { Text(stringResource(R.string.event_daily_target, it.toInt())) }
            e.totalTarget?.let { total ->
                Text(stringResource(R.string.event_total, p.totalSteps.toLong(), total.toInt()))
                LinearProgressIndicator(
                    progress = { (p.totalSteps.toFloat() / total.toFloat()).coerceAtMost(1f) },
                    modifier = Modifier.fillMaxWidth().padding(vertical = 4.dp),
                )
            }
            if (p.joined) {
                Text(stringResource(R.string.event_days_met, p.daysMet.toInt(), p.days.size))
                if (p.completed) Text(stringResource(R.string.event_completed))
                val leave = stringResource(R.string.event_leave)
                TextButton(
                    onClick = { vm.setEventMembership(e.id, join = false) },
                    modifier = Modifier.semantics { contentDescription = leave },
                ) { Text(leave) }
            } else if (p.phase != EventPhase.ENDED) {
                Text(stringResource(R.string.event_join_explained))
                Row {
                    val join = stringResource(R.string.event_join)
                    Button(
                        onClick = { vm.setEventMembership(e.id, join = true) },
                        modifier = Modifier.semantics { contentDescription = join },
                    ) { Text(join) }
                    e.teams.forEach { t ->
                        val label = stringResource(R.string.event_join_team, t.name)
                        TextButton(
                            onClick = { vm.setEventMembership(e.id, join = true, team = t.id) },
                            modifier = Modifier.semantics { contentDescription = label },
                        ) { Text(label) }
                    }
                }
            }
        }
    }
}

@Composable
private fun phaseText(phase: EventPhase): String = when (phase) {
    EventPhase.UPCOMING -> stringResource(R.string.event_upcoming)
    EventPhase.RUNNING -> stringResource(R.string.event_running)
    EventPhase.ENDED -> stringResource(R.string.event_ended)
}
