import Foundation
import HeartRateExport
import Sandbox
import Testing

@Suite("Nightly sync")
struct SyncTests {
    @Test("sync fetches only new, late and looked-back days; an idle sync makes two requests; untouched months keep their mtime")
    func incremental() async throws {
        try await Harness.with({ $0.lastSync = LocalDateTime("2026-10-01T06:00:00") }) { h in
            try await h.authorize()
            _ = try await h.backfill("2026-09-25", "2026-09-30")
            let september = h.out + "/SANDBOX1/heart_rate_1min/2026-09.parquet"
            let septemberMTime = try modificationTime(september)

            // The first sync takes the day the device is syncing into.
            var before = try await h.requests().count
            var summary = try await h.sync()
            #expect(try await h.heartDays(since: try await h.heartRequests().count - 1) == ["2026-10-01"])
            #expect(summary.partial == 1 && summary.failed == 0)
            // Profile, devices, the day's samples, the night ending on it, its daily summaries: nothing else.
            let paths = try await h.requests().dropFirst(before).compactMap { $0["path"] as? String }
            #expect(paths == ["/1/user/-/profile.json", "/1/user/-/devices.json", "/1/user/-/activities/heart/date/2026-10-01/1d/1min.json",
                              "/1/user/-/hrv/date/2026-10-01/all.json", "/1/user/-/hrv/date/2026-10-01/2026-10-01.json"])

            // Nothing new on the device: profile and devices only.
            before = try await h.requests().count
            summary = try await h.sync()
            #expect(try await h.requests().count - before == 2)
            #expect(summary.complete + summary.partial + summary.empty == 0)

            // The device synced two more days: the partial day completes, new days arrive, the lookback refetches.
            _ = try await h.json("/_sandbox/last-sync?user=SANDBOX1&value=2026-10-03T07:00:00", method: "POST")
            let heartBefore = try await h.heartRequests().count
            summary = try await h.sync()
            #expect(try await h.heartDays(since: heartBefore).sorted() == ["2026-09-28", "2026-09-29", "2026-09-30", "2026-10-01", "2026-10-02", "2026-10-03"])
            let manifest = try h.manifest()
            #expect(manifest.entry(.oneMinute, LocalDate("2026-10-01")!)?.status == .complete)
            #expect(manifest.entry(.oneMinute, LocalDate("2026-10-03")!)?.status == .partial)
            try await h.expectMatchesTruth("2026-09-25", "2026-10-02")
            // September's days came back identical: its file was not rewritten.
            #expect(try modificationTime(september) == septemberMTime)
            #expect(try Verify(layout: ExportLayout(out: h.out, user: "SANDBOX1")).run().problems == [])
        }
    }

    @Test("a sync right after a backfill knows the budget the backfill used: no 429 across windows")
    func sharedBudget() async throws {
        try await Harness.with({ $0.rateLimit = 6; $0.hourSeconds = 4; $0.lastSync = LocalDateTime("2026-09-12T06:00:00") }) { h in
            try await h.authorize()
            _ = try await h.backfill("2026-09-05", "2026-09-08")
            _ = try await h.sync()
            let log = try await h.requests()
            #expect(!log.contains { $0["status"] as? Int == 429 }, "a request got a 429")
            try await h.expectMatchesTruth("2026-09-05", "2026-09-11")
            #expect(FileSystem.exists(h.state + "/fitbit-SANDBOX1.budget.json"))
        }
    }

    private func modificationTime(_ path: String) throws -> Date {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
    }
}

@Suite("Time zones")
struct DeclaredZoneTests {
    @Test("a move the profile reveals is recorded from the day it is seen; each day is normalized in its own zone")
    func moveSeenInTheProfile() async throws {
        try await Harness.with({ $0.today = LocalDate("2026-10-20"); $0.lastSync = LocalDateTime("2026-10-06T06:00:00") }) { h in
            try await h.authorize()
            _ = try await h.backfill("2026-10-01", "2026-10-05", today: "2026-10-06")
            _ = try await h.json("/_sandbox/timezone?zone=America/Los_Angeles&from=2026-10-07", method: "POST")
            _ = try await h.json("/_sandbox/last-sync?user=SANDBOX1&value=2026-10-08T06:00:00", method: "POST")
            _ = try await h.sync(today: "2026-10-07")

            let manifest = try h.manifest()
            #expect(manifest.timezones.zone(on: LocalDate("2026-10-06")!) == "America/New_York")
            #expect(manifest.timezones.zone(on: LocalDate("2026-10-07")!) == "America/Los_Angeles")
            try await h.expectMatchesTruth("2026-10-01", "2026-10-07")
            let rows = try monthRows(h.out + "/SANDBOX1/heart_rate_1min/2026-10.parquet")
            #expect(Set(rows.map(\.utcOffsetMinutes)) == [-240, -420])
            #expect(zip(rows, rows.dropFirst()).allSatisfy { $0.epochMillis < $1.epochMillis })
        }
    }

    @Test("declaring Berlin from a day rebuilds only the months it touches, without a request, duplicate-free")
    func flightToBerlin() async throws {
        try await Harness.with { h in
            try await h.authorize()
            _ = try await h.backfill("2026-09-28", "2026-10-09")
            let layout = try ExportLayout(out: h.out, user: "SANDBOX1")
            let september = layout.intradayFile(.oneMinute, YearMonth(year: 2026, month: 9), .parquet)
            let septemberRows = try monthRows(september)
            let requests = try await h.requests().count

            var options = RebuildOptions(out: h.out, stateFolder: h.state, user: "SANDBOX1")
            options.declaredZone = ZoneDeclaration(zone: "Europe/Berlin", from: LocalDate("2026-10-05")!, to: nil)
            let summary = try await Rebuild(options: options).run()
            // October of each series: the samples, the HRV windows placed anew, the daily rows counting them.
            #expect(summary.months == 3)
            #expect(try await h.requests().count == requests)
            #expect(try monthRows(september) == septemberRows)

            let october = try monthRows(layout.intradayFile(.oneMinute, YearMonth(year: 2026, month: 10), .parquet))
            #expect(zip(october, october.dropFirst()).allSatisfy { $0.epochMillis < $1.epochMillis }, "not sorted or duplicated")
            #expect(Set(october.filter { $0.localMillis >= 1_791_158_400_000 }.map(\.utcOffsetMinutes)) == [120])  // 2026-10-05 local
            #expect(Set(october.filter { $0.localMillis < 1_791_158_400_000 }.map(\.utcOffsetMinutes)) == [-240])
            // The night of the flight: windows after it are in Berlin's offset, and none goes back in time.
            let windows = try ParquetMonthFormat().readHRV(from: layout.seriesFile(.hrv, YearMonth(year: 2026, month: 10), .parquet))
            #expect(zip(windows, windows.dropFirst()).allSatisfy { $0.epochMillis < $1.epochMillis }, "HRV not sorted or duplicated")
            #expect(Set(windows.filter { $0.localMillis >= 1_791_158_400_000 }.map(\.utcOffsetMinutes)) == [120])
            let manifest = try h.manifest()
            #expect(manifest.timezones.zone(on: LocalDate("2026-10-04")!) == "America/New_York")
            #expect(manifest.timezones.zone(on: LocalDate("2026-10-05")!) == "Europe/Berlin")
            let problems = try Verify(layout: layout).run().problems
            #expect(problems == [], "\(problems)")
        }
    }
}
