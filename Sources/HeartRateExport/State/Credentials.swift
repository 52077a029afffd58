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

/// `<state>/credentials.json`, 0600 in a 0700 folder, replaced atomically on every change.
public struct CredentialsStore: Sendable {
    struct File: Codable {
        var credentialsVersion = 1
        var entries: [Credential]

        enum CodingKeys: String, CodingKey {
            case entries
            case credentialsVersion = "credentials_version"
        }
    }

    public let stateFolder: String
    public var path: String { stateFolder + "/credentials.json" }

    public init(stateFolder: String) {
        self.stateFolder = stateFolder
    }

    public func all() throws(ExportError) -> [Credential] {
        guard let bytes = try FileSystem.read(path, limit: 1 << 20) else { return [] }
        do {
            return try JSONDecoder().decode(File.self, from: Data(bytes)).entries
        } catch {
            // Never overwrite it: the refresh token inside may still be the only valid one.
            throw .corrupt(path: path, message: "the credentials file is damaged; restore it from a backup or move it aside and run `hrexport auth`")
        }
    }

    /// The entry for `user` (or the only one of the source when `user` is nil).
    public func load(source: SourceKind, user: String?) throws(ExportError) -> Credential? {
        let matching = try all().filter { $0.source == source && (user == nil || $0.user == user) }
        if user == nil && matching.count > 1 {
            throw .usage("\(path) holds several \(source.rawValue) users (\(matching.map(\.user).joined(separator: ", "))); choose one with --user")
        }
        return matching.first
    }

    /// The entry of `source` (or of any API source when nil) for `user` (or the only one). Entries of several
    /// sources are ambiguous: the caller must name one.
    public func find(source: SourceKind?, user: String?) throws(ExportError) -> Credential? {
        if let source { return try load(source: source, user: user) }
        let matching = try all().filter { user == nil || $0.user == user }
        if matching.count > 1 {
            throw .usage("\(path) holds several entries (\(matching.map { "\($0.source.rawValue) \($0.user)" }.joined(separator: ", "))); choose one with --source and --user")
        }
        return matching.first
    }

    /// Inserts or replaces the entry for its (source, user), durably, before the caller uses any new token.
    public func save(_ credential: Credential) throws(ExportError) {
        var entries = try all().filter { !($0.source == credential.source && $0.user == credential.user) }
        entries.append(credential)
        try write(entries)
    }

    /// Forgets the entry of (source, user); the file stays, with the other entries.
    public func remove(source: SourceKind, user: String) throws(ExportError) {
        try write(try all().filter { !($0.source == source && $0.user == user) })
    }

    private func write(_ entries: [Credential]) throws(ExportError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(File(entries: entries.sorted { ($0.source.rawValue, $0.user) < ($1.source.rawValue, $1.user) })) else {
            throw .corrupt(path: path, message: "cannot encode credentials")
        }
        try FileSystem.createFolder(stateFolder, permissions: .private)
        try AtomicFile.write(Array(data), to: path, permissions: .private)
    }
}
