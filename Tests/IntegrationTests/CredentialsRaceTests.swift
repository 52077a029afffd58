import Foundation
import HeartRateExport
import Testing

@Suite("Credentials of many users")
struct CredentialsRaceTests {
    /// Issue 18, finding 1: with one shared credentials file, two users' runs that refreshed at once could each
    /// read the file, rotate, and write it back with the other's entry as it was before: a spent refresh token
    /// stored, and the user locked out once the replay window passed. A pause between read and write (the test
    /// hook) makes that interleaving happen in every round; with one file per (source, user), written only
    /// under that user's lock, no round may lose a token.
    @Test("two and four users refreshing at once in one state folder: after every round each stored refresh token is the provider's current one",
          arguments: [2, 4])
    func concurrentRefreshes(users: Int) async throws {
        try await Harness.with({ $0.users = users }) { h in try await rounds(h, users: users) }
    }

    private func rounds(_ h: Harness, users: Int) async throws {
        let names = (1...users).map { "SANDBOX\($0)" }
        for name in names { try await h.authorize(user: name) }
        let store = CredentialsStore(stateFolder: h.state)
        for round in 1...20 {
            // Every stored access token is made to look expired (under each user's lock, as any writer must hold
            // it), so every run below refreshes first, and all of them at once. Only the runs' writes pause.
            CredentialsPause.arm(seconds: 0, in: h.state)
            for name in names {
                let lock = try await UserLock.acquire(stateFolder: h.state, source: .fitbit, user: name)
                var credential = try #require(try store.load(source: .fitbit, user: name))
                credential.expiresAt = 0
                try store.save(credential, holding: lock.proof)
            }
            CredentialsPause.arm(seconds: 0.2, in: h.state)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for name in names {
                    group.addTask { _ = try await h.backfill("2026-10-01", "2026-10-01", user: name) }
                }
                try await group.waitForAll()
            }
            for name in names {
                let stored = try #require(try store.load(source: .fitbit, user: name))
                let provider = try #require(try await h.json("/_sandbox/token?user=\(name)") as? [String: Any])
                #expect(stored.fingerprint == provider["fingerprint"] as? String, "round \(round): \(name)'s stored refresh token is not the provider's current one")
            }
        }
        let refreshes = try await h.requests().filter { ($0["path"] as? String) == "/oauth2/token" }.count
        #expect(refreshes >= 20 * users + users, "every round refreshed every user (\(refreshes) token requests)")
    }
}
