import Foundation

/// `hrexport auth`: the authorization-code flow with PKCE (S256) and `state`, or a refresh token imported.
public struct Authorization: Sendable {
    public let configuration: APIConfiguration
    public let store: CredentialsStore
    let transport: any HTTPTransport

    public init(configuration: APIConfiguration, store: CredentialsStore, transport: any HTTPTransport) {
        self.configuration = configuration
        self.store = store
        self.transport = transport
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
        let oauth = OAuthClient(configuration: configuration, transport: transport)
        let response = try await oauth.exchangeCode(code, redirectURI: listener.redirectURI, verifier: pkce.verifier)
        return try save(response, previous: nil)
    }

    /// `--refresh-token -`: spends the given token once, which proves it and stores its successor.
    public func importRefreshToken(_ token: String) async throws -> Credential {
        let oauth = OAuthClient(configuration: configuration, transport: transport)
        do {
            return try save(try await oauth.refresh(token), previous: token)
        } catch is TokenRefusal {
            throw ExportError.authorizationNeeded("the imported refresh token was refused")
        }
    }

    public func authorizeURL(redirectURI: String, state: String, challenge: String) -> String {
        let separator = configuration.authorizeURL.contains("?") ? "&" : "?"
        return configuration.authorizeURL + separator + FormEncoding.encode([
            ("response_type", "code"), ("client_id", configuration.clientID), ("redirect_uri", redirectURI),
            ("scope", APIConfiguration.scopes), ("state", state), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ])
    }

    private func save(_ response: TokenResponse, previous: String?) throws -> Credential {
        guard let refresh = response.refreshToken else {
            throw ExportError.http(endpoint: "the token endpoint", status: 200, message: "no refresh token in the answer")
        }
        guard let user = response.userID, !user.isEmpty else {
            throw ExportError.http(endpoint: "the token endpoint", status: 200, message: "no user_id in the answer")
        }
        let now = Date().timeIntervalSince1970
        let credential = Credential(source: .fitbit, user: user, refreshToken: refresh, previousRefreshToken: previous, accessToken: response.accessToken,
                                    expiresAt: now + response.expiresIn, expiresIn: response.expiresIn, rotatedAt: now,
                                    configuration: configuration, scope: response.scope)
        try store.save(credential)
        return credential
    }
}
