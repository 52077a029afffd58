/// Capped exponential backoff with full jitter, for 5xx answers and connection errors.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// How long one request may take before it counts as a connection error.
    public var timeout: Duration

    public init(maxAttempts: Int, baseDelay: Duration, maxDelay: Duration, timeout: Duration) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.timeout = timeout
    }

    public static let standard = RetryPolicy(maxAttempts: 6, baseDelay: .seconds(1), maxDelay: .seconds(60), timeout: .seconds(60))

    public func delay(beforeAttempt attempt: Int) -> Duration {
        let exponent = min(attempt - 2, 20)
        let cap = min(maxDelay, baseDelay * (1 << max(exponent, 0)))
        return cap * Double.random(in: 0...1)
    }

    func sleep(beforeAttempt attempt: Int) async throws {
        try await Task.sleep(for: delay(beforeAttempt: attempt))
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
