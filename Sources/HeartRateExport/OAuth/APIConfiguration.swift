import Foundation

/// Where the provider lives and who we are to it. Values only: the CLI reads the environment.
public struct APIConfiguration: Sendable {
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

    /// What differs between the APIs, for the code that talks to them.
    public var provider: any Provider { source.provider! }

    /// The scopes asked for at authorization.
    public var scope: String { provider.scope }

    /// Fills the URLs the way the design's table (and, for Google, its issue) says: a custom base moves
    /// authorize and token with it.
    public init(source: SourceKind = .fitbit, apiBase: String? = nil, authorizeURL: String? = nil, tokenURL: String? = nil,
                clientID: String, clientSecret: String? = nil) throws(ExportError) {
        guard let provider = source.provider else { throw .usage("\(source.rawValue) is read from files, not an API") }
        self.source = source
        let base = apiBase?.trimmingSuffix("/")
        self.apiBase = base ?? provider.defaultAPIBase
        self.authorizeURL = authorizeURL ?? provider.authorizeURL(base: base)
        self.tokenURL = tokenURL ?? provider.tokenURL(base: base)
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
