import Foundation
import HeartRateExport

/// Everything the sandbox remembers: codes, tokens with their rotation, rate counters, the request log.
actor SandboxState {
    struct PendingCode {
        var user: String
        var clientID: String
        var redirectURI: String
        var challenge: String?
        var scope: String
        var expiresAt: Double
    }

    struct RefreshRecord {
        var user: String
        var clientID: String
        var scope: String
        /// Set once the token was spent: when, and the answer it got (replayed within the window).
        var rotatedAt: Double?
        var answer: [String: any Sendable]?
        var successor: String?
    }

    struct LoggedRequest: Codable {
        var time: Double
        var method: String
        var path: String
        var status: Int
        var user: String?
        /// The fault this answer carried, if any: a faulted 200 is not a successful fetch.
        var fault: String?
    }

    enum TokenAnswer {
        case ok([String: any Sendable])
        case error(status: Int, type: String, message: String)
    }

    let configuration: SandboxConfiguration
    private var codes = [String: PendingCode]()
    private var refreshTokens = [String: RefreshRecord]()
    private var currentRefresh = [String: String]()
    private var accessTokens = [String: (user: String, expiresAt: Double)]()
    private var windows = [String: (window: Int, used: Int)]()
    private var lastSync = [String: LocalDateTime]()
    private(set) var log = [LoggedRequest]()
    /// Draws the faults: seeded when the configuration says so, so that a chaos test replays the same faults.
    private var rng: SplitMix64

    init(configuration: SandboxConfiguration) {
        self.configuration = configuration
        rng = SplitMix64(seed: configuration.faultSeed ?? UInt64.random(in: 0...UInt64.max))
    }

    /// One of the 5xx answers a busy server gives.
    func serverErrorStatus() -> Int { [500, 502, 503, 504].randomElement(using: &rng)! }

    /// A token as the provider would issue it: unguessable, URL-safe (not seeded: tokens are secrets).
    static func randomToken(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let raw = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(raw).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    func issueCode(user: String, clientID: String, redirectURI: String, challenge: String?, scope: String) -> String {
        let code = Self.randomToken(bytes: 16)
        codes[code] = PendingCode(user: user, clientID: clientID, redirectURI: redirectURI, challenge: challenge, scope: scope, expiresAt: Self.now() + 600)
        return code
    }

    func redeemCode(_ code: String, clientID: String, redirectURI: String?, verifier: String?, confidential: Bool) -> TokenAnswer {
        guard let pending = codes.removeValue(forKey: code), pending.expiresAt > Self.now() else {
            return .error(status: 400, type: "invalid_grant", message: "Authorization code invalid or expired")
        }
        guard pending.clientID == clientID else { return .error(status: 400, type: "invalid_grant", message: "Code issued to another client") }
        guard redirectURI == pending.redirectURI else { return .error(status: 400, type: "invalid_grant", message: "redirect_uri mismatch") }
        if let challenge = pending.challenge {
            guard let verifier, TruthDigest.pkceChallenge(verifier) == challenge else {
                return .error(status: 400, type: "invalid_grant", message: "code_verifier does not match the challenge")
            }
        } else if !confidential {
            return .error(status: 400, type: "invalid_request", message: "public clients must use PKCE")
        }
        return .ok(issueTokens(user: pending.user, clientID: clientID, scope: pending.scope))
    }

    func refresh(_ token: String, clientID: String) -> TokenAnswer {
        guard var record = refreshTokens[token], record.clientID == clientID || clientID.isEmpty else {
            return .error(status: 400, type: "invalid_grant", message: "Refresh token invalid: \(TruthDigest.fingerprint(token))")
        }
        if let rotatedAt = record.rotatedAt {
            // Fitbit replays the same answer for a short while, as long as the new token is still unused.
            if Self.now() - rotatedAt <= configuration.replayWindowSeconds, let successor = record.successor,
               currentRefresh[record.user] == successor, let answer = record.answer {
                return .ok(answer)
            }
            return .error(status: 400, type: "invalid_grant", message: "Refresh token invalid: \(TruthDigest.fingerprint(token))")
        }
        if configuration.api == .google {
            // Google keeps the refresh token: the answer carries a new access token only.
            let access = "sbx-at-" + Self.randomToken(bytes: 24)
            accessTokens[access] = (record.user, Self.now() + configuration.tokenTTL)
            return .ok(["access_token": access, "expires_in": configuration.tokenTTL, "scope": record.scope, "token_type": "Bearer"])
        }
        let answer = issueTokens(user: record.user, clientID: record.clientID, scope: record.scope)
        record.rotatedAt = Self.now()
        record.answer = answer
        record.successor = answer["refresh_token"] as? String
        refreshTokens[token] = record
        return .ok(answer)
    }

    private func issueTokens(user: String, clientID: String, scope: String) -> [String: any Sendable] {
        let access = "sbx-at-" + Self.randomToken(bytes: 24)
        let refresh = "sbx-rt-" + Self.randomToken(bytes: 24)
        accessTokens[access] = (user, Self.now() + configuration.tokenTTL)
        refreshTokens[refresh] = RefreshRecord(user: user, clientID: clientID, scope: scope)
        currentRefresh[user] = refresh
        var answer: [String: any Sendable] = ["access_token": access, "refresh_token": refresh, "expires_in": configuration.tokenTTL,
                                              "scope": scope, "token_type": "Bearer"]
        // Google's answer names no user (the identity endpoint does).
        if configuration.api == .fitbit { answer["user_id"] = user }
        return answer
    }

    func revoke(_ token: String) {
        if let record = refreshTokens.removeValue(forKey: token), currentRefresh[record.user] == token { currentRefresh[record.user] = nil }
        accessTokens[token] = nil
    }

    enum Access {
        case user(String)
        case expired
        case invalid
    }

    func authenticate(_ header: String?) -> Access {
        guard let header, header.hasPrefix("Bearer "), let entry = accessTokens[String(header.dropFirst(7))] else { return .invalid }
        return entry.expiresAt > Self.now() ? .user(entry.user) : .expired
    }

    /// Counts one request against the user's window; returns the headers' values and whether it is allowed.
    /// `reset` is whole seconds, as Fitbit sends it, for windows of a minute or more; a compressed clock gets
    /// milliseconds, or rounding up would cost a second per window.
    func spend(user: String) -> (allowed: Bool, limit: Int, remaining: Int, reset: String) {
        let now = Self.now()
        let length = configuration.hourSeconds
        let window = Int((now / length).rounded(.down))
        var state = windows[user] ?? (window, 0)
        if state.window != window { state = (window, 0) }
        state.used += 1
        windows[user] = state
        // The project's window counts every user's requests ("" is no user id).
        var project = windows[""] ?? (window, 0)
        if project.window != window { project = (window, 0) }
        project.used += 1
        windows[""] = project
        let withinProject = configuration.projectLimit.map { project.used <= $0 } ?? true
        let left = Double(window + 1) * length - now
        let reset = length >= 60 ? String(max(1, Int(left.rounded(.up)))) : String(format: "%.3f", max(0.001, left))
        return (state.used <= configuration.rateLimit && withinProject, configuration.rateLimit, max(0, configuration.rateLimit - state.used), reset)
    }

    enum Fault: String {
        case serverError = "5xx", reset, slow, truncated, html, burst429
    }

    private var burstLeft = [String: Int]()

    /// At most one fault per request, drawn from the configured probabilities; a 429 burst lasts 3 requests.
    func fault(for user: String) -> Fault? {
        if let left = burstLeft[user], left > 0 {
            burstLeft[user] = left - 1
            return .burst429
        }
        let f = configuration.faults
        var draw = Double.random(in: 0..<1, using: &rng)
        for (fault, p) in [(Fault.serverError, f.serverError), (.reset, f.reset), (.slow, f.slow), (.truncated, f.truncated), (.html, f.html), (.burst429, f.burst429)] {
            if draw < p {
                if fault == .burst429 { burstLeft[user] = 2 }
                return fault
            }
            draw -= p
        }
        return nil
    }

    enum TokenFault { case beforeRotation, afterRotation }

    func tokenFault() -> TokenFault? {
        let p = configuration.faults.token5xx
        guard p > 0, Double.random(in: 0..<1, using: &rng) < p else { return nil }
        return Bool.random(using: &rng) ? .beforeRotation : .afterRotation
    }

    func record(_ request: LoggedRequest) { log.append(request) }

    func lastSync(for user: String) -> LocalDateTime {
        if let value = lastSync[user] ?? configuration.lastSync { return value }
        return Self.localNow(configuration.timeZone)
    }

    func setLastSync(_ value: LocalDateTime, for user: String) { lastSync[user] = value }

    /// Paths (by a part of them) that answer 403 as if the grant lacked their scope: a user who unticked a
    /// permission on the consent screen, or an app not allowed a data type.
    private(set) var forbidden = [String]()

    func forbid(_ part: String) { forbidden.append(part) }

    /// Zones the users moved to, each from its first local day (the configured zone before any of them).
    private var moves: [(from: LocalDate, zone: String)] = []

    func move(to zone: String, from date: LocalDate) {
        moves.append((date, zone))
        moves.sort { $0.from < $1.from }
    }

    func zone(on date: LocalDate) -> String {
        moves.last(where: { $0.from <= date })?.zone ?? configuration.timeZone
    }

    func currentRefreshToken(for user: String) -> String? { currentRefresh[user] }

    /// Ends a user's grant as Google does after 7 days for an app in Testing status.
    func expireRefreshToken(for user: String) {
        if let token = currentRefresh[user] { revoke(token) }
    }

    static func localNow(_ zone: String) -> LocalDateTime {
        let now = Date()
        let local = Int(now.timeIntervalSince1970) + (TimeZone(identifier: zone)?.secondsFromGMT(for: now) ?? 0)
        return LocalDateTime(date: LocalDate(daysSinceEpoch: local / 86_400), secondOfDay: local % 86_400)
    }
}
