package jp.phr.app

// Thin Compose screens. Text sizes use `sp` from MaterialTheme so the system font scale
// (large text) applies everywhere; every control has a contentDescription. Values, units,
// summaries and guidance levels come from the core (PhrClient.dashboard, recordSummary,
// displayUnit, formatValue, observationTypeLabel): nothing here formats or judges health data.

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import jp.phr.core.client.PhrClientException
import jp.phr.core.displayUnit
import jp.phr.core.glucoseTimingLabel
import jp.phr.core.glucoseTimings
import jp.phr.core.model.GlucoseTiming
import jp.phr.core.personDisplayName
import jp.phr.core.model.Level
import jp.phr.core.model.ObservationType
import jp.phr.core.observationTypeLabel
import jp.phr.core.recordSummary

@Composable
fun errorText(e: PhrClientException?): String? = when (e) {
    null -> null
    is PhrClientException.WrongPassphrase -> stringResource(R.string.wrong_passphrase)
    is PhrClientException.WeakPassphrase -> stringResource(R.string.weak_passphrase, e.hint)
    is PhrClientException.TooManyAttempts -> stringResource(R.string.too_many_attempts, e.retryAfterSeconds)
    is PhrClientException.AuditRollback -> stringResource(R.string.audit_rollback)
    is PhrClientException.Locked -> stringResource(R.string.locked)
    is PhrClientException.NotPermitted -> stringResource(R.string.not_permitted)
    is PhrClientException.InvalidInput -> stringResource(R.string.invalid_input, e.field, e.reason)
    is PhrClientException.AlreadyExists -> stringResource(R.string.already_exists)
    is PhrClientException.Offline -> stringResource(R.string.offline)
    is PhrClientException.AuthRequired -> stringResource(R.string.auth_required)
    is PhrClientException.TlsUnavailable -> stringResource(R.string.tls_unavailable)
    is PhrClientException.ServerRejected -> stringResource(R.string.server_rejected, e.status)
    else -> stringResource(R.string.storage_failure)
}

@Composable
fun levelText(level: Level): String = when (level) {
    Level.NORMAL -> stringResource(R.string.level_normal)
    Level.GUIDANCE -> stringResource(R.string.level_guidance)
    Level.SEE_DOCTOR -> stringResource(R.string.level_see_doctor)
}

@Composable
fun UnlockScreen(vm: PhrViewModel) {
    var passphrase by remember { mutableStateOf("") }
    val error by vm.error.collectAsState()
    val label = stringResource(R.string.passphrase)
    Column(Modifier.padding(24.dp)) {
        Text(stringResource(R.string.unlock_title), style = MaterialTheme.typography.headlineMedium)
        OutlinedTextField(
            value = passphrase,
            onValueChange = { passphrase = it },
            label = { Text(label) },
            visualTransformation = PasswordVisualTransformation(),
            modifier = Modifier.fillMaxWidth().semantics { contentDescription = label },
        )
        errorText(error)?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        val unlock = stringResource(R.string.unlock)
        Button(onClick = { vm.unlock(passphrase) }, modifier = Modifier.semantics { contentDescription = unlock }) { Text(unlock) }
        val bio = stringResource(R.string.unlock_biometric)
        val activity = androidx.compose.ui.platform.LocalContext.current as MainActivity
        TextButton(onClick = { activity.unlockWithBiometrics() }, modifier = Modifier.semantics { contentDescription = bio }) { Text(bio) }
    }
}

private enum class Tab(val label: Int) { Today(R.string.today), Log(R.string.log), Checkups(R.string.checkups), Events(R.string.events), Timeline(R.string.timeline), Family(R.string.family), Consent(R.string.consent), Export(R.string.export), Rights(R.string.rights) }

@Composable
fun HomeScreen(vm: PhrViewModel) {
    var tab by remember { mutableStateOf(Tab.Today) }
    Scaffold(bottomBar = {
        NavigationBar {
            Tab.entries.forEach { t ->
                val label = stringResource(t.label)
                NavigationBarItem(
                    selected = tab == t,
                    onClick = { tab = t },
                    icon = {},
                    label = { Text(label) },
                    modifier = Modifier.semantics { contentDescription = label },
                )
            }
        }
    }) { padding ->
        Column(Modifier.padding(padding).padding(16.dp)) {
            val subject by vm.subject.collectAsState()
            subject?.let { Text(stringResource(R.string.acting_for, it.details.givenName), style = MaterialTheme.typography.titleMedium) }
            errorText(vm.error.collectAsState().value)?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            when (tab) {
                Tab.Today -> TodayScreen(vm)
                Tab.Log -> LogScreen(vm)
                Tab.Checkups -> CheckupsScreen(vm)
                Tab.Events -> EventsScreen(vm)
                Tab.Timeline -> TimelineScreen(vm)
                Tab.Family -> FamilyScreen(vm)
                Tab.Consent -> ConsentScreen(vm)
                Tab.Export -> ExportScreen(vm)
                Tab.Rights -> RightsScreen(vm)
            }
        }
    }
}

