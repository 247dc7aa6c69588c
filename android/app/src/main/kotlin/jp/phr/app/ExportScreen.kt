// TODO(export): placeholder only. Export/share goes through the core's consent gate (the one
// choke point deciding what may leave the device), which arrives with the consent API from a
// colleague; wire this screen to it then. No export logic lives here.
package jp.phr.app

import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics

@Composable
fun ExportScreen() {
    val text = stringResource(R.string.export_placeholder)
    Text(text, modifier = Modifier.semantics { contentDescription = text })
}
