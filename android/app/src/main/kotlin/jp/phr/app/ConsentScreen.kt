package jp.phr.app

// Sharing settings: one switch per purpose × recipient × data category, as the core reports
// them (default deny), with the decision history under them and a receipt per decision. The
// switch only asks the core to record a permit or a deny; what is permitted is the core's answer.

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalConfiguration
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import jp.phr.core.dataCategoryLabelEn
import jp.phr.core.dataCategoryLabelJa
import jp.phr.core.model.DataCategory
import jp.phr.core.model.Effect

@Composable
internal fun japanese(): Boolean = LocalConfiguration.current.locales[0].language == "ja"

@Composable
fun categoryLabel(c: DataCategory): String = if (japanese()) dataCategoryLabelJa(c) else dataCategoryLabelEn(c)

@Composable
fun ConsentScreen(vm: PhrViewModel) {
    val state by vm.consent.collectAsState()
    val history by vm.consentHistory.collectAsState()
    val receipt by vm.receipt.collectAsState()
    val ja = japanese()
    LazyColumn(modifier = Modifier.padding(16.dp)) {
        for (purpose in state?.purposes.orEmpty()) {
            item(key = "p-${purpose.code}") {
                Text(if (ja) purpose.labelJa else purpose.labelEn, style = MaterialTheme.typography.titleLarge,
                    modifier = Modifier.padding(top = 16.dp))
                purpose.statutoryBasis?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
            }
            items(purpose.toggles, key = { "t-${purpose.code}-${it.recipient}-${it.category}" }) { t ->
                val label = stringResource(R.string.consent_toggle, t.recipientName, categoryLabel(t.category))
                val status = stringResource(if (t.permitted) R.string.consent_on else R.string.consent_off)
                Row(modifier = Modifier.fillMaxWidth().padding(vertical = 4.dp)) {
                    Text(label, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.weight(1f))
                    Switch(
                        checked = t.permitted,
                        onCheckedChange = { vm.setToggle(purpose.code, t, it) },
                        modifier = Modifier.semantics { contentDescription = "$label: $status" },
                    )
                }
            }
        }
        item { Text(stringResource(R.string.consent_history), style = MaterialTheme.typography.titleLarge,
            modifier = Modifier.padding(top = 24.dp)) }
        items(history.reversed(), key = { it.id }) { d ->
            val what = stringResource(if (d.effect == Effect.PERMIT) R.string.consent_permitted else R.string.consent_denied)
            val line = "$what · ${d.recipient} · ${d.categories.map { categoryLabel(it) }.joinToString()}"
            TextButton(onClick = { vm.showReceipt(d.id) }, modifier = Modifier.semantics {
                contentDescription = line
            }) { Text(line, style = MaterialTheme.typography.bodyLarge) }
        }
    }
    receipt?.let { r ->
        AlertDialog(
            onDismissRequest = { vm.showReceipt(null) },
            confirmButton = { TextButton(onClick = { vm.showReceipt(null) }) { Text(stringResource(R.string.close)) } },
            title = { Text(stringResource(R.string.consent_receipt)) },
            text = { Column { Text(if (ja) r.textJa else r.textEn, style = MaterialTheme.typography.bodyMedium) } },
        )
    }
}
