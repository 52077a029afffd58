import Gzip
import Foundation
import Parquet
import Testing
@testable import HeartRateExport

@Suite("Files")
struct OutputTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hrexport-unit-\(UUID().uuidString)").path

    @Test("gzip round trip keeps the bytes and the header comment; corrupt data is refused")
    func gzip() throws {
        let text = Array(String(repeating: "time,bpm\n2026-01-01T00:00:00Z,60\n", count: 5000).utf8)
        let packed = GzipEncoder.compress(text, comment: "hrexport fetched_at=1 last_sync=none")
        #expect(packed.count < text.count / 10)
        #expect(try GzipDecoder.decompress(packed) == text)
        #expect(GzipDecoder.comment(of: packed) == "hrexport fetched_at=1 last_sync=none")
        #expect(throws: GzipError.self) { try GzipDecoder.decompress(Array(packed.dropLast(20))) }
        var flipped = packed
        flipped[packed.count / 2] ^= 0xFF
        #expect(throws: GzipError.self) { try GzipDecoder.decompress(flipped) }
    }

    @Test("the system gunzip reads our gzip members")
    func gunzipReadsUs() throws {
        let path = folder + "/x.gz"
        try AtomicFile.write(GzipEncoder.compress(Array("hello\n".utf8), comment: "c"), to: path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -dc '\(path)'"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        #expect(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "hello\n")
    }

    @Test("a CSV month reads back with ISO times, offsets and bpm, private permissions")
    func csvRoundTrip() throws {
        let samples = [Sample(epochMillis: 1_772_946_000_000, utcOffsetMinutes: -300, bpm: 61),
                       Sample(epochMillis: 1_772_953_200_500, utcOffsetMinutes: -240, bpm: 120)]
        let day = NormalizedDay(date: LocalDate("2026-03-08")!, detail: .oneMinute, timeZone: "America/New_York", samples: samples, summary: DailySummary(restingBPM: 60, zoneMinutes: [1, 2, 3, 4]))
        let context = MonthFileContext(user: "U", source: .fitbit, detail: .oneMinute, month: YearMonth(year: 2026, month: 3), timeZone: "America/New_York")
        let path = folder + "/a/2026-03.csv.gz"
        try CSVMonthFormat().writeIntraday([day], context: context, to: path, permissions: .private)
        let text = try gunzipText(path)
        let rowsText = "2026-03-08T05:00:00Z,2026-03-08T00:00:00,-300,61\n2026-03-08T07:00:00.500Z,2026-03-08T03:00:00.500,-240,120\n"
        #expect(text == "time,local_time,utc_offset_min,bpm,user_id\n" + rowsText.replacingOccurrences(of: "\n", with: ",U\n"))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let folderAttributes = try FileManager.default.attributesOfItem(atPath: folder + "/a")
        #expect((folderAttributes[.posixPermissions] as? Int) == 0o700)

        let dailyPath = folder + "/d/2026-03.csv.gz"
        let dailyRows = [DailyRow(date: day.date, values: DailyValues(restingBPM: 60, zoneMinutes: [1, 2, 3, 4], hrvRMSSD: 30.0, hrvDeepRMSSD: 0.935,
                                                                      hrvNREMBPM: 1e-05, hrvEntropy: 2.0625), samples: 2),
                         DailyRow(date: LocalDate("2026-03-09")!, values: DailyValues(restingBPM: 57), samples: 0)]
        try CSVMonthFormat().writeDaily(dailyRows, context: context, to: dailyPath, permissions: .private)
        let daily = try gunzipText(dailyPath)
        // Doubles in their shortest round-tripping form; a value the source lacks is an empty field, zones included.
        #expect(daily == CSVMonthFormat.dailyHeader + "2026-03-08,60,1,2,3,4,2,30.0,0.935,1e-05,2.0625,U\n2026-03-09,57,,,,,0,,,,,U\n")

        #expect(try CSVMonthFormat().readIntraday(from: path) == samples)
        #expect(try CSVMonthFormat().readDaily(from: dailyPath) == dailyRows)

        // A file from before user_id reads the same; a file naming two users is not one participant's month.
        let legacy = folder + "/a/legacy.csv.gz"
        try AtomicFile.write(GzipEncoder.compress(Array(("time,local_time,utc_offset_min,bpm\n" + rowsText).utf8)), to: legacy)
        #expect(try CSVMonthFormat().readIntraday(from: legacy) == samples)
        #expect(CSVMonthFormat().isOurs(legacy))
        let mixed = folder + "/a/mixed.csv.gz"
        try AtomicFile.write(GzipEncoder.compress(Array(text.replacingOccurrences(of: "-240,120,U", with: "-240,120,V").utf8)), to: mixed)
        #expect(throws: ExportError.corrupt(path: mixed, message: "line 3 has another user_id than the lines before it, or none")) {
            try CSVMonthFormat().readIntraday(from: mixed)
        }
    }

    @Test("a Parquet month reads back the same rows, daily nulls included, with the design's key/value metadata")
    func parquetRoundTrip() throws {
        var samples = [Sample]()
        for i in 0..<200_000 {
            let gap: Int64 = i > 150_000 ? 7 * 86_400_000 : 0  // a week without the watch
            let offset: Int16 = i < 9000 ? -300 : -240
            samples.append(Sample(epochMillis: 1_772_946_000_000 + Int64(i) * 1000 + gap, utcOffsetMinutes: offset, bpm: Int16(50 + i % 97)))
        }
        let day = NormalizedDay(date: LocalDate("2026-03-08")!, detail: .oneSecond, timeZone: "America/New_York", samples: samples, summary: DailySummary())
        let context = MonthFileContext(user: "U", source: .fitbit, detail: .oneSecond, month: YearMonth(year: 2026, month: 3), timeZone: "America/New_York")
        let path = folder + "/p/2026-03.parquet"
        try ParquetMonthFormat().writeIntraday([day], context: context, to: path, permissions: .private)
        #expect(try ParquetMonthFormat().readIntraday(from: path) == samples)
        let reader = try ParquetFileReader(bytes: try #require(try FileSystem.read(path)))
        #expect(reader.metadata.createdBy == "hrexport version \(HRExport.version)")
        #expect(reader.metadata.value(forKey: "hrexport.detail") == "1sec")
        #expect(reader.metadata.value(forKey: "hrexport.first_day") == "2026-03-08")
        #expect(reader.metadata.value(forKey: "pandas")?.contains(#""timezone":"UTC""#) == true)
        #expect(reader.leaves.map(\.name) == ["time", "local_time", "utc_offset_min", "bpm", "user_id"])
        let users = try #require(try reader.readColumns().last)
        #expect(users.texts == ["U"] && users.values.count == samples.count && users.values.allSatisfy { $0 == 0 })
        let userChunk = reader.metadata.rowGroups[0].columns[4].metaData
        #expect(userChunk.statistics?.minValue == Array("U".utf8) && userChunk.statistics?.maxValue == Array("U".utf8))
        #expect(userChunk.encodings == [.plain, .rle, .rleDictionary])

        // A file from before user_id reads the same; a user_id other than the file's user is corruption.
        for (columns, user, readable) in [(ParquetMonthFormat.intradayColumns.dropLast(), "U", true), (ParquetMonthFormat.intradayColumns[...], "V", false)] {
            let writer = ParquetFileWriter(columns: Array(columns))
            for s in samples.prefix(3) {
                writer.column(0).append(s.epochMillis)
                writer.column(1).append(s.localMillis)
                writer.column(2).append(Int64(s.utcOffsetMinutes))
                writer.column(3).append(Int64(s.bpm))
            }
            if columns.count == 5 { writer.column(4).append(text: "U", count: 3) }
            var other = context
            other.user = user
            var bytes = [UInt8]()
            writer.finish(keyValues: ParquetMonthFormat.keyValues(other, detail: "1sec", first: nil, last: nil, pandas: ""), createdBy: "hrexport") { bytes += $0 }
            let otherPath = folder + "/p/other-\(user).parquet"
            try AtomicFile.write(bytes, to: otherPath)
            if readable {
                #expect(try ParquetMonthFormat().readIntraday(from: otherPath) == Array(samples.prefix(3)))
            } else {
                #expect(throws: ExportError.corrupt(path: otherPath, message: "row 0 has user_id `U`, the file is `V`'s")) {
                    try ParquetMonthFormat().readIntraday(from: otherPath)
                }
            }
        }

        let rows = [DailyRow(date: LocalDate("2026-03-08")!, values: DailyValues(restingBPM: 58, zoneMinutes: [1400, 30, 8, 2], hrvRMSSD: 41.25), samples: 200_000),
                    DailyRow(date: LocalDate("2026-03-09")!, values: DailyValues(hrvRMSSD: 1e-05, hrvDeepRMSSD: .pi, hrvNREMBPM: 55.5, hrvEntropy: 2.5), samples: 0),
                    DailyRow(date: LocalDate("2026-03-10")!, values: DailyValues(), samples: 0)]
        let dailyPath = folder + "/d/2026-03.parquet"
        try ParquetMonthFormat().writeDaily(rows, context: context, to: dailyPath, permissions: .private)
        #expect(try ParquetMonthFormat().readDaily(from: dailyPath) == rows)
        #expect(throws: ExportError.self) { try ParquetMonthFormat().readIntraday(from: dailyPath) }
    }

    @Test("timestamps parse back from exactly what the CSV writer prints, and nothing else")
    func timestampParsing() {
        for millis: Int64 in [0, 1_772_946_000_000, 1_772_953_200_500, -86_400_001, 253_402_300_799_999] {
            var zulu = [UInt8](), local = [UInt8]()
            TimestampText.append(millis: millis, zulu: true, to: &zulu)
            TimestampText.append(millis: millis, zulu: false, to: &local)
            #expect(TimestampText.parse(zulu[...], zulu: true) == millis)
            #expect(TimestampText.parse(local[...], zulu: false) == millis)
        }
        for bad in ["2026-03-08T05:00:00", "2026-02-30T05:00:00Z", "2026-03-08 05:00:00Z", "2026-03-08T24:00:00Z", "2026-03-08T05:00:00.5Z", ""] {
            #expect(TimestampText.parse(Array(bad.utf8)[...], zulu: true) == nil, "\(bad)")
        }
    }

    @Test("only the temp names AtomicFile creates count as abandoned")
    func tempNames() throws {
        #expect(AtomicFile.isTempName(".2026-07.parquet.tmp-24535-1876955906"))
        #expect(!AtomicFile.isTempName("2026-07.parquet"))
        #expect(!AtomicFile.isTempName(".2026-07.parquet.tmp-abc-1"))
        #expect(!AtomicFile.isTempName(".hidden"))
        try AtomicFile.write([1], to: folder + "/t/x/keep.parquet")
        try AtomicFile.write([2], to: folder + "/t/x/.keep.parquet.tmp-1-2")
        try FileSystem.removeAbandonedTempFiles(under: folder + "/t")
        #expect(FileSystem.list(folder + "/t/x") == ["keep.parquet"])
    }

    @Test("an atomic write that fails leaves neither a temp file nor a file under the final name")
    func atomicFailure() throws {
        let path = folder + "/b/file.csv.gz"
        #expect(throws: ExportError.self) {
            try AtomicFile.write(to: path) { (sink) throws(ExportError) in
                try sink.write([1, 2, 3])
                throw ExportError.io(path: path, operation: "write", errno: ENOSPC)
            }
        }
        #expect(FileSystem.list(folder + "/b").isEmpty)
    }

    @Test("an --out whose parent is a regular file gives a clear error")
    func parentIsFile() throws {
        try AtomicFile.write([1], to: folder + "/plain")
        let error = #expect(throws: ExportError.self) { try AtomicFile.write([1], to: folder + "/plain/x/y.csv.gz") }
        #expect(error?.description.contains(folder + "/plain") == true)
    }

    @Test("the canonical digest is the sha256 of epoch,offset,bpm lines")
    func digest() {
        let samples = [Sample(epochMillis: 1000, utcOffsetMinutes: -300, bpm: 60)]
        // printf '1000,-300,60\n' | sha256sum
        #expect(CanonicalDigest.sha256(of: samples) == "f0c23992a8b2f4296ff7c8b4ed4963cd7b453118105d8ad18e09a6f4c26c70af")
    }
}

