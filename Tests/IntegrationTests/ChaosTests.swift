import Foundation
import HeartRateExport
import Sandbox
import Testing

@Suite("Chaos")
struct ChaosTests {
    @Test("a real backfill under every fault, a tight rate limit and 2-second tokens, killed at each crash point and 20 times at random, ends exact",
          .enabled(if: hrexportBinary() != nil, "the hrexport binary is not built; run `make test`"))
    func chaos() async throws {
        let binary = try #require(hrexportBinary())
        let seed = TestSeed.value("HREXPORT_CHAOS_SEED", default: 20_261_203)
        print("chaos: seed \(seed) (HREXPORT_CHAOS_SEED=\(seed) replays the faults and the kill times)")
        var rng = SplitMix64(seed: seed)
        try await Harness.with({
            $0.faultSeed = seed
            $0.rateLimit = 8
            $0.hourSeconds = 1
            $0.tokenTTL = 2
            $0.faults = Faults(spec: "5xx=0.1,reset=0.05,slow=0.05,truncated=0.02,html=0.02,burst429=0.01,token5xx=0.05")!
            $0.slowSeconds = 3
        }) { h in
            try await h.authorize()
            // 92 days at 8 requests a second: long enough that 20 random kills always land before the run ends.
            let (from, to) = ("2026-05-01", "2026-07-31")

            func launch(crashAt point: CrashPoint? = nil) throws -> Process {
                var environment = ["HREXPORT_TEST_FAST_RETRIES": "1"]
                if let point { environment["HREXPORT_CRASH_AT"] = point.rawValue }
                // One request in flight: a kill can then cost at most the one day whose answer was on its way.
                return try h.launch(binary, ["backfill", "--from", from, "--to", to, "--request-timeout", "2", "--concurrency", "1"],
                                    environment: environment, captureErrors: point != nil)
            }

            var kills = 0
            var crashPointKills = 0
            for point in CrashPoint.allCases {
                // A run may end early for a reason the faults allow (a token endpoint that keeps failing exits 1);
                // the point must still be reached within a few runs.
                var outcomes = [String]()
                for _ in 0..<3 {
                    let process = try launch(crashAt: point)
                    let stderr = await exited(process)
                    if process.terminationReason == .uncaughtSignal {
                        // The crash point kills the process itself: it must be SIGKILL, nothing else.
                        #expect(process.terminationStatus == SIGKILL, "\(point.rawValue) ended by signal \(process.terminationStatus)")
                        crashPointKills += 1
                        break
                    }
                    outcomes.append("exit \(process.terminationStatus): " + String(decoding: stderr.suffix(300), as: UTF8.self))
                }
                #expect(outcomes.count < 3, "\(point.rawValue) was never reached: \(outcomes)")
            }
            #expect(crashPointKills == CrashPoint.allCases.count)
            kills += crashPointKills
            var randomKills = 0
            var finishedEarly = false
            while randomKills < 20 && !finishedEarly {
                let process = try launch()
                try await Task.sleep(for: .milliseconds(Int.random(in: 100...700, using: &rng)))
                kill(process.processIdentifier, SIGKILL)
                await exited(process)
                // Only a kill that ended the run counts: one that came after it finished interrupted nothing.
                if process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL {
                    randomKills += 1
                    kills += 1
                } else {
                    finishedEarly = true
                }
            }
            // Faults may still fail a day after all its retries; the next run retries it first.
            var runs = 0
            var status: Int32 = -1
            while status != 0 && runs < 4 {
                let process = try launch()
                await exited(process)
                status = process.terminationStatus
                runs += 1
            }
            #expect(status == 0)
            #expect(randomKills == 20, "the run finished after \(randomKills) kills, before it could be killed 20 times")

            try await h.expectMatchesTruth(from, to)
            #expect(try Verify(layout: ExportLayout(out: h.out, user: "SANDBOX1")).run().problems == [])
            let stored = try #require(try CredentialsStore(stateFolder: h.state).load(source: .fitbit, user: "SANDBOX1"))
            let current = try #require(try await h.json("/_sandbox/token?user=SANDBOX1") as? [String: Any])
            #expect(current["fingerprint"] as? String == stored.fingerprint, "the stored refresh token is not the current one")
            let leftovers = try FileManager.default.subpathsOfDirectory(atPath: h.out).filter { $0.contains(".tmp-") }
            #expect(leftovers.isEmpty, "temp files left: \(leftovers)")

            let log = try await h.requests()
            let heart = log.filter { ($0["path"] as? String)?.contains("/activities/heart/") == true }
            let fetched = heart.filter { $0["status"] as? Int == 200 && $0["fault"] == nil }.compactMap { $0["path"] as? String }
            let perDay = Dictionary(grouping: fetched, by: { $0 }).mapValues(\.count)
            // Every body received is archived before anything else happens, so a day is fetched again only when its
            // answer was on its way at a kill: one request in flight (--concurrency 1), so at most one per kill. (A day
            // may be the one in flight at several kills in a row, when each run is killed before it gets further.)
            let again = fetched.count - perDay.count
            #expect(again <= kills, "\(again) successful fetches repeated, more than the \(kills) kills can explain")
            if again > kills {
                for (path, _) in perDay.filter({ $0.value > 1 }) {
                    print("chaos: \(path) answered at", heart.filter { $0["path"] as? String == path }.map { "\($0["time"] ?? "") \($0["status"] ?? "") \($0["fault"] ?? "-")" })
                }
            }
            #expect(perDay.count == 92)
            let refreshes = log.filter { $0["path"] as? String == "/oauth2/token" }.count
            let faults = log.filter { $0["fault"] != nil }.count
            // 429s that were not an injected burst: requests our budget should not have sent.
            let rateLimited = log.filter { $0["status"] as? Int == 429 && $0["fault"] == nil }
            // The design says zero: every reservation is on disk before its request leaves, so not even a run killed
            // with a request in flight makes the next run overrun the window.
            #expect(rateLimited.isEmpty, "the budget overran the rate limit \(rateLimited.count) times: \(rateLimited.map { "\($0["time"] ?? "") \($0["path"] ?? "")" })")
            print("chaos: \(kills) kills (\(CrashPoint.allCases.count) at crash points), \(runs) final run(s), \(log.count) requests, "
                  + "\(fetched.count) successful day fetches for 92 days, \(faults) faults injected, \(rateLimited.count) unprovoked 429s, \(refreshes) token requests")
        }
    }
}
