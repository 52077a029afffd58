import Foundation
import Testing
import Sandbox
import ZIPFoundation
@testable import HeartRateExport

/// Seeded byte-level mutations of a realistic body: flips, cuts, duplicated slices, and the tokens that trip
/// number and string handling (non-finite numbers, huge exponents, deep nesting, invalid UTF-8).
enum Mutator {
    static let tokens: [[UInt8]] = ["1e309", "-1e309", "inf", "nan", "NaN", "-0", "1e20", "99999999999999999999", "\"\\u0000\"",
                                    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "\u{FF}", "\"", "\\", ",", "}", "]",
                                    "null", "true", "\"x\"", "\r\n"].map { Array($0.utf8) } + [[0xFF, 0xFE], [0xC3], [0x00]]

    static func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
            case 1: bytes = Array(bytes[..<at])
            case 2: bytes.insert(contentsOf: tokens.randomElement(using: &rng)!, at: at)
            case 3:
                let end = min(bytes.count, at + Int.random(in: 1...40, using: &rng))
                bytes.insert(contentsOf: bytes[at..<end], at: at)
            default:
                // Replace a number with a hostile one, where there is a digit.
                if let digit = bytes[at...].firstIndex(where: { (48...57).contains($0) }) {
                    var end = digit
                    while end < bytes.count, (48...57).contains(bytes[end]) || bytes[end] == UInt8(ascii: ".") { end += 1 }
                    bytes.replaceSubrange(digit..<end, with: tokens[Int.random(in: 0..<8, using: &rng)])
                }
            }
        }
        return bytes
    }
}

@Suite("Hostile inputs")
struct HostileInputTests {
    let day = LocalDate("2026-03-08")!

    @Test("a user id is a letter or digit, then letters, digits, _ or -, at most 128: nothing that can be a path")
    func userIDs() throws {
        for good in ["SANDBOX1", "2ABC3D", "123456789012345678901", "a_b-c", String(repeating: "x", count: 128)] {
            #expect(UserID.isValid(good), "\(good)")
        }
        for bad in ["", ".", "..", "a/b", "../x", "-a", "_a", "a b", "A\nB", "é", "a.b", String(repeating: "x", count: 129), "a\u{0}"] {
            #expect(!UserID.isValid(bad), "\(bad)")
        }
        #expect(throws: ExportError.usage(#"--user "../x" is not a user id (\#(UserID.rule))"#)) { try UserID.checked(flag: "../x") }
        let answer = #expect(throws: ExportError.self) { try UserID.checked(answer: "A\nB", endpoint: "profile.json") }
        #expect(answer?.exitCode == 1)
        #expect(answer?.description.contains(#""A\nB""#) == true)
    }

    @Test("the layout refuses a bad id and a folder that differs only in case")
    func layoutConfinement() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("hrexport-layout-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        #expect(throws: ExportError.self) { try ExportLayout(out: out, user: "..") }
        try FileSystem.createFolder(out + "/ABC1")
        #expect(try ExportLayout(out: out, user: "ABC1").userFolder == out + "/ABC1")
        let twin = #expect(throws: ExportError.self) { try ExportLayout(out: out, user: "abc1") }
        #expect(twin?.exitCode == 2)
    }

