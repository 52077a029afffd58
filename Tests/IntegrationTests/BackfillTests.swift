import Foundation
import HeartRateExport
import Sandbox
import Testing

@Suite("Backfill against the sandbox")
struct BackfillTests {
    @Test("a backfill across a DST change matches the sandbox's truth, and a second run makes no data request")
    func backfillAndRerun() async throws {
        try await Harness.with { h in
            try await h.authorize()
            let summary = try await h.backfill("2026-10-25", "2026-11-03")
            #expect(summary.failed == 0)
            #expect(summary.complete + summary.empty == 10)
            try await h.expectMatchesTruth("2026-10-25", "2026-11-03")
            let october = try monthRows(h.out + "/SANDBOX1/heart_rate_1min/2026-10.parquet")
            let november = try monthRows(h.out + "/SANDBOX1/heart_rate_1min/2026-11.parquet")
            #expect(october.count + november.count == summary.rows)
            #expect(FileSystem.exists(h.out + "/SANDBOX1/heart_rate_daily/2026-11.parquet"))

            let before = try await h.heartRequests().count
            let again = try await h.backfill("2026-10-25", "2026-11-03")
            #expect(try await h.heartRequests().count == before)
            #expect(again.complete == 0 && again.failed == 0)
        }
    }

    @Test("tokens rotate mid-run under a 10-per-3-second rate limit: no 429, every day done, stored token is current")
    func rotationAndRateLimit() async throws {
        try await Harness.with({ $0.rateLimit = 10; $0.hourSeconds = 3; $0.tokenTTL = 1.5 }) { h in
            try await h.authorize()
            let summary = try await h.backfill("2026-09-01", "2026-09-30")
            #expect(summary.failed == 0)
            let log = try await h.requests()
            #expect(!log.contains { $0["status"] as? Int == 429 }, "a request got a 429: \(log.map { "\($0["time"] ?? "") \($0["status"] ?? "") \(($0["path"] as? String)?.suffix(24) ?? "")" })")
            // One code exchange, then at least one refresh of the 1.5-second access token across 3 windows.
            #expect(log.filter { $0["path"] as? String == "/oauth2/token" }.count >= 2, "the token never rotated")
            try await h.expectMatchesTruth("2026-09-01", "2026-09-30")
            let stored = try #require(try CredentialsStore(stateFolder: h.state).load(source: .fitbit, user: "SANDBOX1"))
            let current = try #require(try await h.json("/_sandbox/token?user=SANDBOX1") as? [String: Any])
            #expect(current["fingerprint"] as? String == stored.fingerprint)
            #expect(try h.manifest().token?.fingerprint == stored.fingerprint)
        }
    }

    @Test("5xx faults are retried with backoff and the run completes")
    func faultsRetried() async throws {
        try await Harness.with({ $0.faultRate = 0.3 }) { h in
            try await h.authorize()
            let summary = try await h.backfill("2026-08-01", "2026-08-15")
            #expect(summary.failed == 0)
            #expect(try await h.requests().contains { ($0["status"] as? Int ?? 0) >= 500 })
            try await h.expectMatchesTruth("2026-08-01", "2026-08-15")
        }
    }

    @Test("a day the device has not synced past stays partial, and a late sync completes it")
    func partialThenLateSync() async throws {
        try await Harness.with({ $0.lastSync = LocalDateTime("2026-10-10T12:00:00") }) { h in
            try await h.authorize()
            let first = try await h.backfill("2026-10-08", "2026-10-12")
            #expect(first.partial == 3)
            var manifest = try h.manifest()
            let partialRows = try #require(manifest.entry(.oneMinute, LocalDate("2026-10-10")!)).rows
            #expect(partialRows > 0)
            #expect(manifest.entry(.oneMinute, LocalDate("2026-10-11")!)?.status == .partial)
            #expect(manifest.entry(.oneMinute, LocalDate("2026-10-11")!)?.rows == 0)
            #expect(try await h.heartRequests().count == 3, "days after the last sync must not be requested")

            _ = try await h.json("/_sandbox/last-sync?user=SANDBOX1&value=2026-10-13T08:00:00", method: "POST")
            let second = try await h.backfill("2026-10-08", "2026-10-12")
            #expect(second.complete + second.empty == 3)
            #expect(try await h.heartRequests().count == 6)
            manifest = try h.manifest()
            #expect(try #require(manifest.entry(.oneMinute, LocalDate("2026-10-10")!)).rows > partialRows)
            try await h.expectMatchesTruth("2026-10-08", "2026-10-12")
            let lines = try monthRows(h.out + "/SANDBOX1/heart_rate_1min/2026-10.parquet")
            #expect(lines.count == (8...12).reduce(0) { $0 + (manifest.entry(.oneMinute, LocalDate(year: 2026, month: 10, day: $1)!)?.rows ?? 0) })
        }
    }

    @Test("without credentials the backfill asks for `hrexport auth` (exit 3)")
    func noCredentials() async throws {
        try await Harness.with { h in
            let error = await #expect(throws: ExportError.self) { try await h.backfill("2026-10-01", "2026-10-02") }
            #expect(error?.exitCode == 3)
            #expect(error?.description.contains("hrexport auth") == true)
        }
    }

    @Test("a revoked refresh token stops the run with exit 3 and leaves the credentials file intact")
    func revokedToken() async throws {
        try await Harness.with({ $0.tokenTTL = 0.5 }) { h in
            let credential = try await h.authorize()
            let form = "token=" + credential.refreshToken
            _ = try await h.transport.send(HTTPRequestSpec(method: "POST", url: h.sandbox.baseURL + "/oauth2/revoke", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8)), timeout: .seconds(5))
            try await Task.sleep(for: .seconds(1))
            let error = await #expect(throws: ExportError.self) { try await h.backfill("2026-10-01", "2026-10-02") }
            #expect(error?.exitCode == 3)
            #expect(error.map { !String(describing: $0).contains(credential.refreshToken) } == true)
            #expect(try CredentialsStore(stateFolder: h.state).load(source: .fitbit, user: "SANDBOX1")?.refreshToken == credential.refreshToken)
        }
    }

    @Test("an answer of 410 Gone exits 5 with the shutdown sentence")
    func gone() async throws {
        struct GoneTransport: HTTPTransport {
            func send(_ request: HTTPRequestSpec, timeout: Duration) async throws -> HTTPResult { HTTPResult(status: 410) }
        }
        let configuration = try APIConfiguration(apiBase: "http://127.0.0.1:1", clientID: "x")
        let error = await #expect(throws: ExportError.self) {
            try await Authorization(configuration: configuration, store: CredentialsStore(stateFolder: "/tmp/hrexport-gone-\(UUID())"), transport: GoneTransport()).importRefreshToken("t")
        }
        #expect(error?.exitCode == 5)
        #expect(error?.description.contains("2 November 2026") == true)
    }
}
