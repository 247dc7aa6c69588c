// Today's steps against the daily goal, the week and the streak, as the core computes them
// (PHRClient.stepProgress); a new goal from today, or back to the guideline's for the age. The
// range and the guideline are the core's: a refused goal comes back as .invalidInput("daily_steps").

import PHRCore
import SwiftUI

func goalSourceText(_ source: GoalSource) -> LocalizedStringKey {
    switch source {
    case .personal: return "goal_source_personal"
    case .adultGuideline: return "goal_source_adult"
    case .olderAdultGuideline: return "goal_source_older_adult"
    }
}

struct StepGoalView: View {
    @EnvironmentObject var model: AppModel
    let progress: StepProgress
    @State private var text = ""

    var body: some View {
        let p = progress
        let goal = Int(p.goal.dailySteps)
        VStack(alignment: .leading, spacing: 4) {
            Text("steps_today \(Int(p.todaySteps)) \(goal)").font(.title3)
            ProgressView(value: min(Double(p.todaySteps) / Double(max(goal, 1)), 1))
            if p.remainingToday == 0 {
                Text("steps_goal_met")
            } else {
                Text("steps_to_go \(Int(p.remainingToday))")
            }
            HStack(spacing: 4) {
                Text("steps_goal_source")
                Text(goalSourceText(p.goal.source))
            }
            if p.goal.source == .personal {
                Text("steps_guideline_is \(Int(p.guideline.dailySteps))")
            }
            Text("steps_week \(Int(p.weekDaysMet)) \(p.week.count) \(Int(p.weekSteps))")
            Text("steps_streak \(Int(p.streakDays))")
            HStack {
                TextField("steps_new_goal", text: $text)
                    .accessibilityLabel(Text("steps_new_goal"))
                Button("save") {
                    if let n = UInt32(text.filter(\.isNumber)) { model.setStepGoal(n) }
                }
            }
            if p.goal.source == .personal {
                Button("steps_use_guideline") { model.setStepGoal(nil) }
            }
        }
        .onAppear { text = String(p.goal.dailySteps) }
    }
}
