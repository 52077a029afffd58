import Crypto
import Foundation

/// One (source, user)'s tokens and the endpoints they belong to, so that a cron job needs no flags.
public struct Credential: Codable, Sendable, Equatable {
    public var source: SourceKind
    public var user: String
    public var refreshToken: String
    /// Kept until the new refresh token has worked once, so a crash around a rotation stays recoverable.
    public var previousRefreshToken: String?
    public var accessToken: String?
    /// Seconds since the Unix epoch.
    public var expiresAt: Double?
    public var expiresIn: Double?
    public var rotatedAt: Double
    public var clientID: String
    public var apiBase: String
    public var authorizeURL: String
    public var tokenURL: String
    public var scope: String?
    /// The `--out` of the last backfill, so that `hrexport sync` from cron needs no flags.
    public var exportFolder: String?

    public init(source: SourceKind, user: String, refreshToken: String, previousRefreshToken: String? = nil, accessToken: String?,
                expiresAt: Double?, expiresIn: Double?, rotatedAt: Double, configuration: APIConfiguration, scope: String?) {
        self.source = source
        self.user = user
        self.refreshToken = refreshToken
        self.previousRefreshToken = previousRefreshToken
        self.accessToken = accessToken
        self.expiresAt = expiresAt
        self.expiresIn = expiresIn
        self.rotatedAt = rotatedAt
        clientID = configuration.clientID
        apiBase = configuration.apiBase
        authorizeURL = configuration.authorizeURL
        tokenURL = configuration.tokenURL
        self.scope = scope
    }

    enum CodingKeys: String, CodingKey {
        case source, user, scope
        case refreshToken = "refresh_token", previousRefreshToken = "previous_refresh_token", accessToken = "access_token"
        case expiresAt = "expires_at", expiresIn = "expires_in", rotatedAt = "rotated_at", clientID = "client_id"
        case apiBase = "api_base", authorizeURL = "authorize_url", tokenURL = "token_url", exportFolder = "export_folder"
    }

    /// A short, non-reversible name for the refresh token, safe to show and to store in the manifest.
    public var fingerprint: String { Self.fingerprint(of: refreshToken) }

    public static func fingerprint(of token: String) -> String {
        String(CanonicalDigest.hex(SHA256.hash(data: Array(token.utf8))).prefix(12))
    }
}
