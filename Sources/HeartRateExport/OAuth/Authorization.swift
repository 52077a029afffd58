import Foundation

/// `hrexport auth`: the authorization-code flow with PKCE (S256) and `state`, or a refresh token imported.
public struct Authorization: Sendable {
    public let configuration: APIConfiguration
    public let store: CredentialsStore
    let transport: any HTTPTransport
    let retry: RetryPolicy
    /// How long to wait for a run of the same user to finish before the new tokens are written (exit 4 after).
    let lockTimeout: Double

    public init(configuration: APIConfiguration, store: CredentialsStore, transport: any HTTPTransport, retry: RetryPolicy = .standard,
                lockTimeout: Double = 30) {
        self.configuration = configuration
        self.store = store
        self.transport = transport
        self.retry = retry
        self.lockTimeout = lockTimeout
    }

    /// Runs the whole browser flow. `present` shows the authorize URL (prints it, opens a browser); it is
    /// called once the listener is bound, so the URL always carries the real port.
    public func authorize(port: Int, timeout: Duration = .seconds(300), present: @Sendable (String) async -> Void) async throws -> Credential {
        let pkce = PKCE()
        let state = PKCE.randomURLSafe(bytes: 16)
        let listener = try await CallbackListener.bind(port: port, expectedState: state)
        let url = authorizeURL(redirectURI: listener.redirectURI, state: state, challenge: pkce.challenge)
        await present(url)
        let query: [String: String]
        do {
            query = try await listener.wait(timeout: timeout)
        } catch {
            await listener.close()
            throw error
        }
        await listener.close()
        if let error = query["error"] {
            throw ExportError.authorizationNeeded("the provider refused the authorization (\(error))")
        }
        guard let code = query["code"], !code.isEmpty else {
            throw ExportError.authorizationNeeded("the callback carried no authorization code")
        }
        let oauth = OAuthClient(configuration: configuration, transport: transport, retry: retry)
        let response = try await oauth.exchangeCode(code, redirectURI: listener.redirectURI, verifier: pkce.verifier)
        return try await save(response, previous: nil)
    }

    /// `--refresh-token -`: spends the given token once, which proves it and stores its successor.
    public func importRefreshToken(_ token: String) async throws -> Credential {
        let oauth = OAuthClient(configuration: configuration, transport: transport, retry: retry)
        do {
            return try await save(try await oauth.refresh(token), previous: token)
        } catch is TokenRefusal {
            throw ExportError.authorizationNeeded("the imported refresh token was refused")
        }
    }

    /// `auth --no-listen`, for a machine without a browser: remembers the verifier and `state` (0600, ten
    /// minutes) and returns the URL to open elsewhere. `finish` takes what the browser ended on.
    public func start(redirectURI: String) throws(ExportError) -> String {
        let pkce = PKCE()
        let pending = PendingAuthorization(verifier: pkce.verifier, state: PKCE.randomURLSafe(bytes: 16), redirectURI: redirectURI,
                                           createdAt: Date().timeIntervalSince1970)
        try PendingAuthorization.Store(stateFolder: store.stateFolder).save(pending)
        return authorizeURL(redirectURI: redirectURI, state: pending.state, challenge: pkce.challenge)
    }

