import Foundation

/// What one API provider does differently, asked by the shared code (OAuth, HTTP, the backfill) instead of
/// branching on the source: its endpoints and scope, how it says a token expired, how its requests are paced,
/// when a day is settled, how a user is named, and the client and decoder of its days.
public protocol Provider: Sendable {
    var kind: SourceKind { get }

    // MARK: OAuth
    var defaultAPIBase: String { get }
    /// The authorize and token endpoints: the provider's own, or where they sit under an overridden base.
    func authorizeURL(base: String?) -> String
    func tokenURL(base: String?) -> String
    /// The scopes asked for, space separated.
    var scope: String { get }
    /// Fields the authorize URL needs besides the standard ones.
    var authorizeFields: [(String, String)] { get }
    /// A refresh answer may lack `refresh_token` (the old one stays valid); else one is required.
    var refreshMayKeepToken: Bool { get }
    /// Why a refresh token was refused, in the provider's terms.
    func refusedRefreshToken(user: String) -> String
    /// The user, when the token answer names none: asked with the new access token through `get`.
    func user(identityThrough get: @Sendable (String) async throws -> HTTPResult) async throws -> String?

    // MARK: HTTP
    /// Whether a 401 may be cured by refreshing the access token.
    func mayRefresh(after result: HTTPResult) -> Bool
    /// Pacing for a provider that sends no rate headers; nil: learn the budget from the headers.
    func pacing(override: RateBudget.Pacing?) -> RateBudget.Pacing?

    // MARK: days
    func makeSource(requester: AuthorizedRequester) -> any HeartRateSource
    /// How far the data reach for the day statuses: the device's last sync, or the provider's settle rule.
    func settledReach(lastSync: LocalDateTime?, today: LocalDate) -> LocalDateTime?
}

extension SourceKind {
    /// The provider of an API source; nil for Takeout, which is read from files.
    public var provider: (any Provider)? {
        switch self {
        case .fitbit: FitbitProvider()
        case .google: GoogleProvider()
        case .takeout: nil
        }
    }

    /// Sources that are APIs with OAuth credentials (Takeout is read from files).
    public var isAPI: Bool { provider != nil }

    /// The detail whose raw bodies a series is made from. Fitbit serves each detail; Google and Takeout give
    /// irregular samples, from which the coarser series are derived (mean per local bucket).
    public func rawDetail(for detail: Detail) -> Detail {
        switch self {
        case .fitbit: detail
        case .google, .takeout: .oneSecond
        }
    }

    /// The detail a run writes when none is asked for: what the source serves natively.
    public var defaultDetail: Detail { rawDetail(for: .oneMinute) }

    /// Sources without zone names: the zone of each day is observed from its samples' offsets.
    public var observesZones: Bool { self == .google }

    public var decoder: any DayDecoder {
        switch self {
        case .fitbit: FitbitDayDecoder()
        case .google: GoogleDayDecoder()
        case .takeout: TakeoutDayDecoder()
        }
    }
}
