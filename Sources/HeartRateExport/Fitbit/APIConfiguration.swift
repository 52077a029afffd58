import Foundation

/// Where the provider lives and who we are to it. Values only: the CLI reads the environment.
public struct APIConfiguration: Sendable, Equatable {
    public static let fitbitAPIBase = "https://api.fitbit.com"
    public static let fitbitAuthorizeURL = "https://www.fitbit.com/oauth2/authorize"
    public static let scopes = "heartrate profile settings"
    public static let googleAPIBase = "https://health.googleapis.com"
    public static let googleAuthorizeURL = "https://accounts.google.com/o/oauth2/v2/auth"
    public static let googleTokenURL = "https://oauth2.googleapis.com/token"
    public static let googleScope = "https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly"

    public var source: SourceKind
    public var apiBase: String
    public var authorizeURL: String
    public var tokenURL: String
    public var clientID: String
    /// Beside the token endpoint, as Fitbit (and the sandbox) serve it.
    public var revokeURL: String {
        tokenURL.hasSuffix("/token") ? String(tokenURL.dropLast(6)) + "/revoke" : apiBase + "/oauth2/revoke"
    }
    /// Nil for a public PKCE client; a confidential client authenticates with HTTP Basic.
    public var clientSecret: String?

    /// The scopes asked for at authorization.
    public var scope: String { source == .google ? Self.googleScope : Self.scopes }

    /// Fills the URLs the way the design's table (and, for Google, its issue) says: a custom base moves
    /// authorize and token with it.
    public init(source: SourceKind = .fitbit, apiBase: String? = nil, authorizeURL: String? = nil, tokenURL: String? = nil,
                clientID: String, clientSecret: String? = nil) throws(ExportError) {
        guard source.isAPI else { throw .usage("\(source.rawValue) is read from files, not an API") }
        self.source = source
        let google = source == .google
        let base = (apiBase ?? (google ? Self.googleAPIBase : Self.fitbitAPIBase)).trimmingSuffix("/")
        self.apiBase = base
        if google {
            self.authorizeURL = authorizeURL ?? (apiBase == nil ? Self.googleAuthorizeURL : base + "/o/oauth2/v2/auth")
            self.tokenURL = tokenURL ?? (apiBase == nil ? Self.googleTokenURL : base + "/token")
        } else {
            self.authorizeURL = authorizeURL ?? (apiBase == nil ? Self.fitbitAuthorizeURL : base + "/oauth2/authorize")
            self.tokenURL = tokenURL ?? base + "/oauth2/token"
        }
        self.clientID = clientID
        self.clientSecret = clientSecret.flatMap { $0.isEmpty ? nil : $0 }
        for (name, url) in [("API base", self.apiBase), ("authorize URL", self.authorizeURL), ("token URL", self.tokenURL)] {
            try Self.requireSecure(url, name: name)
        }
        guard !clientID.isEmpty else { throw .usage("no client id: set HREXPORT_CLIENT_ID or pass --client-id") }
    }

    /// Tokens travel in these requests: plain http is allowed only to this machine (the sandbox).
    public static func requireSecure(_ url: String, name: String) throws(ExportError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty else {
            throw .usage("the \(name) \"\(url)\" is not an absolute URL")
        }
        switch scheme {
        case "https": return
        case "http" where isLoopback(host): return
        case "http": throw .usage("the \(name) \(url) is plain http to a host that is not this machine; use https")
        default: throw .usage("the \(name) \(url) must use https")
        }
    }

    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }
}

/// Percent-encoding for query strings and form bodies (RFC 3986 unreserved characters pass through).
public enum FormEncoding {
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    public static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Parses `a=b&c=d` (form bodies and query strings), `+` meaning space.
    public static func decode(_ text: String) -> [String: String] {
        var result = [String: String]()
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(parts[1])) : ""
            result[key] = value
        }
        return result
    }
}
