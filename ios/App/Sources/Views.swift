// Thin SwiftUI screens. Dynamic Type everywhere (system text styles, no fixed sizes) and an
// accessibilityLabel on every control. Summaries, units, labels and levels come from PHRCore.
import PHRCore
import SwiftUI

func errorText(_ e: PHRClientError?) -> LocalizedStringKey? {
    switch e {
    case nil: return nil
    case .wrongPassphrase?: return "wrong_passphrase"
    case let .weakPassphrase(_, hint)?: return "weak_passphrase \(hint)"
    case let .tooManyAttempts(retryAfter)?: return "too_many_attempts \(Int(retryAfter))"
    case .auditRollback?: return "audit_rollback"
    case .locked?: return "locked"
    case .notPermitted?: return "not_permitted"
    case let .invalidInput(field, reason)?: return "invalid_input \(field) \(reason)"
    case .alreadyExists?: return "already_exists"
    case .offline?: return "offline"
    case .authRequired?: return "auth_required"
    case .tlsUnavailable?: return "tls_unavailable"
    case let .serverRejected(status)?: return "server_rejected \(Int(status))"
    default: return "storage_failure"
    }
}

func levelText(_ l: Level) -> LocalizedStringKey {
    switch l {
    case .normal: return "level_normal"
    case .guidance: return "level_guidance"
    case .seeDoctor: return "level_see_doctor"
    }
}

struct UnlockView: View {
    @EnvironmentObject var model: AppModel
    @State private var passphrase = ""
    var body: some View {
        Form {
            Text("unlock_title").font(.title)
            SecureField("passphrase", text: $passphrase).accessibilityLabel(Text("passphrase"))
            if let e = errorText(model.error) { Text(e).foregroundColor(.red) }
            Button("unlock") { model.unlock(passphrase: passphrase) }.accessibilityLabel(Text("unlock"))
            Button("unlock_biometric") { model.unlockWithBiometrics() }.accessibilityLabel(Text("unlock_biometric"))
        }
    }
}

struct HomeView: View {
    @EnvironmentObject var model: AppModel
    var body: some View {
        TabView {
            TodayView().tabItem { Text("today") }.accessibilityLabel(Text("today"))
            LogView().tabItem { Text("log") }.accessibilityLabel(Text("log"))
            CheckupsView().tabItem { Text("checkups") }.accessibilityLabel(Text("checkups"))
            EventsView().tabItem { Text("events") }.accessibilityLabel(Text("events"))
            TimelineView().tabItem { Text("timeline") }.accessibilityLabel(Text("timeline"))
            FamilyView().tabItem { Text("family") }.accessibilityLabel(Text("family"))
            ConsentView().tabItem { Text("consent") }.accessibilityLabel(Text("consent"))
            ExportView().tabItem { Text("export") }.accessibilityLabel(Text("export"))
            RightsView().tabItem { Text("rights") }.accessibilityLabel(Text("rights"))
        }
    }
}

struct TodayView: View {
    @EnvironmentObject var model: AppModel
    var body: some View {
        List {
            if let s = model.subject { Text("acting_for \(s.details.givenName)").font(.headline) }
            if let e = errorText(model.error) { Text(e).foregroundColor(.red) }
            if let o = model.overview { SummaryView(overview: o) }
            if let p = model.steps { StepGoalView(progress: p) }
            if model.dashboard.isEmpty { Text("no_values_yet") }
            ForEach(model.dashboard, id: \.record.meta.id) { item in
                VStack(alignment: .leading) {
                    Text(item.summary).font(.title3).accessibilityLabel(Text(item.summary))
                    if let level = item.level {
                        Text(levelText(level)).accessibilityLabel(Text(levelText(level)))
                    }
                    Text("trend_30_days").font(.caption)
                    TrendLine(values: (model.trend[item.observationType] ?? []).map { $0.mean ?? $0.sum })
                        .frame(height: 64)
                        .accessibilityLabel(Text("cd_trend \(observationTypeLabel(observationType: item.observationType))"))
                }
            }
        }
    }
}

/// A plain line through the daily values (means, or sums for steps and sleep); gaps skipped.
struct TrendLine: View {
    let values: [Double?]
    var body: some View {
        GeometryReader { geo in
            Path { path in
                let present = values.compactMap { $0 }
                guard present.count > 1, let lo = present.min(), let hi = present.max() else { return }
                let span = hi > lo ? hi - lo : 1
                let step = geo.size.width / CGFloat(max(values.count - 1, 1))
                var started = false
                for (i, v) in values.enumerated() {
                    guard let v else { continue }
                    let p = CGPoint(x: CGFloat(i) * step, y: geo.size.height * CGFloat(1 - (v - lo) / span))
                    if started { path.addLine(to: p) } else { path.move(to: p); started = true }
                }
            }.stroke(Color.gray, lineWidth: 2)
        }
    }
}

struct LogView: View {
    @EnvironmentObject var model: AppModel
    @State private var type: ObservationType = .bloodPressure
    @State private var value = ""
    @State private var value2 = ""
    @State private var timing: GlucoseTiming?
    var body: some View {
        Form {
            Picker("type", selection: $type) {
                ForEach(observationTypes().filter { $0 != .bmi }, id: \.self) { t in
                    Text(observationTypeLabel(observationType: t)).tag(t)
                }
            }.accessibilityLabel(Text("type"))
            TextField("value", text: $value).accessibilityLabel(Text("value"))
                .overlay(alignment: .trailing) { Text(displayUnit(observationType: type)) }
            if type == .bloodPressure {
                TextField("diastolic", text: $value2).accessibilityLabel(Text("diastolic"))
            }
            if type == .bloodGlucose {
                // The core refuses glucose without its timing: fasting and after-meal values
                // are judged against different thresholds.
                Picker("timing", selection: $timing) {
                    ForEach(glucoseTimings(), id: \.self) { t in
                        Text(glucoseTimingLabel(timing: t)).tag(Optional(t))
                    }
                }.accessibilityLabel(Text("timing"))
            }
            // Plausibility checks are the core's: a refused value comes back as .invalidInput.
            Button("save") { model.log(type, value: Double(value) ?? .nan, value2: Double(value2), timing: timing) }
                .accessibilityLabel(Text("save"))
            if let e = errorText(model.error) { Text(e).foregroundColor(.red) }
        }
    }
}

struct TimelineView: View {
    @EnvironmentObject var model: AppModel
    var body: some View {
        List {
            ForEach(model.timeline, id: \.meta.id) { r in
                let summary = recordSummary(body: r.body)
                Text(summary).accessibilityLabel(Text(summary))
            }
            Button("load_more") { model.loadMore() }.accessibilityLabel(Text("load_more"))
        }
    }
}

struct FamilyView: View {
    @EnvironmentObject var model: AppModel
    var body: some View {
        List(model.family, id: \.id) { p in
            let name = personDisplayName(person: p)
            Button(name) { model.switchTo(p) }.font(.title3).accessibilityLabel(Text(name))
        }
    }
}
