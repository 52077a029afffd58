import Foundation

/// The user's request budget in the current window: learned from `Fitbit-Rate-Limit-*` headers and kept by
/// our own count, so that no request is sent that we know would get a 429. A provider that sends no such
/// headers (Google: 300 requests per user per minute) is paced instead: at most `limit` requests are sent in
/// any sliding `window`, which keeps every aligned window of the provider's within the limit too.
///
/// The budget belongs to the user, not the process: with a store, every reservation is written down before its
/// request is sent, so a run killed with requests in flight leaves them counted, and the next run (a sync right
/// after a killed backfill) starts from what is really left instead of sending into a spent window.
public actor RateBudget {
    public struct Pacing: Sendable {
        public var limit: Int
        public var window: Duration

        public init(limit: Int, window: Duration) {
            self.limit = limit
            self.window = window
        }
    }

    private let pacing: Pacing?
    private let clock: any BudgetClock
    /// With pacing: when each request of the last window was sent (seconds on the clock).
    private var sent: [Double] = []
    /// With pacing: after a 429, nothing is sent before this.
    private var blockedUntil: Double?
    public private(set) var limit: Int?
    private var remaining: Int?
    /// The lowest count of requests left that an answer of the current window reported.
    private var windowLowest: Int?
    private var resetAt: Double?
    private var inFlight = 0
    /// The last window boundary this budget waited for: an answer to a request sent before it still speaks
    /// of the old window and must not start the new one over.
    private var passedReset: Double?
    /// The longest time to a reset an answer has reported: about the window's length.
    private var longestReset = 0.0
    public private(set) var requestsSent = 0
    private let onWait: @Sendable (Duration) -> Void
    private let onUpdate: @Sendable (RateBudgetStore.Saved) -> Void
    private let store: RateBudgetStore?

    /// With a store, a run starts from what the last run of the same user left in the current window, before
    /// its first response.
    public init(store: RateBudgetStore? = nil, pacing: Pacing? = nil, clock: any BudgetClock = SystemBudgetClock(),
                onWait: @escaping @Sendable (Duration) -> Void = { _ in }, onUpdate: @escaping @Sendable (RateBudgetStore.Saved) -> Void = { _ in }) {
        self.onWait = onWait
        self.onUpdate = onUpdate
        self.store = store
        self.pacing = pacing
        self.clock = clock
        if let saved = store?.load(), let left = Duration.checkedSeconds(saved.resetAt - clock.wallNow()), left > .zero {
            let now = clock.now()
            if let pacing {
                // The last run's sends still inside the window, dated (conservatively) at the window's start.
                let start = now + Swift.min(left, pacing.window).inSeconds - pacing.window.inSeconds
                sent = Array(repeating: start, count: max(0, min(pacing.limit, pacing.limit - saved.remaining)))
            } else {
                limit = saved.limit
                remaining = saved.remaining
                resetAt = now + left.inSeconds
            }
        }
    }

    /// What is left in the current window, as last learned (nil before any response).
    public func snapshot() -> RateBudgetStore.Saved? {
        let now = clock.now()
        if let pacing {
            let live = sent.filter { $0 > now - pacing.window.inSeconds }
            let reset = live.first.map { $0 + pacing.window.inSeconds } ?? now
            return RateBudgetStore.Saved(limit: pacing.limit, remaining: pacing.limit - live.count, resetAt: clock.wallNow() + (reset - now))
        }
        guard let limit, let remaining, let resetAt else { return nil }
        return RateBudgetStore.Saved(limit: limit, remaining: remaining, resetAt: clock.wallNow() + (resetAt - now))
    }

    /// Waits until one request may be sent, then reserves it, on disk too.
    public func acquire() async throws {
        if let pacing {
            try await pace(pacing)
        } else {
            try await waitForHeadersBudget()
        }
        persist()
    }

    private func waitForHeadersBudget() async throws {
        // `remaining` already leaves out the requests in flight (each answer's count is lowered by them, and each
        // reservation lowers it by one): room is simply `remaining > 0`.
        while let left = remaining, left <= 0 {
            guard let reset = resetAt else { break }
            let now = clock.now()
            if reset > now {
                onWait(.milliseconds(Int64(((reset - now) * 1000).rounded(.up))))
                try await clock.sleep(until: reset + 0.015)
            }
            if let r = resetAt, r <= clock.now() {
                // Requests still in flight may land in the new window: count them there until a header says.
                remaining = limit.map { Swift.max(0, $0 - inFlight) }
                passedReset = r
                resetAt = nil
            }
        }
        inFlight += 1
        requestsSent += 1
        if let left = remaining { remaining = left - 1 }
    }

    private func pace(_ pacing: Pacing) async throws {
        // Arrival times at the provider differ a little from our send times: keep a small margin.
        let window = pacing.window.inSeconds + 0.05
        while true {
            let now = clock.now()
            sent.removeAll { $0 <= now - window }
            var until: Double?
            if let blocked = blockedUntil, blocked > now { until = blocked }
            else if sent.count >= pacing.limit { until = sent[sent.count - pacing.limit] + window }
            guard let until else { break }
            onWait(.milliseconds(Int64(((until - now) * 1000).rounded(.up))))
            try await clock.sleep(until: until)
        }
        sent.append(clock.now())
        inFlight += 1
        requestsSent += 1
    }

    /// Learns from a response's headers; the request's reservation ends here.
    public func record(_ response: HTTPResult) {
        inFlight = max(0, inFlight - 1)
        let now = clock.now()
        if let pacing {
            if response.status == 429 {
                blockedUntil = now + (Duration.checkedSeconds(response.header("Retry-After")) ?? pacing.window).inSeconds
            }
            persist()
            return
        }
        if let text = response.header("Fitbit-Rate-Limit-Limit"), let value = Int(text), value > 0 { limit = value }
        if let seconds = Duration.checkedSeconds(response.header("Fitbit-Rate-Limit-Reset")),
           let left = response.header("Fitbit-Rate-Limit-Remaining").flatMap(Int.init), left >= 0 {
            let reset = now + seconds.inSeconds
            // Two answers of one window place its end apart by the latency between them and, from Fitbit, the
            // rounding to whole seconds; the next window ends a window's length later. A quarter of the window
            // tells them apart (an hour: 15 minutes; a compressed test clock: at least half a second).
            longestReset = max(longestReset, seconds.inSeconds)
            let sameWindow = max(0.5, longestReset / 4)
            if let passed = passedReset, reset < passed + sameWindow {
                // An answer from the window that has just ended: it says nothing about this one.
            } else if let current = resetAt, let known = remaining, abs(reset - current) < sameWindow {
                // The same window: a window's count only falls, so an answer computed before others that have
                // already come back (answers overtake each other) must not raise what is left.
                windowLowest = min(windowLowest ?? left, left)
                resetAt = max(current, reset)  // the latest end any answer gave: never early
                remaining = min(known, max(0, left - inFlight))
                // With nothing in flight every request of ours has been counted, and the lowest count of the
                // window is what is left: subtracting the requests that were in flight when earlier answers were
                // computed would count some of them twice and leave part of every window unused.
                if inFlight == 0, let lowest = windowLowest { remaining = lowest }
            } else {
                resetAt = reset
                windowLowest = left
                remaining = max(0, left - inFlight)
            }
        }
        if response.status == 429 {
            remaining = 0
            windowLowest = nil
            let retryAfter = Duration.checkedSeconds(response.header("Retry-After"))
                ?? Duration.checkedSeconds(response.header("Fitbit-Rate-Limit-Reset")) ?? .seconds(60)
            resetAt = now + retryAfter.inSeconds
        }
        persist()
    }

    /// The request never got an answer: release its reservation.
    public func cancelled() {
        inFlight = max(0, inFlight - 1)
    }

    private func persist() {
        guard let saved = snapshot() else { return }
        store?.save(saved)
        onUpdate(saved)
    }
}

/// The time a budget lives in: a monotonic clock to wait on, and the wall clock the stored budget speaks in.
/// Tests give a budget a clock they move themselves.
public protocol BudgetClock: Sendable {
    /// Seconds on a monotonic scale.
    func now() -> Double
    /// Seconds since the Unix epoch.
    func wallNow() -> Double
    func sleep(until deadline: Double) async throws
}

public struct SystemBudgetClock: BudgetClock {
    private static let origin = ContinuousClock.now

    public init() {}

    public func now() -> Double { (ContinuousClock.now - Self.origin).inSeconds }
    public func wallNow() -> Double { Date().timeIntervalSince1970 }

    public func sleep(until deadline: Double) async throws {
        try await Task.sleep(until: Self.origin + .milliseconds(Int64((deadline * 1000).rounded(.up))), clock: .continuous)
    }
}
