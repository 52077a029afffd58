import Foundation

/// The token endpoint's answer (RFC 6749 §5.1, plus Fitbit's `user_id`).
public struct TokenResponse: Decodable, Sendable {
    public var accessToken: String
    public var expiresIn: Double
    public var refreshToken: String?
    public var scope: String?
    public var userID: String?

    enum CodingKeys: String, CodingKey {
        case scope
        case accessToken = "access_token", expiresIn = "expires_in", refreshToken = "refresh_token", userID = "user_id"
    }
}

extension TokenResponse {
    /// Tokens travel in headers and form bodies: one with a space, a control character or nothing at all cannot
    /// be sent safely, so it is refused here, before it is stored (and never shown: it is a secret).
    func checked() throws(ExportError) -> TokenResponse {
        guard Self.isSendable(accessToken) else {
            throw .http(endpoint: "the token endpoint", status: 200, message: "the access token in the answer is empty or holds spaces or control characters; it was not stored")
        }
        if let refreshToken, !Self.isSendable(refreshToken) {
            throw .http(endpoint: "the token endpoint", status: 200, message: "the refresh token in the answer is empty or holds spaces or control characters; it was not stored")
        }
        guard expiresIn.isFinite, expiresIn > 0 else {
            throw .http(endpoint: "the token endpoint", status: 200, message: "expires_in \(expiresIn) is not a positive number of seconds")
        }
        var copy = self
        // A lifetime beyond a year is not a real access token's: treat it as a year, so date arithmetic stays finite.
        copy.expiresIn = min(expiresIn, 365 * 86_400)
        return copy
    }

    static func isSendable(_ token: String) -> Bool {
        !token.isEmpty && token.utf8.count <= 16_384 && token.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}

/// Why the token endpoint refused. `conflict` and `invalidGrant` may mean another process rotated first.
enum TokenRefusal: Error {
    case invalidGrant
    case conflict
}

/// Talks to the token endpoint: authorization-code and refresh-token grants.
public struct OAuthClient: Sendable {
    public let configuration: APIConfiguration
    let transport: any HTTPTransport
    let retry: RetryPolicy

    public init(configuration: APIConfiguration, transport: any HTTPTransport, retry: RetryPolicy = .standard) {
        self.configuration = configuration
        self.transport = transport
        self.retry = retry
    }

    public func exchangeCode(_ code: String, redirectURI: String, verifier: String) async throws -> TokenResponse {
        do {
            return try await post([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", verifier)])
        } catch is TokenRefusal {
            throw ExportError.authorizationNeeded("the authorization code was refused (expired, used twice, or the PKCE verifier did not match)")
        }
    }

    func refresh(_ refreshToken: String) async throws -> TokenResponse {
        try await post([("grant_type", "refresh_token"), ("refresh_token", refreshToken)])
    }

    /// Revokes a token at the provider (RFC 7009); revoking the refresh token ends the whole grant.
    public func revoke(_ token: String) async throws {
        let result = try await send([("token", token)], to: configuration.revokeURL, endpoint: "the revoke endpoint")
        guard result.status == 200 else {
            throw ExportError.http(endpoint: "the revoke endpoint", status: result.status, message: "revocation refused" + APIErrorBody(result.body).summary)
        }
    }

    /// Throws `TokenRefusal` for answers the caller may recover from, `ExportError` otherwise.
    private func post(_ form: [(String, String)]) async throws -> TokenResponse {
        let result = try await send(form, to: configuration.tokenURL, endpoint: "the token endpoint")
        switch result.status {
        case 200:
            let response: TokenResponse
            do {
                response = try JSONDecoder().decode(TokenResponse.self, from: Data(result.body))
            } catch {
                throw ExportError.http(endpoint: "the token endpoint", status: 200, message: "answer is not a token response")
            }
            return try response.checked()
        case 410:
            throw ExportError.apiGone(endpoint: "the token endpoint")
        case 409:
            throw TokenRefusal.conflict
        case 400, 401:
            let body = APIErrorBody(result.body)
            if body.types.contains("invalid_grant") { throw TokenRefusal.invalidGrant }
            if body.types.contains("invalid_client") || body.types.contains("unauthorized_client") {
                throw ExportError.usage("the token endpoint refused client id \(configuration.clientID) (\(body.types.joined(separator: ", "))); check HREXPORT_CLIENT_ID and HREXPORT_CLIENT_SECRET")
            }
            throw ExportError.authorizationNeeded("the token endpoint refused the request (HTTP \(result.status)\(body.summary))")
        default:
            throw ExportError.http(endpoint: "the token endpoint", status: result.status, message: "unexpected answer" + APIErrorBody(result.body).summary)
        }
    }

    /// A form POST with the client's credentials, retried on connection errors and 5xx.
    private func send(_ form: [(String, String)], to url: String, endpoint: String) async throws -> HTTPResult {
        var fields = form
        var headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")]
        if let secret = configuration.clientSecret {
            let basic = Data("\(configuration.clientID):\(secret)".utf8).base64EncodedString()
            headers.append(("Authorization", "Basic " + basic))
        } else {
            fields.append(("client_id", configuration.clientID))
        }
        let request = HTTPRequestSpec(method: "POST", url: url, headers: headers, body: Array(FormEncoding.encode(fields).utf8))
        return try await retry.send(request, via: transport, endpoint: endpoint)
    }
}
