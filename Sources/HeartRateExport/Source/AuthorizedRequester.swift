import Foundation

/// One provider's API as a careful client calls it: bearer token, rate budget, refresh after an expired
/// token, wait on 429, capped retries on 5xx, connection errors and bodies that are not whole JSON.
/// The Fitbit and Google sources share it; only their error dialects differ.
public struct AuthorizedRequester: Sendable {
    public enum Dialect: Sendable {
        /// 401 with `expired_token` may be refreshed; 410 is the shutdown.
        case fitbit
        /// 401 `UNAUTHENTICATED` may be refreshed (Google names no reason for an expired token).
        case google
    }

    public let configuration: APIConfiguration
    public let tokens: TokenProvider
    public let budget: RateBudget
    let transport: any HTTPTransport
    let retry: RetryPolicy
    let dialect: Dialect
    /// Told of every request as `GET <path> <status> <ms> ms`: the path carries no secret, headers are never shown.
    let observer: @Sendable (String) -> Void

    public init(configuration: APIConfiguration, transport: any HTTPTransport, tokens: TokenProvider, budget: RateBudget,
                retry: RetryPolicy = .standard, dialect: Dialect = .fitbit, observer: @escaping @Sendable (String) -> Void = { _ in }) {
        self.configuration = configuration
        self.transport = transport
        self.tokens = tokens
        self.budget = budget
        self.retry = retry
        self.dialect = dialect
        self.observer = observer
    }

    private func mayRefresh(after result: HTTPResult) -> Bool {
        switch dialect {
        case .fitbit: APIErrorBody(result.body).types.contains("expired_token")
        case .google: true
        }
    }

    /// One GET with everything the API asks of a careful client. Returns any final answer that is not a 5xx
    /// or 429; throws `RequestFailure` when retries are exhausted and `ExportError` when the run must stop.
    public func get(_ path: String) async throws -> HTTPResult {
        var rejected: String?
        var refreshesAfter401 = 0
        var attempt = 0
        var rateLimitedInARow = 0
        while true {
            attempt += 1
            try await budget.acquire()
            // Asked after any wait for the budget, so a token that expired meanwhile is refreshed first.
            let token: String
            do {
                if let rejected { token = try await tokens.accessToken(replacing: rejected) } else { token = try await tokens.accessToken() }
            } catch {
                await budget.cancelled()
                throw error
            }
            rejected = nil
            let result: HTTPResult
            let sent = ContinuousClock.now
            do {
                result = try await transport.send(HTTPRequestSpec(url: configuration.apiBase + path, headers: [("Authorization", "Bearer " + token), ("Accept", "application/json")]), timeout: retry.timeout)
                observer("GET \(path) \(result.status) \(Int(((ContinuousClock.now - sent).inSeconds * 1000).rounded())) ms")
            } catch {
                observer("GET \(path) no answer (\(APIErrorBody.describe(transportError: error)))")
                await budget.cancelled()
                if error is CancellationError { throw error }
                guard attempt < retry.maxAttempts else {
                    throw RequestFailure(status: nil, message: "no answer after \(attempt) attempts (\(APIErrorBody.describe(transportError: error)))")
                }
                try await retry.sleep(beforeAttempt: attempt + 1)
                continue
            }
            await budget.record(result)
            switch result.status {
            case 200..<300 where !FitbitClient.isWholeJSON(result.body):
                // A proxy's HTML page or a body cut short: as transient as a 502, so retried the same way.
                guard attempt < retry.maxAttempts else {
                    throw RequestFailure(status: result.status, message: "the answer was not complete JSON after \(attempt) attempts (a truncated body or an HTML error page)")
                }
                try await retry.sleep(beforeAttempt: attempt + 1)
            case 200..<300:
                try await tokens.confirmWorked()
                return result
            case 401 where refreshesAfter401 < 3 && mayRefresh(after: result):
                // Expired on the way (a slow request, or clocks apart): refresh and resend, a few times at most.
                refreshesAfter401 += 1
                attempt -= 1
                rejected = token
            case 401:
                throw ExportError.authorizationNeeded("the API refused the access token (\(APIErrorBody(result.body).types.first ?? "401"))")
            case 410:
                throw ExportError.apiGone(endpoint: configuration.apiBase)
            case 429:
                // The budget now waits for the reset before the next acquire; this is not a failed attempt.
                rateLimitedInARow += 1
                attempt -= 1
                guard rateLimitedInARow < 20 else { throw RequestFailure(status: 429, message: "still rate limited after 20 waits") }
            case 500...599:
                guard attempt < retry.maxAttempts else {
                    throw RequestFailure(status: result.status, message: "server error after \(attempt) attempts")
                }
                try await retry.sleep(beforeAttempt: attempt + 1)
            default:
                return result
            }
        }
    }
}
