import Foundation

/// One provider's API as a careful client calls it: bearer token, rate budget, refresh after an expired
/// token, wait on 429, capped retries on 5xx, connection errors and bodies that are not whole JSON.
/// The Fitbit and Google sources share it; what differs (which 401 a refresh cures) their provider says.
public struct AuthorizedRequester: Sendable {
    public let configuration: APIConfiguration
    public let tokens: TokenProvider
    public let budget: RateBudget
    /// A quota shared with other users' requesters (Google's per project), taken before the user's own.
    public let project: RateBudget?
    let transport: any HTTPTransport
    let retry: RetryPolicy
    /// Told of every request as `GET <path> <status> <ms> ms`: the path carries no secret, headers are never shown.
    let observer: @Sendable (String) -> Void

    public init(configuration: APIConfiguration, transport: any HTTPTransport, tokens: TokenProvider, budget: RateBudget,
                project: RateBudget? = nil, retry: RetryPolicy = .standard, observer: @escaping @Sendable (String) -> Void = { _ in }) {
        self.configuration = configuration
        self.transport = transport
        self.tokens = tokens
        self.budget = budget
        self.project = project
        self.retry = retry
        self.observer = observer
    }


    /// The project's quota, then the user's. A request stamped in the project's window and then held back by the
    /// user's budget would be sent later than stamped, and the project's window could let too many through when
    /// it ends: after such a wait the request takes a second, current stamp (counted twice, never too few).
    private func acquireBudgets() async throws {
        guard let project else { return try await budget.acquire() }
        try await project.acquire()
        let asked = ContinuousClock.now
        do { try await budget.acquire() } catch {
            await project.cancelled()
            throw error
        }
        if ContinuousClock.now - asked > .milliseconds(20) {
            try await project.acquire()
            await project.cancelled()
        }
    }

    private func cancelled() async {
        await budget.cancelled()
        await project?.cancelled()
    }

    /// One GET with everything the API asks of a careful client. Returns any final answer that is not a 5xx
    /// or 429; throws `RequestFailure` when retries are exhausted and `ExportError` when the run must stop.
    public func get(_ path: String) async throws -> HTTPResult {
        var rejected: String?
        var refreshesAfter401 = 0
        var rateLimitedInARow = 0
        return try await retry.run(noAnswer: { attempts, error in
            RequestFailure(status: nil, message: "no answer after \(attempts) attempts (\(APIErrorBody.describe(transportError: error)))")
        }) { () async throws -> RetryPolicy.Verdict<HTTPResult> in
            try await acquireBudgets()
            // Asked after any wait for the budget, so a token that expired meanwhile is refreshed first.
            let token: String
            do {
                if let rejected { token = try await tokens.accessToken(replacing: rejected) } else { token = try await tokens.accessToken() }
            } catch {
                await cancelled()
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
                await cancelled()
                throw error
            }
            await budget.record(result)
            await project?.record(result)
            switch result.status {
            case 200..<300 where !ResponseShape.isWholeJSON(result.body):
                // A proxy's HTML page or a body cut short: as transient as a 502, so retried the same way.
                return .retry(exhausted: RequestFailure(status: result.status, message: "the answer was not complete JSON after \(retry.maxAttempts) attempts (a truncated body or an HTML error page)"))
            case 200..<300:
                try await tokens.confirmWorked()
                return .finished(result)
            case 401 where refreshesAfter401 < 3 && configuration.provider.mayRefresh(after: result):
                // Expired on the way (a slow request, or clocks apart): refresh and resend, a few times at most.
                refreshesAfter401 += 1
                rejected = token
                return .again
            case 401:
                throw ExportError.authorizationNeeded("the API refused the access token (\(APIErrorBody(result.body).types.first ?? "401"))")
            case 410:
                throw ExportError.apiGone(endpoint: configuration.apiBase)
            case 429:
                // The budget now waits for the reset before the next acquire; this is not a failed attempt.
                rateLimitedInARow += 1
                guard rateLimitedInARow < 20 else { throw RequestFailure(status: 429, message: "still rate limited after 20 waits") }
                return .again
            case 500...599:
                return .retry(exhausted: RequestFailure(status: result.status, message: "server error after \(retry.maxAttempts) attempts"))
            default:
                return .finished(result)
            }
        }
    }
}
