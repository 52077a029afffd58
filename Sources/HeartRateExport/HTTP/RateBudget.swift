import Foundation

/// The user's request budget in the current window: learned from `Fitbit-Rate-Limit-*` headers and kept by
/// our own count, so that no request is sent that we know would get a 429. A provider that sends no such
/// headers (Google: 300 requests per user per minute) is paced instead: at most `limit` requests are sent in
/// any sliding `window`, which keeps every aligned window of the provider's within the limit too.
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
    /// With pacing: when each request of the last window was sent.
    private var sent: [ContinuousClock.Instant] = []
    /// With pacing: after a 429, nothing is sent before this.
    private var blockedUntil: ContinuousClock.Instant?
    public private(set) var limit: Int?
    private var remaining: Int?
    private var resetAt: ContinuousClock.Instant?
    private var inFlight = 0
    /// The last window boundary this budget waited for: an answer to a request sent before it still speaks
    /// of the old window and must not start the new one over.
    private var passedReset: ContinuousClock.Instant?
    public private(set) var requestsSent = 0
    private let onWait: @Sendable (Duration) -> Void
    private let onUpdate: @Sendable (RateBudgetStore.Saved) -> Void
    private let store: RateBudgetStore?

    /// With a store, the budget belongs to the user rather than the process: a run starts from what the
    /// last run of the same user left in the current window, before its first response.
    public init(store: RateBudgetStore? = nil, pacing: Pacing? = nil, onWait: @escaping @Sendable (Duration) -> Void = { _ in },
                onUpdate: @escaping @Sendable (RateBudgetStore.Saved) -> Void = { _ in }) {
        self.onWait = onWait
        self.onUpdate = onUpdate
        self.store = store
        self.pacing = pacing
        if let saved = store?.load(), let left = Duration.checkedSeconds(saved.resetAt - Date().timeIntervalSince1970), left > .zero {
            if let pacing {
                // The last run's sends still inside the window, dated (conservatively) at the window's start.
                let start = ContinuousClock.now + Swift.min(left, pacing.window) - pacing.window
                sent = Array(repeating: start, count: max(0, min(pacing.limit, pacing.limit - saved.remaining)))
            } else {
                limit = saved.limit
                remaining = saved.remaining
                resetAt = ContinuousClock.now + left
            }
        }
    }

    /// What is left in the current window, as last learned (nil before any response).
    public func snapshot() -> RateBudgetStore.Saved? {
        if let pacing {
            let now = ContinuousClock.now
            let live = sent.filter { $0 > now - pacing.window }
            let reset = (live.first.map { $0 + pacing.window } ?? now)
            return RateBudgetStore.Saved(limit: pacing.limit, remaining: pacing.limit - live.count,
                                         resetAt: Date().timeIntervalSince1970 + (reset - now).inSeconds)
        }
        guard let limit, let remaining, let resetAt else { return nil }
        return RateBudgetStore.Saved(limit: limit, remaining: remaining, resetAt: Date().timeIntervalSince1970 + (resetAt - ContinuousClock.now).inSeconds)
    }

    /// Waits until one request may be sent, then reserves it.
    public func acquire() async throws {
        if let pacing {
            try await pace(pacing)
            return
        }
        while let left = remaining, left - inFlight <= 0 {
            guard let reset = resetAt else { break }
            let wait = reset - ContinuousClock.now
            if wait > .zero {
                onWait(wait)
                try await Task.sleep(until: reset + .milliseconds(15), clock: .continuous)
            }
            if let r = resetAt, r <= ContinuousClock.now {
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
        let window = pacing.window + .milliseconds(50)
        while true {
            let now = ContinuousClock.now
            sent.removeAll { $0 <= now - window }
            var until: ContinuousClock.Instant?
            if let blocked = blockedUntil, blocked > now { until = blocked }
            else if sent.count >= pacing.limit { until = sent[sent.count - pacing.limit] + window }
            guard let until else { break }
            onWait(until - now)
            try await Task.sleep(until: until, clock: .continuous)
        }
        sent.append(ContinuousClock.now)
        inFlight += 1
        requestsSent += 1
    }

    /// Learns from a response's headers; the request's reservation ends here.
    public func record(_ response: HTTPResult) {
        inFlight = max(0, inFlight - 1)
        if pacing != nil {
            if response.status == 429 {
                blockedUntil = ContinuousClock.now + (Duration.checkedSeconds(response.header("Retry-After")) ?? pacing!.window)
            }
            if let saved = snapshot() {
                store?.save(saved)
                onUpdate(saved)
            }
            return
        }
        if let text = response.header("Fitbit-Rate-Limit-Limit"), let value = Int(text), value > 0 { limit = value }
        if let seconds = Duration.checkedSeconds(response.header("Fitbit-Rate-Limit-Reset")),
           let left = response.header("Fitbit-Rate-Limit-Remaining").flatMap(Int.init), left >= 0 {
            let reset = ContinuousClock.now + seconds
            if let passed = passedReset, reset < passed + .milliseconds(500) {
                // An answer from the window that has just ended: it says nothing about this one.
            } else {
                resetAt = reset
                remaining = max(0, left - inFlight)
            }
        }
        if response.status == 429 {
            remaining = 0
            let retryAfter = Duration.checkedSeconds(response.header("Retry-After"))
                ?? Duration.checkedSeconds(response.header("Fitbit-Rate-Limit-Reset")) ?? .seconds(60)
            resetAt = ContinuousClock.now + retryAfter
        }
        if let saved = snapshot() {
            store?.save(saved)
            onUpdate(saved)
        }
    }

    /// The request never got an answer: release its reservation.
    public func cancelled() {
        inFlight = max(0, inFlight - 1)
    }
}