    /// `auth --code -`: the redirect address the browser ended on (its `state` must match), or the bare code.
    public func finish(pasted: String) async throws -> Credential {
        let pendingStore = PendingAuthorization.Store(stateFolder: store.stateFolder)
        guard let pending = try pendingStore.load() else {
            throw ExportError.usage("no authorization in progress in \(store.stateFolder); run `hrexport auth --no-listen` first")
        }
        guard Date().timeIntervalSince1970 - pending.createdAt <= PendingAuthorization.lifetime else {
            try pendingStore.remove()
            throw ExportError.usage("the authorization started with `hrexport auth --no-listen` is older than ten minutes; run it again")
        }
        let text = pasted.trimmingCharacters(in: .whitespacesAndNewlines)
        var code = text
        if text.contains("code=") || text.contains("error=") {
            let query = text.contains("?") ? String(text[text.index(after: text.firstIndex(of: "?")!)...]) : text
            let fields = FormEncoding.decode(query.split(separator: "#").first.map(String.init) ?? query)
            if let error = fields["error"] { throw ExportError.authorizationNeeded("the provider refused the authorization (\(error))") }
            guard fields["state"] == pending.state else {
                throw ExportError.usage("the pasted address is not from the authorization in progress (its state differs); paste the address this one ended on")
            }
            code = fields["code"] ?? ""
        }
        guard !code.isEmpty, !code.contains(where: { $0.isWhitespace }) else { throw ExportError.usage("no authorization code in what was pasted") }
        let oauth = OAuthClient(configuration: configuration, transport: transport, retry: retry)
        let response = try await oauth.exchangeCode(code, redirectURI: pending.redirectURI, verifier: pending.verifier)
        let credential = try await save(response, previous: nil)
        try pendingStore.remove()
        return credential
    }

    public func authorizeURL(redirectURI: String, state: String, challenge: String) -> String {
        let separator = configuration.authorizeURL.contains("?") ? "&" : "?"
        var fields = [
            ("response_type", "code"), ("client_id", configuration.clientID), ("redirect_uri", redirectURI),
            ("scope", configuration.scope), ("state", state), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ]
        fields += configuration.provider.authorizeFields
        return configuration.authorizeURL + separator + FormEncoding.encode(fields)
    }

    private func save(_ response: TokenResponse, previous: String?) async throws -> Credential {
        let provider = configuration.provider
        // A provider that keeps the refresh token on a refresh (the answer has none): the imported one stays in use.
        guard let refresh = response.refreshToken ?? (provider.refreshMayKeepToken ? previous : nil) else {
            throw ExportError.http(endpoint: "the token endpoint", status: 200, message: "no refresh token in the answer"
                                   + (provider.authorizeFields.isEmpty ? "" : " (ask with " + provider.authorizeFields.map { "\($0.0)=\($0.1)" }.joined(separator: " and ") + ")"))
        }
        let user: String
        if let id = response.userID, !id.isEmpty {
            user = try UserID.checked(answer: id, endpoint: "the token endpoint")
        } else if let id = try await provider.user(identityThrough: identityRequest(accessToken: response.accessToken)) {
            user = id
        } else {
            throw ExportError.http(endpoint: "the token endpoint", status: 200, message: "no user_id in the answer")
        }
        let now = Date().timeIntervalSince1970
        let credential = Credential(source: configuration.source, user: user, refreshToken: refresh, previousRefreshToken: refresh == previous ? nil : previous,
                                    accessToken: response.accessToken,
                                    expiresAt: now + response.expiresIn, expiresIn: response.expiresIn, rotatedAt: now,
                                    configuration: configuration, scope: response.scope)
        // Only the user's own runs write their file; one running now would otherwise overwrite the new grant.
        let lock = try await UserLock.acquire(stateFolder: store.stateFolder, source: configuration.source, user: user, timeout: lockTimeout)
        try store.save(credential, holding: lock.proof)
        return credential
    }

    /// A GET with the new access token, outside any budget. The code is spent and the tokens saved nowhere yet:
    /// what is transient (a 429 too) is retried rather than lose them.
    private func identityRequest(accessToken: String) -> @Sendable (String) async throws -> HTTPResult {
        let (configuration, transport, retry) = (self.configuration, self.transport, self.retry)
        return { path in
            let request = HTTPRequestSpec(url: configuration.apiBase + path, headers: [("Authorization", "Bearer " + accessToken), ("Accept", "application/json")])
            return try await retry.send(request, via: transport, endpoint: "identity") { result in
                result.status == 429 || (500...599).contains(result.status) || (result.status == 200 && !ResponseShape.isWholeJSON(result.body))
            }
        }
    }
}
