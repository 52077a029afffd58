import Foundation
import HeartRateExport
import Sandbox
import Testing

@Suite("verify and rebuild")
struct VerifyRebuildTests {
    @Test("rebuild switches an export between Parquet and CSV without a request; verify agrees with both")
    func switchFormats() async throws {
        try await Harness.with { h in
            try await h.authorize()
            _ = try await h.backfill("2026-10-28", "2026-11-02")
            let layout = try ExportLayout(out: h.out, user: "SANDBOX1")
            let parquet = layout.intradayFile(.oneMinute, YearMonth(year: 2026, month: 10), .parquet)
            #expect(try Verify(layout: layout).run().problems == [])
            let before = try monthRows(parquet)
            let requests = try await h.requests().count

            var options = RebuildOptions(out: h.out, stateFolder: h.state, user: "SANDBOX1")
            options.format = .csv
            let summary = try await Rebuild(options: options).run()
            let manifestRows = try h.manifest().days[.oneMinute]!.values.reduce(0) { $0 + $1.rows }
            // Two months of each series: samples, HRV, daily.
            #expect(summary.months == 6 && summary.rows == manifestRows)
            let csv = layout.intradayFile(.oneMinute, YearMonth(year: 2026, month: 10), .csv)
            #expect(!FileSystem.exists(parquet) && FileSystem.exists(csv))
            for series in [Series.hrv, .daily] {
                #expect(!FileSystem.exists(layout.seriesFile(series, YearMonth(year: 2026, month: 10), .parquet)))
                #expect(FileSystem.exists(layout.seriesFile(series, YearMonth(year: 2026, month: 10), .csv)))
            }
            #expect(try monthRows(csv) == before)
            #expect(try h.manifest().recordedFormat(.oneMinute) == .csv)
            #expect(try Verify(layout: layout).run().problems == [])
            #expect(try await h.requests().count == requests)

            // A later run without --format continues in the format the export is in.
            _ = try await h.backfill("2026-11-03", "2026-11-04")
            #expect(FileSystem.exists(layout.intradayFile(.oneMinute, YearMonth(year: 2026, month: 11), .csv)))
            #expect(!FileSystem.exists(layout.intradayFile(.oneMinute, YearMonth(year: 2026, month: 11), .parquet)))
            #expect(try Verify(layout: layout).run().problems == [])
        }
    }

    @Test("verify names a changed day, a damaged file and a stray file; rebuild repairs the first two")
    func verifyFindsDamage() async throws {
        try await Harness.with { h in
            try await h.authorize()
            _ = try await h.backfill("2026-09-28", "2026-10-03")
            let layout = try ExportLayout(out: h.out, user: "SANDBOX1")
            let october = layout.intradayFile(.oneMinute, YearMonth(year: 2026, month: 10), .parquet)
            let september = layout.intradayFile(.oneMinute, YearMonth(year: 2026, month: 9), .parquet)

            // One bpm changed, written as a valid file: only the digest can tell.
            var rows = try monthRows(october)
            rows[5].bpm += 1
            let day = NormalizedDay(date: LocalDate("2026-10-01")!, detail: .oneMinute, timeZone: "America/New_York", samples: rows, summary: DailySummary())
            try ParquetMonthFormat().writeIntraday([day], context: MonthFileContext(user: "SANDBOX1", source: .fitbit, detail: .oneMinute,
                                                                                      month: YearMonth(year: 2026, month: 10), timeZone: "America/New_York"),
                                                   to: october, permissions: .private)
            // A truncated file, and a file the manifest knows nothing about.
            let bytes = try #require(try FileSystem.read(september))
            try AtomicFile.write(Array(bytes.prefix(bytes.count / 2)), to: september)
            try AtomicFile.write([1, 2, 3], to: layout.intradayFile(.oneMinute, YearMonth(year: 2026, month: 8), .csv))

            let report = try Verify(layout: layout).run()
            #expect(report.problems.count == 3, "\(report.problems)")
            #expect(report.problems.contains { $0.contains("2026-10.parquet") && $0.contains("2026-10-01") && $0.contains("sha256") })
            #expect(report.problems.contains { $0.contains("2026-09.parquet") && $0.contains("not a valid Parquet file") })
            #expect(report.problems.contains { $0.contains("2026-08.csv.gz") && $0.contains("not described by the manifest") })

            // The truncated file cannot be told from somebody else's: only --force replaces it.
            let refused = await #expect(throws: ExportError.self) {
                try await Rebuild(options: RebuildOptions(out: h.out, stateFolder: h.state, user: "SANDBOX1")).run()
            }
            #expect(refused?.description.contains("--force") == true)
            var force = RebuildOptions(out: h.out, stateFolder: h.state, user: "SANDBOX1")
            force.force = true
            _ = try await Rebuild(options: force).run()
            try FileSystem.removeFile(layout.intradayFile(.oneMinute, YearMonth(year: 2026, month: 8), .csv))
            #expect(try Verify(layout: layout).run().problems == [])
            try await h.expectMatchesTruth("2026-09-28", "2026-10-03")
        }
    }

    @Test("rebuild refuses a user without a manifest (exit 2) and waits for the user's lock (exit 4)")
    func rebuildRefusals() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hrexport-rb-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let missing = await #expect(throws: ExportError.self) {
            try await Rebuild(options: RebuildOptions(out: folder + "/out", stateFolder: folder + "/state", user: "NOBODY")).run()
        }
        #expect(missing?.exitCode == 2)

        try ManifestStore(userFolder: folder + "/out/SANDBOX1").save(Manifest(user: "SANDBOX1"))
        let held = try await UserLock.export(stateFolder: folder + "/state", user: "SANDBOX1")
        let locked = await #expect(throws: ExportError.self) {
            try await Rebuild(options: RebuildOptions(out: folder + "/out", stateFolder: folder + "/state", user: "SANDBOX1")).run()
        }
        #expect(locked?.exitCode == 4)
        withExtendedLifetime(held) {}
    }
}
