import Gzip
import Crypto
import Foundation
import HeartRateExport
import Sandbox
import Testing

/// The export as files: what a re-cut of the code must leave exactly as it was. One fixed-seed, fixed-calendar
/// run of every path that writes (each Fitbit detail in Parquet, a CSV export, a Takeout import with a coarser
/// series, a Google backfill) is reduced to the sha256 of every month file, of every raw body (decompressed:
/// its gzip header carries the fetch time), and every manifest day entry without its times. The committed
/// `Golden/export.json` is that reduction; `HREXPORT_UPDATE_GOLDEN=1` rewrites it after an intended change.
@Suite("Golden export")
struct GoldenTests {
    static let goldenPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/export.json").path
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("a fixed-seed export of every detail and format, a Takeout import and a Google backfill reproduce the committed golden file")
    func golden() async throws {
        var snapshot = [String: String]()
        let today = LocalDate("2026-11-20")!

        try await Harness.with({ $0.today = today }) { h in
            try await h.authorize()
            for detail in Detail.allCases {
                _ = try await h.backfill("2026-10-30", "2026-11-02", detail: detail, today: "2026-11-20")
            }
            try Self.reduce(h.out, into: &snapshot, prefix: "fitbit-parquet")
        }
        try await Harness.with({ $0.today = today }) { h in
            try await h.authorize()
            _ = try await h.backfill("2026-10-30", "2026-11-02", detail: .oneMinute, format: .csv, today: "2026-11-20")
            try Self.reduce(h.out, into: &snapshot, prefix: "fitbit-csv")
        }
        try await Harness.with({
            $0.api = .google
            $0.today = today
        }) { h in
            try await h.authorize()
            var options = BackfillOptions(out: h.out, stateFolder: h.state)
            options.today = today
            options.from = LocalDate("2026-03-06")
            options.to = LocalDate("2026-03-10")
            options.detail = .oneMinute
            options.retry = .fast
            options.source = .google
            _ = try await Backfill(options: options, configuration: h.configuration, transport: h.transport, reporter: SilentReporter()).run()
            try Self.reduce(h.out, into: &snapshot, prefix: "google")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hrexport-golden-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let zips = try FileManager.default.contentsOfDirectory(atPath: Self.repository.appendingPathComponent("data/takeout").path)
            .filter { $0.hasSuffix(".zip") }.sorted().map { Self.repository.appendingPathComponent("data/takeout/" + $0).path }
        var takeout = TakeoutImportOptions(paths: zips, out: folder + "/out", stateFolder: folder + "/state", user: "SANDBOX1")
        takeout.timeZone = "America/New_York"
        takeout.detail = .oneMinute
        takeout.now = Date(timeIntervalSince1970: TimeInterval(today.daysSinceEpoch * 86_400))
        _ = try await TakeoutImport(options: takeout, reporter: SilentReporter()).run()
        try Self.reduce(folder + "/out", into: &snapshot, prefix: "takeout")

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(snapshot), as: UTF8.self) + "\n"
        if ProcessInfo.processInfo.environment["HREXPORT_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(atPath: FileSystem.parent(of: Self.goldenPath), withIntermediateDirectories: true)
            try text.write(toFile: Self.goldenPath, atomically: true, encoding: .utf8)
        }
        let golden = try #require(try? JSONDecoder().decode([String: String].self, from: Data(contentsOf: URL(fileURLWithPath: Self.goldenPath))),
                                  "no golden file at \(Self.goldenPath); run with HREXPORT_UPDATE_GOLDEN=1")
        for key in Set(golden.keys).union(snapshot.keys).sorted() where golden[key] != snapshot[key] {
            Issue.record("\(key): golden \(golden[key] ?? "(absent)"), now \(snapshot[key] ?? "(absent)")")
        }
        #expect(golden.count == snapshot.count)
    }

    /// Every file under `out`, reduced to what must not change, and every manifest day entry without its times.
    static func reduce(_ out: String, into snapshot: inout [String: String], prefix: String) throws {
        for relative in try FileManager.default.subpathsOfDirectory(atPath: out).sorted() {
            let path = out + "/" + relative
            guard FileSystem.isRegularFile(path), let bytes = try FileSystem.read(path) else { continue }
            if relative.hasSuffix("manifest.json") {
                let manifest = try JSONDecoder().decode(Manifest.self, from: Data(bytes))
                snapshot["\(prefix)/\(relative)#timezones"] = manifest.timezones.entries.map { "\($0.zone)@\($0.from)" }.joined(separator: ",")
                for series in manifest.seriesPresent {
                    for (date, entry) in manifest.entries(series) {
                        snapshot["\(prefix)/\(relative)#\(series.name)/\(date)"] = [
                            entry.status.rawValue, String(entry.rows), entry.sha256 ?? "-", entry.source.rawValue, entry.format?.rawValue ?? "-",
                            entry.origin ?? "-", entry.otherSource?.rawValue ?? "-", entry.otherRows.map(String.init) ?? "-",
                            entry.httpStatus.map(String.init) ?? "-", entry.error ?? "-",
                        ].joined(separator: " ")
                    }
                }
            } else if relative.split(separator: "/").dropFirst().first == "raw" {
                snapshot["\(prefix)/\(relative)"] = Self.sha256(try GzipDecoder.decompress(bytes))
            } else {
                snapshot["\(prefix)/\(relative)"] = Self.sha256(bytes)
            }
        }
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() + " \(bytes.count) bytes"
    }
}