    @Test("server text in a message has its control characters escaped")
    func escaping() {
        #expect(Printable.escaped("a\r\nb\u{1B}[2Jc\u{202E}") == #"a\r\nb\u{1b}[2Jc\u{202e}"#)
        let body = APIErrorBody(Array(#"{"errors":[{"errorType":"x\r\nInjected: y","message":"m"}]}"#.utf8))
        #expect(!body.summary.contains("\n") && body.summary.contains(#"x\r\nInjected"#))
    }

    @Test("a number of seconds from outside is checked: nan, inf, 1e309, negative are none; huge is capped")
    func checkedSeconds() {
        for text in ["nan", "inf", "-inf", "1e309", "-1", "x", ""] { #expect(Duration.checkedSeconds(text) == nil, "\(text)") }
        #expect(Duration.checkedSeconds("1e20") == .seconds(86_400))
        #expect(Duration.checkedSeconds("2.5") == .milliseconds(2500))
    }

    @Test("a token answer with an empty, spaced or control-character token, or a lifetime that is not a number, is refused")
    func tokenAnswers() throws {
        func answer(_ access: String, refresh: String? = "r", expires: Double = 3600) -> TokenResponse {
            TokenResponse(accessToken: access, expiresIn: expires, refreshToken: refresh, scope: nil, userID: "U1")
        }
        #expect(try answer("abc").checked().accessToken == "abc")
        #expect(try answer("abc", refresh: nil).checked().refreshToken == nil)
        #expect(try answer("abc", expires: 1e300).checked().expiresIn == 365 * 86_400)
        for bad in [answer(""), answer("a b"), answer("a\r\nX: y"), answer("abc", refresh: ""), answer("abc", refresh: "r\n"),
                    answer("abc", expires: .nan), answer("abc", expires: .infinity), answer("abc", expires: 0)] {
            let error = #expect(throws: ExportError.self) { try bad.checked() }
            #expect(error?.exitCode == 1)
            #expect(error?.description.contains("\r") == false)
        }
    }

    @Test("non-finite and out-of-range bpm in every decoder are dropped and counted, never converted")
    func nonFiniteNumbers() throws {
        let fitbit = #"{"activities-heart":[{"dateTime":"2026-03-08","value":{}}],"activities-heart-intraday":{"dataset":[{"time":"00:00:00","value":70},{"time":"00:01:00","value":1e309},{"time":"00:02:00","value":-1e309},{"time":"00:03:00","value":1e20}],"datasetType":"minute"}}"#
        let decoded = try FitbitDayDecoder().decode(Array(fitbit.utf8), date: day, detail: .oneMinute)
        #expect(decoded.samples.map(\.bpm) == [70] && decoded.droppedValues == 3)

        let google = #"[{"dataPoints":[{"heartRate":{"sampleTime":{"physicalTime":"2026-03-08T12:00:00Z"},"beatsPerMinute":"inf"}},{"heartRate":{"sampleTime":{"physicalTime":"2026-03-08T12:00:01Z"},"beatsPerMinute":1e309}},{"heartRate":{"sampleTime":{"physicalTime":"2026-03-08T12:00:02Z"},"beatsPerMinute":"64"}}]}]"#
        let points = try GoogleDayDecoder().decode(RawBody(bytes: Array(google.utf8), fetchedAt: 0, lastSync: nil, origin: .archive), date: day, detail: .oneSecond)
        #expect(points.instants?.map(\.bpm) == [64] && points.droppedValues == 2)

        let json = #"[{"dateTime":"03/08/26 12:00:00","value":{"bpm":1e309}},{"dateTime":"03/08/26 12:00:01","value":{"bpm":71.6}},{"dateTime":"03/08/26 12:00:02","value":{"bpm":-1e400}}]"#
        let takeout = try TakeoutDayDecoder().decode(RawBody(bytes: Array(json.utf8), fetchedAt: 0, lastSync: nil, origin: .archive), date: day, detail: .oneSecond)
        #expect(takeout.instants?.map(\.bpm) == [72] && takeout.droppedValues == 2)

        let csv = "timestamp,beats per minute\n" + ["inf", "-inf", "nan", "1e309", "Infinity", "70.5", "61"].enumerated()
            .map { "2026-03-08T12:00:0\($0.offset)Z,\($0.element)\n" }.joined()
        let rows = try TakeoutDayDecoder().decode(RawBody(bytes: Array(csv.utf8), fetchedAt: 0, lastSync: nil, origin: .archive), date: day, detail: .oneSecond)
        #expect(rows.instants?.map(\.bpm) == [71, 61] && rows.droppedValues == 5)
    }

    /// Every decoder over a few thousand seeded mutations of a realistic body: each case decodes or fails its day
    /// with a `DayFailure`; none may trap. The seed is printed so a failure replays.
    @Test("fuzzed bodies never crash a decoder", arguments: ["fitbit", "google", "takeout-json", "takeout-csv"])
    func fuzz(decoder name: String) throws {
        let seed = UInt64(0x4852_4558) &+ UInt64(name.utf8.reduce(0) { $0 &* 31 &+ Int($1) })
        print("fuzz \(name): seed \(seed)")
        var rng = SplitMix64(seed: seed)
        let (decoder, base): (any DayDecoder, [UInt8]) = switch name {
        case "fitbit": (FitbitDayDecoder(), try Fixture.bytes("heart-1min"))
        case "google": (GoogleDayDecoder(), Array(#"[{"dataPoints":[{"dataSource":{"platform":"FITBIT"},"heartRate":{"sampleTime":{"physicalTime":"2026-03-08T07:00:05.250Z","utcOffset":"-14400s","civilTime":{"date":{"year":2026,"month":3,"day":8}}},"beatsPerMinute":"61","metadata":{"motionContext":"ACTIVE"}}},{"heartRate":{"sampleTime":{"physicalTime":"2026-03-08T06:59:59Z","utcOffset":"-18000s"},"beatsPerMinute":"60"}}],"nextPageToken":"p2"},{"dataPoints":[]}]"#.utf8))
        case "takeout-json": (TakeoutDayDecoder(), Array(#"[{"dateTime":"03/08/26 04:59:59","value":{"bpm":70,"confidence":2}},{"dateTime":"03/08/26 05:00:00","value":{"bpm":71,"confidence":3}},{"dateTime":"03/08/26 07:30:00","value":{"bpm":"72","confidence":0}}]"#.utf8))
        default: (TakeoutDayDecoder(), Array("timestamp,beats per minute,data source\n2026-03-08T05:00:01Z,72,Charge 6\r\n2026-03-08T05:00:03.5Z,73.4,Charge 6\n".utf8))
        }
        let zones = Normalizer(timeZones: TimeZoneHistory(entries: [.init(zone: "America/New_York", from: LocalDate("2020-01-01")!)]))
        var decoded = 0, failed = 0
        for _ in 0..<3000 {
            let body = RawBody(bytes: Mutator.mutate(base, using: &rng), fetchedAt: 0, lastSync: nil, origin: .archive, notes: ["times": "utc"])
            for detail in [Detail.oneSecond, .oneMinute] {
                do {
                    _ = try zones.normalize(try decoder.decode(body, date: day, detail: detail))
                    decoded += 1
                } catch {
                    failed += 1
                }
            }
        }
        print("fuzz \(name): \(decoded) decoded, \(failed) failed their day, 0 crashes")
        #expect(decoded + failed == 6000)
    }

    @Test("a zip's directory is read once however many entries are read, and an entry is capped by what it inflates to")
    func zipDirectoryOnceAndCap() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hrexport-zip-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("takeout.zip")
        let archive = try Archive(url: url, accessMode: .create)
        let first = LocalDate("2020-01-01")!
        let data = Data(#"[{"dateTime":"01/01/20 12:00:00","value":{"bpm":70,"confidence":2}}]"#.utf8)
        for i in 0..<2000 {
            let date = first.adding(days: i)
            try archive.addEntry(with: "Takeout/Fitbit/Global Export Data/heart_rate-\(date).json", type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: .deflate) { position, size in data.subdata(in: Int(position)..<Int(position) + size) }
        }
        let big = Data(repeating: UInt8(ascii: " "), count: 3 << 20)
        try archive.addEntry(with: "Takeout/Fitbit/Global Export Data/heart_rate-2030-01-01.json", type: .file, uncompressedSize: Int64(big.count),
                             compressionMethod: .deflate) { position, size in big.subdata(in: Int(position)..<Int(position) + size) }
        let archives = try TakeoutArchives(paths: [url.path], entryLimit: 1 << 20)
        #expect(archives.entries.count == 2001)
        for entry in archives.entries.dropLast() { #expect(try archives.read(entry) == Array(data)) }
        #expect(archives.directoryReads == 1)
        let error = #expect(throws: ExportError.self) { try archives.read(archives.entries.last!) }
        #expect(error?.description.contains("inflates beyond 1048576 bytes") == true)
    }

    @Test("an import's data reach no further than the archive's export time, its last day, or now")
    func takeoutCut() {
        let exported = TakeoutImport.exportInstant("/x/takeout-20260302T000000Z-001.zip")
        #expect(exported == Date(timeIntervalSince1970: TimeInterval(LocalDate("2026-03-02")!.daysSinceEpoch * 86_400)))
        #expect(TakeoutImport.exportInstant("/x/my-archive.zip") == nil)
        #expect(TakeoutImport.exportInstant("/x/takeout-20261332T000000Z-001.zip") == nil)
        let now = Date(timeIntervalSince1970: TimeInterval(LocalDate("2026-12-03")!.daysSinceEpoch * 86_400 + 43_200))
        // New York is five hours behind: the export instant is still 03-01 19:00 there.
        #expect(TakeoutImport.cut(last: LocalDate("2026-03-05")!, exported: exported, now: now, zone: "America/New_York").description == "2026-03-01T19:00:00")
        #expect(TakeoutImport.cut(last: LocalDate("2026-03-05")!, exported: nil, now: now, zone: "UTC").description == "2026-03-05T00:00:00")
        #expect(TakeoutImport.cut(last: LocalDate("2027-01-01")!, exported: nil, now: now, zone: "UTC").description == "2026-12-03T12:00:00")
    }
}
