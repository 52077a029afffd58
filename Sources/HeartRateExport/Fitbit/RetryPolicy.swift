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

    /// One request without a bearer budget (token endpoint, identity lookup), resent after connection errors and
    /// answers `transient` calls so; the last answer is returned once the attempts are spent.
    func send(_ request: HTTPRequestSpec, via transport: any HTTPTransport, endpoint: String,
              transient: (HTTPResult) -> Bool = { (500...599).contains($0.status) }) async throws -> HTTPResult {
        var attempt = 0
        while true {
            attempt += 1
            let result: HTTPResult
            do {
                result = try await transport.send(request, timeout: timeout)
            } catch {
                guard attempt < maxAttempts else {
                    throw ExportError.http(endpoint: endpoint, status: nil, message: "no answer after \(attempt) attempts (\(APIErrorBody.describe(transportError: error)))")
                }
                try await sleep(beforeAttempt: attempt + 1)
                continue
            }
            guard transient(result), attempt < maxAttempts else { return result }
            try await sleep(beforeAttempt: attempt + 1)
        }
    }
}

extension Duration {
    /// A number of seconds that came from outside (a header, a stored file, a flag) as a duration: nil unless
    /// finite and not negative, and at most `cap`, so that no answer can make the arithmetic trap.
    public static func checkedSeconds(_ value: Double, cap: Double = 86_400) -> Duration? {
        guard value.isFinite, value >= 0 else { return nil }
        return .milliseconds(Int64((Swift.min(value, cap) * 1000).rounded()))
    }

    /// The same for text, such as `Retry-After: 30`.
    public static func checkedSeconds(_ text: String?, cap: Double = 86_400) -> Duration? {
        guard let text, let value = Double(text.trimmingCharacters(in: .whitespaces)) else { return nil }
        return checkedSeconds(value, cap: cap)
    }

    /// The duration in seconds, fractions included.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
