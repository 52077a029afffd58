import Foundation
import HeartRateExport
import Sandbox
import Testing

@Suite("Disk faults")
struct DiskFaultTests {
    @Test("a full, read-only or failing disk stops the run with a clear error, no partial file and an unchanged manifest",
          arguments: [ENOSPC, EACCES, EIO])
    func diskFault(code: Int32) async throws {
        try await Harness.with { h in
            try await h.authorize()
            _ = try await h.backfill("2026-10-01", "2026-10-03")
            let layout = try ExportLayout(out: h.out, user: "SANDBOX1")
            let manifestPath = layout.userFolder + "/manifest.json"
            let month = layout.intradayFile(.oneMinute, YearMonth(year: 2026, month: 10), .parquet)
            let (manifestBefore, monthBefore) = (try FileSystem.read(manifestPath), try FileSystem.read(month))

            // EACCES as a folder that refuses new files; the others as writes that fail.
            FileFaults.inject(code, under: h.out, onWrite: code != EACCES)
            let error = await #expect(throws: ExportError.self) { try await h.backfill("2026-10-04", "2026-10-06") }
            FileFaults.clear(under: h.out)
            #expect(error?.exitCode == 1)
            #expect(error?.description.contains(String(cString: strerror(code))) == true, "\(String(describing: error))")
            #expect(try FileSystem.read(manifestPath) == manifestBefore)
            #expect(try FileSystem.read(month) == monthBefore)
            let leftovers = try FileManager.default.subpathsOfDirectory(atPath: h.out).filter { $0.contains(".tmp-") }
            #expect(leftovers.isEmpty, "temp files left: \(leftovers)")

            // The disk is back: the next run completes what was missing.
            _ = try await h.backfill("2026-10-04", "2026-10-06")
            try await h.expectMatchesTruth("2026-10-01", "2026-10-06")
        }
    }

    @Test("a month file hrexport did not write is never replaced without --force")
    func foreignFile() async throws {
        try await Harness.with { h in
            try await h.authorize()
            let month = try ExportLayout(out: h.out, user: "SANDBOX1").intradayFile(.oneMinute, YearMonth(year: 2026, month: 10), .parquet)
            try AtomicFile.write(Array("somebody's notes".utf8), to: month)
            let error = await #expect(throws: ExportError.self) { try await h.backfill("2026-10-01", "2026-10-02") }
            #expect(error?.description.contains("--force") == true)
            #expect(try FileSystem.read(month) == Array("somebody's notes".utf8))
            #expect(try ManifestStore(userFolder: h.out + "/SANDBOX1").load()?.entry(.oneMinute, LocalDate("2026-10-01")!) == nil)
        }
    }
}
