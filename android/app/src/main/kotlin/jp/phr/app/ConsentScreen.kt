// TODO(consent): placeholder only. The consent API (consent directives: recipient × data
// categories × purposes × period, default-deny) is being built in phr-core by a colleague;
// wire this screen to it when it lands. No consent logic lives here, not even a fake toggle state.
package jp.phr.app

import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics

@Composable
fun ConsentScreen() {
    val text = stringResource(R.string.consent_placeholder)
    Text(text, modifier = Modifier.semantics { contentDescription = text })
}