@Suite("Manifest and dates")
struct ManifestTests {
    @Test("what a run exports: a backfill's default series, a sync keeping the export's series, --detail narrowing the samples only")
    func plannedSeries() throws {
        func planned(_ mode: BackfillOptions.Mode, kind: SourceKind = .fitbit, detail: Detail? = nil, series: String? = nil, known: String = "") throws -> String {
            var options = BackfillOptions(out: "/tmp/x", stateFolder: "/tmp/x")
            options.mode = mode
            if let detail { options.detail = detail; options.detailGiven = true }
            options.series = series.flatMap(Series.list)
            let backfill = Backfill(options: options, configuration: try APIConfiguration(clientID: "x"), transport: NoTransport(), reporter: QuietReporter())
            return backfill.plannedSeries(kind: kind, known: known.isEmpty ? [] : Series.list(known)!).map(\.name).joined(separator: ",")
        }
        #expect(try planned(.backfill) == "1min,hrv,daily")
        #expect(try planned(.backfill, series: "5min,daily") == "5min,daily")
        #expect(try planned(.backfill, kind: .google, detail: .fiveMinutes) == "1sec,5min,hrv,daily")
        #expect(try planned(.sync(lookback: 3), known: "1min,hrv") == "1min,hrv")
        #expect(try planned(.sync(lookback: 3)) == "1min,hrv,daily")
        #expect(try planned(.sync(lookback: 3), detail: .oneSecond, known: "1min,hrv,daily") == "1sec,hrv,daily")
        #expect(try planned(.sync(lookback: 3), series: "daily", known: "1min,hrv,daily") == "daily")
    }

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hrexport-manifest-\(UUID().uuidString)").path

