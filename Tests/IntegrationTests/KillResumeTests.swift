import Foundation
import HeartRateExport
import Sandbox
import Testing

/// The built `hrexport` binary: `make test` passes its path; `swift test` alone finds it beside the tests.
func hrexportBinary() -> String? {
    if let path = ProcessInfo.processInfo.environment["HREXPORT_BIN"], FileManager.default.isExecutableFile(atPath: path) { return path }
    let local = FileManager.default.currentDirectoryPath + "/.build/debug/hrexport"
    return FileManager.default.isExecutableFile(atPath: local) ? local : nil
}

@Suite("Crash safety")
struct KillResumeTests {
    @Test("kill -9 of a real backfill, again and again, then a rerun: no received day fetched again, every day equals the truth",
          .enabled(if: hrexportBinary() != nil, "the hrexport binary is not built; run `make test`"))
    func killAndResume() async throws {
        let binary = try #require(hrexportBinary())
        let seed = TestSeed.value("HREXPORT_KILL_SEED", default: 4_242)
        print("kill -9 test: seed \(seed)")
        var rng = SplitMix64(seed: seed)
        // A slow run: 6 requests per 1-second window, and access tokens that expire every 2 seconds.
        try await Harness.with({ $0.rateLimit = 6; $0.hourSeconds = 1; $0.tokenTTL = 2 }) { h in
            try await h.authorize()

            func launch() throws -> Process {
                try h.launch(binary, ["backfill", "--from", "2026-07-20", "--to", "2026-08-20"])
            }

            var kills = 0
            for _ in 0..<6 {
                let process = try launch()
                try await Task.sleep(for: .milliseconds(Int.random(in: 300...1500, using: &rng)))
                kill(process.processIdentifier, SIGKILL)
                await exited(process)
                // Counted only when the kill is what ended the run.
                if process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL { kills += 1 }
            }
            let last = try launch()
            await exited(last)
            #expect(last.terminationStatus == 0)
            #expect(kills >= 3, "the run finished before it could be killed often enough")

            try await h.expectMatchesTruth("2026-07-20", "2026-08-20")
            let fetched = try await h.heartRequests().filter { $0["status"] as? Int == 200 }.compactMap { $0["path"] as? String }
            let repeated = Dictionary(grouping: fetched, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
            // Every body received is archived before anything else happens, so only the requests in flight at a
            // kill (at most --concurrency, 4) can be sent again; a day is never fetched again once received.
            #expect(fetched.count - Set(fetched).count <= kills * 4, "days fetched again: \(repeated)")
            #expect(Set(fetched).count == 32)
            let leftovers = try FileManager.default.subpathsOfDirectory(atPath: h.out).filter { $0.contains(".tmp-") }
            #expect(leftovers.isEmpty, "temp files left: \(leftovers)")
            let stored = try #require(try CredentialsStore(stateFolder: h.state).load(source: .fitbit, user: "SANDBOX1"))
            let current = try #require(try await h.json("/_sandbox/token?user=SANDBOX1") as? [String: Any])
            #expect(current["fingerprint"] as? String == stored.fingerprint, "the stored refresh token is not the current one")
            print("kill -9 test: \(kills) kills, \(fetched.count) day fetches for 32 days, \(fetched.count - 32) sent again (in flight at a kill)")
        }
    }
}
