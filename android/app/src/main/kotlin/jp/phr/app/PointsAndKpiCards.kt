package jp.phr.app

// The points ledger (PhrClient.points: each award and reversal with its reason, and the
// balance) and what this person contributes to the operator's KPIs (PhrClient.kpiContributions:
// as the consent gate judges it now, pseudonymous and banded). The rules are the core's; these
// cards only show them.

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import jp.phr.core.KpiContributionView
import jp.phr.core.model.PointsLedger

@Composable
fun PointsCard(ledger: PointsLedger?) {
    val ja = japanese()
    Card(Modifier.fillMaxWidth().padding(vertical = 6.dp)) {
        Column(Modifier.padding(12.dp)) {
            Text(stringResource(R.string.points_title), style = MaterialTheme.typography.titleLarge)
            if (ledger == null || ledger.program == null) {
                Text(stringResource(R.string.points_no_programme))
                return@Column
            }
            Text(stringResource(R.string.points_balance, ledger.balance))
            if (ledger.entries.isEmpty()) Text(stringResource(R.string.points_none))
            // Newest first: the reason beside every entry, reversals with their minus sign.
            ledger.entries.asReversed().take(20).forEach { e ->
                val sign = if (e.points > 0) "+" else ""
                Text("$sign${e.points}  ${e.occasionDate}  ${if (ja) e.reasonJa else e.reasonEn}")
            }
        }
    }
}

@Composable
fun KpiCard(kpis: List<KpiContributionView>) {
    if (kpis.isEmpty()) return
    val ja = japanese()
    Card(Modifier.fillMaxWidth().padding(vertical = 6.dp)) {
        Column(Modifier.padding(12.dp)) {
            Text(stringResource(R.string.kpi_title), style = MaterialTheme.typography.titleLarge)
            Text(stringResource(R.string.kpi_explained), style = MaterialTheme.typography.bodySmall)
            kpis.forEach { k ->
                Text(if (ja) k.nameJa else k.nameEn, style = MaterialTheme.typography.titleSmall)
                when {
                    !k.permitted -> Text(stringResource(R.string.kpi_not_shared))
                    k.contributions.isEmpty() -> Text(stringResource(R.string.kpi_none_yet))
                    else -> k.contributions.forEach { c ->
                        val result = stringResource(if (c.meets) R.string.kpi_met else R.string.kpi_not_met)
                        val band = c.band?.let { " ($it)" } ?: ""
                        Text("${c.period}: $result$band ${c.groups.joinToString(" ")}")
                    }
                }
            }
        }
    }
}
