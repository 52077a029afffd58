import Foundation

/// Hands out a valid access token and owns the refresh-token rotation.
///
/// Fitbit refresh tokens are single-use: the new one is saved durably (atomic write, fsync) before the new
/// access token is returned to anyone. Refreshes are serialized, so two requests never spend the same token.
public actor TokenProvider {
    private let store: CredentialsStore
    /// The user's lock, held by the run: only its holder writes the user's credentials.
    private let lock: UserLock.Proof
    private let oauth: OAuthClient
    private var credential: Credential
    private var refreshInFlight: Task<String, any Error>?

    public init(credential: Credential, store: CredentialsStore, lock: UserLock.Proof, oauth: OAuthClient) {
        self.credential = credential
        self.store = store
        self.lock = lock
        self.oauth = oauth
    }

    public var current: Credential { credential }

    /// A token with more than min(5 minutes, lifetime/10) left, refreshing first when needed.
    public func accessToken() async throws -> String {
        if let task = refreshInFlight { return try await task.value }
        if let token = credential.accessToken, let expiresAt = credential.expiresAt {
            let margin = min(300, (credential.expiresIn ?? 28_800) / 10)
            if expiresAt - Date().timeIntervalSince1970 > margin { return token }
        }
        return try await refresh()
    }

    /// Called after a 401 `expired_token`: refresh unless another request already did since `rejected` was issued.
    public func accessToken(replacing rejected: String) async throws -> String {
        if let task = refreshInFlight { return try await task.value }
        if let token = credential.accessToken, token != rejected { return token }
        return try await refresh()
    }

    /// The first successful API call proves the new refresh token is live: forget the previous one.
    public func confirmWorked() throws(ExportError) {
        guard credential.previousRefreshToken != nil else { return }
        credential.previousRefreshToken = nil
        try store.save(credential, holding: lock)
    }

    private func refresh() async throws -> String {
        let task = Task { try await self.performRefresh() }
        refreshInFlight = task
        defer { refreshInFlight = nil }
        return try await task.value
    }

    private func performRefresh() async throws -> String {
        do {
            return try await rotateWaitingOutConflicts(using: credential.refreshToken)
        } catch let refusal as TokenRefusal {
            // Another process may have rotated the token since we read it: adopt the stored one and try once more.
            if let stored = try store.load(source: credential.source, user: credential.user), stored.refreshToken != credential.refreshToken {
                credential = stored
                do { return try await rotate(using: stored.refreshToken) } catch is TokenRefusal {}
            } else if refusal == .invalidGrant, let previous = credential.previousRefreshToken {
                // A crash may have lost the answer to the last rotation; Fitbit replays it within its window.
                do { return try await rotate(using: previous) } catch is TokenRefusal {}
            }
            throw ExportError.authorizationNeeded(oauth.configuration.provider.refusedRefreshToken(user: credential.user))
        }
    }

    /// A 409 means another refresh of this grant is under way elsewhere (Fitbit's documentation): wait a moment and
    /// spend the same token again, which then either rotates or is replayed with the other refresh's answer.
    private func rotateWaitingOutConflicts(using refreshToken: String) async throws -> String {
        var conflicts = 0
        while true {
            do {
                return try await rotate(using: refreshToken)
            } catch TokenRefusal.conflict where conflicts < 3 {
                conflicts += 1
                try await Task.sleep(for: .milliseconds(500 * conflicts))
            }
        }
    }

    private func rotate(using refreshToken: String) async throws -> String {
        let response = try await oauth.refresh(refreshToken)
        CrashPoint.reached(.afterTokenReceived)
        let now = Date().timeIntervalSince1970
        var next = credential
        if let newRefresh = response.refreshToken, newRefresh != credential.refreshToken {
            next.previousRefreshToken = refreshToken
            next.refreshToken = newRefresh
            next.rotatedAt = now
        }
        next.accessToken = response.accessToken
        next.expiresIn = response.expiresIn
        next.expiresAt = now + response.expiresIn
        try store.save(next, holding: lock)  // durable before anyone may use the new access token
        credential = next
        return response.accessToken
    }
}
