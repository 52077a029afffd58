import Foundation

/// What the profile tells us: the user, their zone today, and the first day data can exist.
public struct Profile: Sendable, Equatable {
    public var encodedID: String
    public var timeZone: String
    public var memberSince: LocalDate?
}

/// Why one API request failed after its retries. Carries the status, never a token.
public struct RequestFailure: Error, Sendable {
    public var status: Int?
    public var message: String
}

/// The Fitbit Web API as the exporter uses it: bearer token, budget, 401 refresh, 429 wait, 5xx retries.
public struct FitbitClient: Sendable {
    public let configuration: APIConfiguration
    public let tokens: TokenProvider
    public let budget: RateBudget
    let transport: any HTTPTransport
    let retry: RetryPolicy
    /// Told of every request as `GET <path> <status> <ms> ms`: the path carries no secret, headers are never shown.
    let observer: @Sendable (String) -> Void

    public init(configuration: APIConfiguration, transport: any HTTPTransport, tokens: TokenProvider, budget: RateBudget, retry: RetryPolicy = .standard,
                observer: @escaping @Sendable (String) -> Void = { _ in }) {
        self.observer = observer
        self.configuration = configuration
        self.transport = transport
        self.tokens = tokens
        self.budget = budget
        self.retry = retry
    }

    public func profile() async throws -> Profile {
        let body = try await requireOK("/1/user/-/profile.json", endpoint: "profile.json")
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let user = object["user"] as? [String: Any], let id = user["encodedId"] as? String,
              let zone = user["timezone"] as? String else {
            throw ExportError.http(endpoint: "profile.json", status: 200, message: "answer lacks user.encodedId or user.timezone")
        }
        guard TimeZone(identifier: zone) != nil else {
            throw ExportError.http(endpoint: "profile.json", status: 200, message: "unknown time zone \(zone)")
        }
        return Profile(encodedID: id, timeZone: zone, memberSince: (user["memberSince"] as? String).flatMap { LocalDate($0) })
    }

    /// The latest `lastSyncTime` over the user's devices (local wall clock), nil when there is no device.
    public func lastSync() async throws -> LocalDateTime? {
        let body = try await requireOK("/1/user/-/devices.json", endpoint: "devices.json")
        guard let devices = try? JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else {
            throw ExportError.http(endpoint: "devices.json", status: 200, message: "answer is not a list of devices")
        }
        return devices.compactMap { ($0["lastSyncTime"] as? String).flatMap { LocalDateTime($0) } }.max()
    }

    /// The raw body of one day, or why it could not be had.
    public func heartRateDay(_ date: LocalDate, detail: Detail) async throws -> Result<[UInt8], DayFailure> {
        do {
            let result = try await get("/1/user/-/activities/heart/date/\(date)/1d/\(detail.rawValue).json")
            switch result.status {
            case 200:
                return .success(result.body)
            case 403:
                throw ExportError.authorizationNeeded("the heart-rate endpoint answered 403 (\(APIErrorBody(result.body).types.first ?? "insufficient_scope")): the token lacks the heartrate scope")
            default:
                let body = APIErrorBody(result.body)
                return .failure(DayFailure(date: date, kind: .http, httpStatus: result.status, message: "heart-rate request refused" + body.summary))
            }
        } catch let failure as RequestFailure {
            return .failure(DayFailure(date: date, kind: failure.status == nil ? .network : .http, httpStatus: failure.status, message: failure.message))
        }
    }

    private func requireOK(_ path: String, endpoint: String) async throws -> [UInt8] {
        do {
            let result = try await get(path)
            guard result.status == 200 else {
                if result.status == 403 {
                    throw ExportError.authorizationNeeded("\(endpoint) answered 403: the token lacks a scope (\(APIConfiguration.scopes) are needed)")
                }
                throw ExportError.http(endpoint: endpoint, status: result.status, message: "request refused" + APIErrorBody(result.body).summary)
            }
            return result.body
        } catch let failure as RequestFailure {
            throw ExportError.http(endpoint: endpoint, status: failure.status, message: failure.message)
        }
    }

    /// One GET with everything the API asks of a careful client. Returns any final answer that is not a 5xx
    /// or 429; throws `RequestFailure` when retries are exhausted and `ExportError` when the run must stop.
    func get(_ path: String) async throws -> HTTPResult {
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
            case 200..<300 where !Self.isWholeJSON(result.body):
                // A proxy's HTML page or a body cut short: as transient as a 502, so retried the same way.
                guard attempt < retry.maxAttempts else {
                    throw RequestFailure(status: result.status, message: "the answer was not complete JSON after \(attempt) attempts (a truncated body or an HTML error page)")
                }
                try await retry.sleep(beforeAttempt: attempt + 1)
            case 200..<300:
                try await tokens.confirmWorked()
                return result
            case 401 where refreshesAfter401 < 3 && APIErrorBody(result.body).types.contains("expired_token"):
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

    /// A cheap check that a body is one whole JSON object or array: the first and last non-space bytes match.
    /// A truncated body or an HTML page fails it; the decoder still checks everything else.
    static func isWholeJSON(_ body: [UInt8]) -> Bool {
        let space: Set<UInt8> = [0x20, 0x0A, 0x0D, 0x09]
        guard let first = body.first(where: { !space.contains($0) }), let last = body.last(where: { !space.contains($0) }) else { return false }
        return (first == UInt8(ascii: "{") && last == UInt8(ascii: "}")) || (first == UInt8(ascii: "[") && last == UInt8(ascii: "]"))
    }
}
