import Foundation

/// The user's request budget in the current window: learned from `Fitbit-Rate-Limit-*` headers and kept by
/// our own count, so that no request is sent that we know would get a 429.
public actor RateBudget {
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
    public init(store: RateBudgetStore? = nil, onWait: @escaping @Sendable (Duration) -> Void = { _ in },
                onUpdate: @escaping @Sendable (RateBudgetStore.Saved) -> Void = { _ in }) {
        self.onWait = onWait
        self.onUpdate = onUpdate
        self.store = store
        if let saved = store?.load(), saved.resetAt > Date().timeIntervalSince1970 {
            limit = saved.limit
            remaining = saved.remaining
            resetAt = ContinuousClock.now + .milliseconds(Int((saved.resetAt - Date().timeIntervalSince1970) * 1000))
        }
    }

    /// What is left in the current window, as last learned (nil before any response).
    public func snapshot() -> RateBudgetStore.Saved? {
        guard let limit, let remaining, let resetAt else { return nil }
        return RateBudgetStore.Saved(limit: limit, remaining: remaining, resetAt: Date().timeIntervalSince1970 + (resetAt - ContinuousClock.now).inSeconds)
    }

    /// Waits until one request may be sent, then reserves it.
    public func acquire() async throws {
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

    /// Learns from a response's headers; the request's reservation ends here.
    public func record(_ response: HTTPResult) {
        inFlight = max(0, inFlight - 1)
        if let text = response.header("Fitbit-Rate-Limit-Limit"), let value = Int(text) { limit = value }
        if let text = response.header("Fitbit-Rate-Limit-Reset"), let seconds = Double(text), let left = response.header("Fitbit-Rate-Limit-Remaining").flatMap(Int.init) {
            let reset = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            if let passed = passedReset, reset < passed + .milliseconds(500) {
                // An answer from the window that has just ended: it says nothing about this one.
            } else {
                resetAt = reset
                remaining = max(0, left - inFlight)
            }
        }
        if response.status == 429 {
            remaining = 0
            let retryAfter = response.header("Retry-After").flatMap(Double.init)
                ?? response.header("Fitbit-Rate-Limit-Reset").flatMap(Double.init) ?? 60
            resetAt = ContinuousClock.now + .milliseconds(Int(retryAfter * 1000))
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

/// `<state>/<source>-<user>.budget.json`: the rate window's reset time (wall clock) and what was left.
public struct RateBudgetStore: Sendable {
    public struct Saved: Codable, Sendable, Equatable {
        public var limit: Int
        public var remaining: Int
        /// Seconds since the Unix epoch.
        public var resetAt: Double

        enum CodingKeys: String, CodingKey {
            case limit, remaining
            case resetAt = "reset_at"
        }
    }

    public let path: String

    public init(stateFolder: String, source: SourceKind, user: String) {
        path = "\(stateFolder)/\(source.rawValue)-\(user).budget.json"
    }

    /// A missing or unreadable file is no budget knowledge, never an error: the headers teach it again.
    public func load() -> Saved? {
        guard let bytes = try? FileSystem.read(path, limit: 4096) else { return nil }
        return try? JSONDecoder().decode(Saved.self, from: Data(bytes))
    }

    public func save(_ saved: Saved) {
        guard let data = try? JSONEncoder().encode(saved) else { return }
        try? AtomicFile.write(Array(data), to: path)
    }
}
