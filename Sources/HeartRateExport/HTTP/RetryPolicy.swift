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

    /// What one attempt came to.
    enum Verdict<Value: Sendable>: Sendable {
        /// Done: this is the answer.
        case finished(Value)
        /// Transient (a 5xx, a body that is not whole JSON): try again after the backoff, while attempts remain;
        /// `exhausted` is the failure to report once they are spent.
        case retry(exhausted: any Error & Sendable)
        /// Not the request's fault (a 429 the budget now waits out, an access token that expired on the way):
        /// send again at once, without spending an attempt.
        case again
    }

    /// The one retry loop. `attempt` sends once and judges the answer; a transport error (no answer, a timeout)
    /// is retried like a 5xx and, once the attempts are spent, reported by `noAnswer`. Cancellation ends it.
    func run<Value: Sendable>(noAnswer: (_ attempts: Int, _ error: any Error) -> any Error,
                              _ attempt: () async throws -> Verdict<Value>) async throws -> Value {
        var attempts = 0
        while true {
            attempts += 1
            let verdict: Verdict<Value>
            do {
                verdict = try await attempt()
            } catch let error where Self.isTransport(error) {
                guard attempts < maxAttempts else { throw noAnswer(attempts, error) }
                try await sleep(beforeAttempt: attempts + 1)
                continue
            }
            switch verdict {
            case .finished(let value):
                return value
            case .retry(let exhausted):
                guard attempts < maxAttempts else { throw exhausted }
                try await sleep(beforeAttempt: attempts + 1)
            case .again:
                attempts -= 1
            }
        }
    }

    /// Errors of the exchange itself, which a resend may cure; ours (`ExportError`) and cancellation are final.
    static func isTransport(_ error: any Error) -> Bool {
        !(error is ExportError) && !(error is CancellationError) && !(error is RequestFailure)
    }

    /// One request without a bearer budget (token endpoint, identity lookup), resent after connection errors and
    /// answers `transient` calls so; the last answer is returned once the attempts are spent.
    func send(_ request: HTTPRequestSpec, via transport: any HTTPTransport, endpoint: String,
              transient: @escaping @Sendable (HTTPResult) -> Bool = { (500...599).contains($0.status) }) async throws -> HTTPResult {
        let attempts = maxAttempts
        var last: HTTPResult?
        do {
            return try await run(noAnswer: { count, error in
                ExportError.http(endpoint: endpoint, status: nil, message: "no answer after \(count) attempts (\(APIErrorBody.describe(transportError: error)))")
            }) { () async throws -> Verdict<HTTPResult> in
                let result = try await transport.send(request, timeout: timeout)
                last = result
                return transient(result) ? .retry(exhausted: LastAnswer(attempts: attempts)) : .finished(result)
            }
        } catch is LastAnswer {
            return last!
        }
    }

    /// The attempts are spent on transient answers: the caller gets the last one.
    private struct LastAnswer: Error { var attempts: Int }
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
