package jp.phr.app

// Export and share: the whole record, or exactly what the resident's consent releases to one
// recipient for one purpose (the core's release gate decides), written by the core as a FHIR R4
// JP Core file and handed to the Android share sheet. Import a FHIR or checkup XML file; sync
// with a recipient's platform. Every count shown comes from the core's summaries.

import android.content.Intent
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import androidx.core.content.FileProvider

@Composable
fun ExportScreen(vm: PhrViewModel) {
    val context = LocalContext.current
    val profile by vm.profile.collectAsState()
    val exported by vm.exported.collectAsState()
    val imported by vm.imported.collectAsState()
    val synced by vm.synced.collectAsState()
    val picker = rememberLauncherForActivityResult(ActivityResultContracts.OpenDocument()) { uri ->
        if (uri != null) {
            context.contentResolver.openInputStream(uri)?.use { vm.import(it.readBytes()) }
        }
    }
    LaunchedEffect(exported) {
        val (file, _) = exported ?: return@LaunchedEffect
        val uri = FileProvider.getUriForFile(context, "${context.packageName}.exports", file)
        val send = Intent(Intent.ACTION_SEND).setType("application/fhir+json")
            .putExtra(Intent.EXTRA_STREAM, uri).addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
        context.startActivity(Intent.createChooser(send, null))
    }
    Column(modifier = Modifier.padding(16.dp).verticalScroll(rememberScrollState())) {
        val whole = stringResource(R.string.export_whole)
        Button(onClick = { vm.export(null, null) }, modifier = Modifier.semantics { contentDescription = whole }) { Text(whole) }
        for (purpose in profile?.purposes.orEmpty()) {
            for (recipient in purpose.recipients) {
                val name = profile?.recipients?.firstOrNull { it.id == recipient }?.name ?: recipient
                val label = stringResource(R.string.export_for, name, if (japanese()) purpose.labelJa else purpose.labelEn)
                Button(onClick = { vm.export(recipient, purpose.code) }, modifier = Modifier.padding(top = 8.dp)
                    .semantics { contentDescription = label }) { Text(label) }
            }
        }
        exported?.let { (_, s) ->
            Text(stringResource(R.string.exported, s.resources.toLong()), style = MaterialTheme.typography.bodyLarge)
        }
        val importLabel = stringResource(R.string.import_file)
        Button(onClick = { picker.launch(arrayOf("application/json", "application/fhir+json", "text/xml", "application/xml")) },
            modifier = Modifier.padding(top = 24.dp).semantics { contentDescription = importLabel }) { Text(importLabel) }
        imported?.let {
            Text(stringResource(R.string.imported, it.imported.size, it.updated.size, it.skipped.size, it.documents.size),
                style = MaterialTheme.typography.bodyLarge)
        }
        for (recipient in profile?.recipients.orEmpty().filter { it.fhirEndpoint != null }) {
            val label = stringResource(R.string.sync_with, recipient.name)
            Button(onClick = { vm.sync(recipient.id) }, modifier = Modifier.padding(top = 24.dp)
                .semantics { contentDescription = label }) { Text(label) }
        }
        synced?.let {
            Text(stringResource(R.string.synced, it.pushed.toLong(), it.imported.toLong(), it.remaining.toLong()),
                style = MaterialTheme.typography.bodyLarge)
        }
    }
}