@Composable
fun TodayScreen(vm: PhrViewModel) {
    val items by vm.dashboard.collectAsState()
    val trend by vm.trend.collectAsState()
    SummaryCard(vm)
    StepGoalCard(vm)
    if (items.isEmpty()) Text(stringResource(R.string.no_values_yet))
    LazyColumn {
        items(items) { item ->
            Card(Modifier.fillMaxWidth().padding(vertical = 6.dp).semantics { contentDescription = item.summary }) {
                Column(Modifier.padding(12.dp)) {
                    Text(item.summary, style = MaterialTheme.typography.titleLarge)
                    item.level?.let { level ->
                        val text = levelText(level)
                        val cd = stringResource(R.string.cd_level, text)
                        Text(text, modifier = Modifier.semantics { contentDescription = cd })
                    }
                    val label = observationTypeLabel(item.observationType)
                    val cd = stringResource(R.string.cd_trend, label)
                    Text(stringResource(R.string.trend_30_days))
                    TrendLine(trend[item.observationType].orEmpty().map { it.mean ?: it.sum }, Modifier.semantics { contentDescription = cd })
                }
            }
        }
    }
}

/** A plain line through the daily values (means, or sums for steps and sleep); gaps skipped. */
@Composable
fun TrendLine(values: List<Double?>, modifier: Modifier = Modifier) {
    Canvas(modifier.fillMaxWidth().height(64.dp)) {
        val present = values.filterNotNull()
        if (present.size < 2) return@Canvas
        val lo = present.min()
        val span = (present.max() - lo).takeIf { it > 0 } ?: 1.0
        val step = size.width / (values.size - 1).coerceAtLeast(1)
        var last: Offset? = null
        values.forEachIndexed { i, v ->
            if (v == null) return@forEachIndexed
            val p = Offset(i * step, (size.height * (1 - (v - lo) / span)).toFloat())
            last?.let { drawLine(Color.Gray, it, p, strokeWidth = 4f) }
            last = p
        }
    }
}

@Composable
fun LogScreen(vm: PhrViewModel) {
    var type by remember { mutableStateOf(ObservationType.BLOOD_PRESSURE) }
    var value by remember { mutableStateOf("") }
    var value2 by remember { mutableStateOf("") }
    var timing by remember { mutableStateOf<GlucoseTiming?>(null) }
    Column {
        Text(stringResource(R.string.log_vitals), style = MaterialTheme.typography.headlineSmall)
        LazyColumn(Modifier.height(160.dp)) {
            items(jp.phr.core.observationTypes().filter { it != ObservationType.BMI }) { t ->
                val label = observationTypeLabel(t)
                TextButton(onClick = { type = t }, modifier = Modifier.semantics { contentDescription = label }) {
                    Text(if (t == type) "● $label" else label)
                }
            }
        }
        val valueLabel = "${stringResource(R.string.value)} (${displayUnit(type)})"
        OutlinedTextField(value, { value = it }, label = { Text(valueLabel) }, modifier = Modifier.semantics { contentDescription = valueLabel })
        if (type == ObservationType.BLOOD_PRESSURE) {
            val dia = stringResource(R.string.diastolic)
            OutlinedTextField(value2, { value2 = it }, label = { Text(dia) }, modifier = Modifier.semantics { contentDescription = dia })
        }
        if (type == ObservationType.BLOOD_GLUCOSE) {
            // The core refuses a glucose reading without its timing (fasting and after-meal
            // values are judged against different thresholds).
            Row {
                glucoseTimings().forEach { t ->
                    val label = glucoseTimingLabel(t)
                    TextButton(onClick = { timing = t }, modifier = Modifier.semantics { contentDescription = label }) {
                        Text(if (t == timing) "● $label" else label)
                    }
                }
            }
        }
        val save = stringResource(R.string.save)
        // Range and plausibility checks are the core's: a refused value comes back as InvalidInput.
        Button(onClick = { vm.log(type, value.toDoubleOrNull() ?: Double.NaN, value2.toDoubleOrNull(), timing) },
            modifier = Modifier.semantics { contentDescription = save }) { Text(save) }
    }
}

@Composable
fun TimelineScreen(vm: PhrViewModel) {
    val records by vm.timeline.collectAsState()
    LazyColumn {
        items(records, key = { it.meta.id }) { r ->
            val summary = recordSummary(r.body)
            Text(summary, style = MaterialTheme.typography.bodyLarge,
                modifier = Modifier.padding(vertical = 8.dp).semantics { contentDescription = summary })
        }
        item {
            val more = stringResource(R.string.load_more)
            TextButton(onClick = { vm.loadMoreTimeline() }, modifier = Modifier.semantics { contentDescription = more }) { Text(more) }
        }
    }
}

@Composable
fun FamilyScreen(vm: PhrViewModel) {
    val family by vm.family.collectAsState()
    LazyColumn {
        items(family, key = { it.id }) { p ->
            val name = personDisplayName(p)
            Row {
                TextButton(onClick = { vm.switchTo(p) }, modifier = Modifier.semantics { contentDescription = name }) {
                    Text(name, style = MaterialTheme.typography.titleLarge)
                }
            }
        }
    }
}