    @Test("the manifest round-trips with the design's shape")
    func roundTrip() throws {
        var manifest = Manifest(user: "SANDBOX1")
        manifest.set(.init(status: .complete, rows: 3, sha256: "ab", source: .fitbit, format: .csv, fetchedAt: "2026-01-02T00:00:00Z", lastSync: "2026-01-02T01:00:00"), .oneMinute, LocalDate("2026-01-01")!)
        manifest.set(.init(status: .failed, rows: 0, source: .fitbit, error: "boom", httpStatus: 503), .oneMinute, LocalDate("2026-01-02")!)
        manifest.timezones.record(currentZone: "America/New_York", since: LocalDate("2024-01-01")!, changeDay: LocalDate("2026-01-01")!)
        let store = ManifestStore(userFolder: folder)
        try store.save(manifest)
        #expect(try store.load() == manifest)
        let bytes = try #require(try FileSystem.read(store.path))
        let json = try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(json["manifest_version"] as? Int == 1)
        let days = try #require(json["days"] as? [String: [String: [String: Any]]])
        #expect(days["1min"]?["2026-01-01"]?["status"] as? String == "complete")
        #expect(days["1min"]?["2026-01-02"]?["http_status"] as? Int == 503)
        #expect((json["timezones"] as? [[String: String]])?.first?["zone"] == "America/New_York")
    }

