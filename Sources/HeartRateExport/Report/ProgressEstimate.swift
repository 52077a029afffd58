import Foundation

/// How long a run still needs, as the live progress line shows it: the days left at the pace so far, or,
/// when they do not fit in what the rate window has left, the windows still to wait for.
public struct ProgressEstimate: Sendable {
    public var total: Int
    public var done: Int
    public var started: Date
    /// What the current rate window allows, as last learned.
    public var budget: RateBudgetStore.Saved?
    /// The length of a rate window in seconds (3600 at Fitbit; seconds under the sandbox's clock).
    public var window: Double

    public init(total: Int, done: Int, started: Date, budget: RateBudgetStore.Saved?, window: Double) {
        self.total = total
        self.done = done
        self.started = started
        self.budget = budget
        self.window = window
    }

    /// Seconds still needed; nil before the first day or after the last.
    public func secondsLeft(now: Date) -> Double? {
        let left = total - done
        guard done > 0, left > 0 else { return nil }
        let pace = now.timeIntervalSince(started) / Double(done)
        guard let budget, left > budget.remaining else { return Double(left) * pace }
        let untilReset = max(0, budget.resetAt - now.timeIntervalSince1970)
        let windows = Double((left - budget.remaining - 1) / max(1, budget.limit))
        return untilReset + windows * window + Double((left - budget.remaining - 1) % max(1, budget.limit) + 1) * min(pace, 1)
    }

    /// `42 s`, `7 min`, `2 h 05 min`.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s < 60 ? "\(s) s" : s < 3600 ? "\(s / 60) min" : String(format: "%d h %02d min", s / 3600, s / 60 % 60)
    }
}
