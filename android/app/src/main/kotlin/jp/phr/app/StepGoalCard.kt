package jp.phr.app

// Today's steps against the daily goal, the week and the streak, as the core computes them
// (PhrClient.stepProgress); a new goal from today, or back to the guideline's for the age. The
// range and the guideline are the core's: a refused goal comes back as InvalidInput("daily_steps").

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
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
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import jp.phr.core.model.GoalSource
import jp.phr.core.model.StepProgress

@Composable
fun goalSourceText(source: GoalSource): String = when (source) {
    GoalSource.PERSONAL -> stringResource(R.string.goal_source_personal)
    GoalSource.ADULT_GUIDELINE -> stringResource(R.string.goal_source_adult)
    GoalSource.OLDER_ADULT_GUIDELINE -> stringResource(R.string.goal_source_older_adult)
}

@Composable
fun StepGoalCard(vm: PhrViewModel) {
    val p by vm.steps.collectAsState()
    val progress = p ?: return
    Card(Modifier.fillMaxWidth().padding(vertical = 6.dp)) {
        Column(Modifier.padding(12.dp)) {
            StepGoalSummary(progress)
            StepGoalEditor(vm, progress)
        }
    }
}

@Composable
private fun StepGoalSummary(p: StepProgress) {
    val goal = p.goal.dailySteps.toInt()
    val today = stringResource(R.string.steps_today, p.todaySteps.toInt(), goal)
    Text(today, style = MaterialTheme.typography.titleLarge, modifier = Modifier.semantics { contentDescription = today })
    LinearProgressIndicator(
        progress = { (p.todaySteps.toFloat() / goal.coerceAtLeast(1)).coerceAtMost(1f) },
        modifier = Modifier.fillMaxWidth().padding(vertical = 4.dp),
    )
    Text(
        if (p.remainingToday == 0u) stringResource(R.string.steps_goal_met)
        else stringResource(R.string.steps_to_go, p.remainingToday.toInt()),
    )
    Text(stringResource(R.string.steps_goal_source, goalSourceText(p.goal.source)))
    if (p.goal.source == GoalSource.PERSONAL) {
        Text(stringResource(R.string.steps_guideline_is, p.guideline.dailySteps.toInt()))
    }
    Text(stringResource(R.string.steps_week, p.weekDaysMet.toInt(), p.week.size, p.weekSteps.toInt()))
    Text(stringResource(R.string.steps_streak, p.streakDays.toInt()))
}

@Composable
private fun StepGoalEditor(vm: PhrViewModel, p: StepProgress) {
    var text by remember(p.goal) { mutableStateOf(p.goal.dailySteps.toString()) }
    val label = stringResource(R.string.steps_new_goal)
    Row {
        OutlinedTextField(
            value = text,
            onValueChange = { text = it.filter(Char::isDigit).take(6) },
            label = { Text(label) },
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
            modifier = Modifier.weight(1f).semantics { contentDescription = label },
        )
        val save = stringResource(R.string.save)
        Button(
            onClick = { text.toIntOrNull()?.let { vm.setStepGoal(it) } },
            modifier = Modifier.padding(start = 8.dp).semantics { contentDescription = save },
        ) { Text(save) }
    }
    if (p.goal.source == GoalSource.PERSONAL) {
        val reset = stringResource(R.string.steps_use_guideline)
        TextButton(onClick = { vm.setStepGoal(null) }, modifier = Modifier.semantics { contentDescription = reset }) { Text(reset) }
    }
}
