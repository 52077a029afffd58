/// The Fitbit Web API (turned off on 2 Nov 2026; self-hosted compatible servers and the sandbox speak it).
public struct FitbitProvider: Provider {
    public static let apiBase = "https://api.fitbit.com"
    public static let authorizeURL = "https://www.fitbit.com/oauth2/authorize"
    public static let scopes = "heartrate profile settings"

    public init() {}

    public var kind: SourceKind { .fitbit }
    public var defaultAPIBase: String { Self.apiBase }
    public func authorizeURL(base: String?) -> String { base.map { $0 + "/oauth2/authorize" } ?? Self.authorizeURL }
    public func tokenURL(base: String?) -> String { (base ?? Self.apiBase) + "/oauth2/token" }
    public var scope: String { Self.scopes }
    public var authorizeFields: [(String, String)] { [] }
    public var refreshMayKeepToken: Bool { false }

    public func refusedRefreshToken(user: String) -> String {
        "the refresh token for \(user) was refused (revoked, or used elsewhere)"
    }

    /// Fitbit's token answer names the user (`user_id`).
    public func user(identityThrough get: @Sendable (String) async throws -> HTTPResult) async throws -> String? { nil }

    /// Fitbit says why: only `expired_token` is cured by a refresh (`invalid_token` is not).
    public func mayRefresh(after result: HTTPResult) -> Bool { APIErrorBody(result.body).types.contains("expired_token") }

    /// The budget is learned from `Fitbit-Rate-Limit-*` headers.
    public func pacing(override: RateBudget.Pacing?) -> RateBudget.Pacing? { nil }

    public func makeSource(requester: AuthorizedRequester) -> any HeartRateSource { FitbitClient(requester: requester) }

    /// The devices' last sync says it.
    public func settledReach(lastSync: LocalDateTime?, today: LocalDate) -> LocalDateTime? { lastSync }
}
