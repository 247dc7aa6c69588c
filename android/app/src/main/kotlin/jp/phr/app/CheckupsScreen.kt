package jp.phr.app

// Checkups as the core reads them (PhrClient.checkups): every result with its unit, reference
// range and level against 保健指導判定値 / 受診勧奨判定値, the doctor's judgement, メタボ判定 and
// 保健指導レベル in words. An official result is never edited here: the person adds a correction
// note beside it (PhrClient.annotateRecord); the core keeps both.

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import jp.phr.core.model.CheckupReading
import jp.phr.core.model.ResultReading

@Composable
fun CheckupsScreen(vm: PhrViewModel) {
    val checkups by vm.checkups.collectAsState()
    if (checkups.isEmpty()) Text(stringResource(R.string.no_checkups_yet))
    LazyColumn {
        items(checkups, key = { it.recordId }) { c -> CheckupCard(vm, c) }
    }
}

@Composable
private fun CheckupCard(vm: PhrViewModel, c: CheckupReading) {
    Card(Modifier.fillMaxWidth().padding(vertical = 6.dp)) {
        Column(Modifier.padding(12.dp)) {
            Text("${c.date}  ${c.institution}", style = MaterialTheme.typography.titleMedium)
            c.judgement?.let { Text(stringResource(R.string.checkup_judgement, it)) }
            c.metabolicSyndrome?.let { Text(stringResource(R.string.checkup_metabolic, it)) }
            c.guidanceLevel?.let { Text(stringResource(R.string.checkup_guidance_level, it)) }
            c.results.forEach { r -> ResultLine(r) }
            c.corrections.forEach { n -> Text(stringResource(R.string.correction_shown, n.text)) }
            var note by remember { mutableStateOf("") }
            val label = stringResource(R.string.correction_note)
            OutlinedTextField(value = note, onValueChange = { note = it }, label = { Text(label) },
                modifier = Modifier.fillMaxWidth().semantics { contentDescription = label })
            val add = stringResource(R.string.add_correction_note)
            Button(onClick = { vm.annotate(c.recordId, note); note = "" }, enabled = note.isNotBlank(),
                modifier = Modifier.semantics { contentDescription = add }) { Text(add) }
        }
    }
}

@Composable
private fun ResultLine(r: ResultReading) {
    val value = listOfNotNull(r.value, r.unit).joinToString(" ")
    val range = when {
        r.refLow != null && r.refHigh != null -> " (${r.refLow}–${r.refHigh})"
        r.refHigh != null -> " (≤${r.refHigh})"
        r.refLow != null -> " (≥${r.refLow})"
        else -> ""
    }
    val level = r.level?.let { "  ${levelText(it)}" } ?: ""
    val line = "${r.name}: $value$range$level"
    Text(line, style = MaterialTheme.typography.bodyLarge,
        modifier = Modifier.padding(vertical = 2.dp).semantics { contentDescription = line })
}
