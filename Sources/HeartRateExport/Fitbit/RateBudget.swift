import Foundation

/// The user's request budget in the current window: learned from `Fitbit-Rate-Limit-*` headers and kept by
/// our own count, so that no request is sent that we know would get a 429.
public actor RateBudget {
    public private(set) var limit: Int?
    private var remaining: Int?
    private var resetAt: ContinuousClock.Instant?
    private var inFlight = 0
    public private(set) var requestsSent = 0
    private let onWait: @Sendable (Duration) -> Void

    public init(onWait: @escaping @Sendable (Duration) -> Void = { _ in }) {
        self.onWait = onWait
    }

    /// Waits until one request may be sent, then reserves it.
    public func acquire() async throws {
        while let left = remaining, left - inFlight <= 0 {
            guard let reset = resetAt else { break }
            let wait = reset - ContinuousClock.now
            if wait > .zero {
                onWait(wait)
                try await Task.sleep(until: reset + .milliseconds(50), clock: .continuous)
            }
            if let r = resetAt, r <= ContinuousClock.now {
                remaining = limit
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
        if let text = response.header("Fitbit-Rate-Limit-Remaining"), let value = Int(text) {
            remaining = max(0, value - inFlight)
        }
        if let text = response.header("Fitbit-Rate-Limit-Reset"), let seconds = Double(text) {
            resetAt = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        }
        if response.status == 429 {
            remaining = 0
            let retryAfter = response.header("Retry-After").flatMap(Double.init)
                ?? response.header("Fitbit-Rate-Limit-Reset").flatMap(Double.init) ?? 60
            resetAt = ContinuousClock.now + .milliseconds(Int(retryAfter * 1000))
        }
    }

    /// The request never got an answer: release its reservation.
    public func cancelled() {
        inFlight = max(0, inFlight - 1)
    }
}