    @Test("an unknown manifest_version is refused with a clear message, and the file is kept")
    func unknownVersion() throws {
        let store = ManifestStore(userFolder: folder + "/v")
        try AtomicFile.write(Array(#"{"manifest_version": 9, "user": "U", "days": {}}"#.utf8), to: store.path)
        let error = #expect(throws: ExportError.self) { try store.load() }
        #expect(error?.description.contains("manifest_version 9") == true)
        #expect(FileSystem.exists(store.path))
    }

    @Test("dates parse strictly and do calendar arithmetic")
    func dates() {
        #expect(LocalDate("2024-02-29")?.adding(days: 1).description == "2024-03-01")
        #expect(LocalDate("2023-02-29") == nil)
        #expect(LocalDate("2026-1-01") == nil)
        #expect(LocalDate("1970-01-01")?.daysSinceEpoch == 0)
        #expect(LocalDate("2026-11-27")!.month.description == "2026-11")
        #expect(LocalDateTime("2019-11-07T12:00:58.000")?.description == "2019-11-07T12:00:58")
        #expect(LocalDateTime("2019-11-07T25:00:58") == nil)
    }

    @Test("the date range skips settled days and keeps order")
    func range() {
        let range = DateRange(from: LocalDate("2026-01-30")!, to: LocalDate("2026-02-02")!, skipping: [LocalDate("2026-01-31")!])
        #expect(Array(range).map(\.description) == ["2026-01-30", "2026-02-01", "2026-02-02"])
    }

    @Test("plain http is refused unless the host is this machine")
    func secureBase() throws {
        #expect(throws: ExportError.self) { try APIConfiguration(apiBase: "http://example.com", clientID: "x") }
        let local = try APIConfiguration(apiBase: "http://127.0.0.1:9000/", clientID: "x")
        #expect(local.authorizeURL == "http://127.0.0.1:9000/oauth2/authorize")
        #expect(local.tokenURL == "http://127.0.0.1:9000/oauth2/token")
        let fitbit = try APIConfiguration(clientID: "x")
        #expect(fitbit.authorizeURL == "https://www.fitbit.com/oauth2/authorize")
    }

    @Test("PKCE's S256 challenge matches RFC 7636's example")
    func pkce() {
        #expect(PKCE.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE().verifier.count == 43)
    }
}

func gunzipText(_ path: String) throws -> String {
    let file = try #require(try FileSystem.read(path))
    return String(decoding: try GzipDecoder.decompress(file), as: UTF8.self)
}

private struct NoTransport: HTTPTransport {
    func send(_ request: HTTPRequestSpec, timeout: Duration) async throws -> HTTPResult { HTTPResult(status: 599) }
}
