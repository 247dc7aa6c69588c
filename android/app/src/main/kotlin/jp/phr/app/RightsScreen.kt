package jp.phr.app

// The operator and the resident's rights, thin over the core: who runs the service (the
// operator profile's `about`, APPI art. 32), what left the device (the provision log), and the
// requests — disclosure, stop of provision, erasure — each one core call, listed with the
// outcome the core recorded. Corrections are made from a record (annotate / correct).

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
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

@Composable
fun RightsScreen(vm: PhrViewModel) {
    val profile by vm.profile.collectAsState()
    val provisions by vm.provisions.collectAsState()
    val requests by vm.requests.collectAsState()
    val disclosure by vm.disclosure.collectAsState()
    var confirmErase by remember { mutableStateOf(false) }
    LaunchedEffect(Unit) { vm.loadRights() }
    Column(modifier = Modifier.padding(16.dp).verticalScroll(rememberScrollState())) {
        Text(stringResource(R.string.about_operator), style = MaterialTheme.typography.titleMedium)
        profile?.let { p ->
            Text(p.name, style = MaterialTheme.typography.bodyLarge)
            p.about?.let { a ->
                Text(a.address)
                Text(a.representative)
                Text(a.requestProcedure, modifier = Modifier.padding(top = 4.dp))
                a.safetyMeasures.forEach { Text("・$it") }
            }
            Text(stringResource(R.string.inquiry_window, p.inquiry.phone, p.inquiry.hours))
        }
        Text(stringResource(R.string.provision_log), style = MaterialTheme.typography.titleMedium,
            modifier = Modifier.padding(top = 16.dp))
        if (provisions.isEmpty()) Text(stringResource(R.string.provision_log_empty))
        provisions.forEach { e ->
            Text(stringResource(R.string.provision_line, e.at.utcSeconds.toString(), e.recipientName,
                e.categories.joinToString("・") { categoryLabel(it) }, e.itemCount.toLong()))
        }
        Text(stringResource(R.string.requests), style = MaterialTheme.typography.titleMedium,
            modifier = Modifier.padding(top = 16.dp))
        val disclose = stringResource(R.string.request_disclosure)
        Button(onClick = { vm.requestDisclosure() }, modifier = Modifier.semantics { contentDescription = disclose }) {
            Text(disclose)
        }
        disclosure?.let { (_, d) -> Text(stringResource(R.string.disclosed, d.resources.toLong(), d.provisions.toLong())) }
        for (r in profile?.recipients.orEmpty()) {
            val label = stringResource(R.string.request_stop, r.name)
            Button(onClick = { vm.requestStop(r.id) }, modifier = Modifier.padding(top = 8.dp)
                .semantics { contentDescription = label }) { Text(label) }
        }
        val erase = stringResource(R.string.request_erasure)
        Button(onClick = { confirmErase = true }, modifier = Modifier.padding(top = 8.dp)
            .semantics { contentDescription = erase }) { Text(erase) }
        requests.forEach { r -> Text("${r.kind.name} ${r.status.name}: ${r.outcome.orEmpty()}") }
    }
    if (confirmErase) {
        AlertDialog(
            onDismissRequest = { confirmErase = false },
            text = { Text(stringResource(R.string.request_erasure_confirm)) },
            confirmButton = { TextButton(onClick = { confirmErase = false; vm.requestErasureOfAll() }) { Text(stringResource(R.string.erase)) } },
            dismissButton = { TextButton(onClick = { confirmErase = false }) { Text(stringResource(R.string.cancel)) } },
        )
    }
}
