import Foundation
import Testing
@testable import HeartRateExport

@Suite("Google and Takeout sources")
struct SourceTests {
    let day = LocalDate("2026-03-08")!

    @Test("Google's defaults, and a base override moves authorize and token to the sandbox's paths")
    func googleConfiguration() throws {
        let real = try APIConfiguration(source: .google, clientID: "c")
        #expect(real.apiBase == "https://health.googleapis.com")
        #expect(real.authorizeURL == "https://accounts.google.com/o/oauth2/v2/auth")
        #expect(real.tokenURL == "https://oauth2.googleapis.com/token")
        #expect(real.revokeURL == "https://oauth2.googleapis.com/revoke")
        let sandbox = try APIConfiguration(source: .google, apiBase: "http://127.0.0.1:9/", clientID: "c")
        #expect(sandbox.authorizeURL == "http://127.0.0.1:9/o/oauth2/v2/auth")
        #expect(sandbox.tokenURL == "http://127.0.0.1:9/token")
        #expect(throws: ExportError.self) { try APIConfiguration(source: .takeout, clientID: "c") }
    }

    @Test("Google data points: string bpm, duration offsets, an omitted zero offset, newest first")
    func googleDecoder() throws {
        let page = """
        {"dataPoints":[
         {"dataSource":{"platform":"FITBIT"},"heartRate":{"sampleTime":{"physicalTime":"2026-03-08T07:00:05.250Z","utcOffset":"-14400s"},"beatsPerMinute":"61"}},
         {"heartRate":{"sampleTime":{"physicalTime":"2026-03-08T06:59:59Z","utcOffset":"-18000s","civilTime":{"date":{"year":2026,"month":3,"day":8},"time":{"hours":1}}},"beatsPerMinute":"60","metadata":{}}},
         {"heartRate":{"sampleTime":{"physicalTime":"2026-03-08T05:00:00Z","utcOffset":"-18000s"},"beatsPerMinute":"7"}}
        ],"nextPageToken":"p3"}
        """
        let body = RawBody(bytes: Array("[\(page),{\"dataPoints\":[]}]".utf8), fetchedAt: 0, lastSync: nil, origin: .archive)
        let decoded = try GoogleDayDecoder().decode(body, date: day, detail: .oneSecond)
        let normalized = try Normalizer(timeZones: TimeZoneHistory()).normalize(decoded)
        #expect(normalized.samples.map(\.bpm) == [60, 61])
        #expect(normalized.samples.map(\.utcOffsetMinutes) == [-300, -240])
        #expect(normalized.samples[1].epochMillis % 1000 == 250)
        #expect(normalized.timeZone == "UTC-04:00")
        #expect(GoogleClient.nextPageToken(Array(page.utf8)) == "p3")
        #expect(GoogleClient.nextPageToken(Array("{\"dataPoints\":[],\"nextPageToken\":\"\"}".utf8)) == nil)
        let bad = RawBody(bytes: Array("[{\"dataPoints\":[{\"heartRate\":{\"beatsPerMinute\":\"x\"}}]}]".utf8), fetchedAt: 0, lastSync: nil, origin: .archive)
        #expect(throws: DayFailure.self) { try GoogleDayDecoder().decode(bad, date: day, detail: .oneSecond) }
    }

    @Test("Coarser series: mean per local bucket, rounded half up, at the bucket's local start")
    func buckets() {
        let base: Int64 = 1_772_967_600_000  // 2026-03-08T11:00:00Z
        let samples = [Sample(epochMillis: base, utcOffsetMinutes: -240, bpm: 60), Sample(epochMillis: base + 30_000, utcOffsetMinutes: -240, bpm: 61),
                       Sample(epochMillis: base + 60_000, utcOffsetMinutes: -240, bpm: 70)]
        let minutes = BucketAggregator.aggregate(samples, bucketSeconds: 60)
        #expect(minutes.map(\.bpm) == [61, 70])  // 60.5 rounds up
        #expect(minutes.map(\.epochMillis) == [base, base + 60_000])
    }

    @Test("Fixed-offset labels name a zone; an observed offset that the IANA zone in force agrees with changes nothing")
    func zoneLabels() {
        #expect(ZoneLabel.fixed(offsetSeconds: 19_800) == "UTC+05:30")
        #expect(ZoneLabel.fixed(offsetSeconds: -25_200) == "UTC-07:00")
        #expect(ZoneLabel.timeZone("UTC+05:30")?.secondsFromGMT() == 19_800)
        var history = TimeZoneHistory(entries: [.init(zone: "America/New_York", from: LocalDate("2026-01-01")!)])
        history.observe(zone: "UTC-04:00", on: LocalDate("2026-03-10")!)
        #expect(history.entries.count == 1)
        history.observe(zone: "UTC+01:00", on: LocalDate("2026-03-11")!)
        #expect(history.zone(on: LocalDate("2026-03-11")!) == "UTC+01:00")
        #expect(history.zone(on: LocalDate("2026-03-10")!) == "America/New_York")
    }

    @Test("Takeout entries are matched by their folder and name wherever the root is; noise is not")
    func takeoutMatching() {
        #expect(TakeoutEntry.match("Takeout/Fitbit/Global Export Data/heart_rate-2026-03-08.json")! == (day, .json))
        #expect(TakeoutEntry.match("Other Root/Google Health/Global Export Data/heart_rate-2026-03-08.json")?.kind == .json)
        #expect(TakeoutEntry.match("MyFitbitData/Jane/Physical Activity/heart_rate-2026-03-08.json")?.kind == .json)
        #expect(TakeoutEntry.match("Takeout/Fitbit/Physical Activity_GoogleData/heart_rate_2026-03-08.csv")?.kind == .csv)
        #expect(TakeoutEntry.match("Takeout/Fitbit/Global Export Data/resting_heart_rate-2026-03-08.json")! == (day, .resting))
        #expect(TakeoutEntry.match("T/Fitbit/Heart Rate Variability/Heart Rate Variability Details - 2026-03-08.csv")! == (day, .hrvDetails))
        #expect(TakeoutEntry.match("T/Fitbit/Sleep/Heart Rate Variability Details - 2026-03-08.csv")! == (day, .hrvDetails))
        // The summary's day is the first of its month: the file holds the month.
        #expect(TakeoutEntry.match("T/Fitbit/Heart Rate Variability/Daily Heart Rate Variability Summary - 2026-03-(08).csv")! == (day, .hrvSummary))
        for noise in ["Takeout/Fitbit/Heart Rate/heart_rate-2026-03-08.json", "Takeout/Fitbit/Physical Activity/resting_heart_rate-2026-03-08.json",
                      "Takeout/Fitbit/Global Export Data/heart_rate-2026-03-08.json.bak", "heart_rate-2026-03-08.json",
                      "Takeout/Fitbit/Global Export Data/heart_rate-2026-13-08.json",
                      "Takeout/Fitbit/Global Export Data/resting_heart_rate-2026-03-08.json.tmp",
                      "T/Fitbit/Heart Rate Variability/Heart Rate Variability Details - 2026-03-08.csv.bak",
                      "T/Fitbit/Heart Rate Variability/Daily Heart Rate Variability Summary - 2026-03-08.csv",
                      "T/Fitbit/Heart Rate Variability/Daily Heart Rate Variability Summary - 2026-03-(32).csv",
                      "T/Fitbit/Global Export Data/Heart Rate Variability Details - 2026-03-08.csv"] {
            #expect(TakeoutEntry.match(noise) == nil, "\(noise)")
        }
    }

    @Test("Takeout JSON read as UTC is placed by the zone and trimmed to the local day; CSV times carry Z")
    func takeoutDecoding() throws {
        // 04:59:59Z is still 2026-03-07 in New York; 05:00:00Z is local midnight of the 8th.
        let json = #"[{"dateTime":"03/08/26 04:59:59","value":{"bpm":70,"confidence":2}},{"dateTime":"03/08/26 05:00:00","value":{"bpm":71,"confidence":3}},{"dateTime":"03/08/26 07:30:00","value":{"bpm":300,"confidence":0}}]"#
        let history = TimeZoneHistory(entries: [.init(zone: "America/New_York", from: LocalDate("2026-01-01")!)])
        let body = RawBody(bytes: Array(json.utf8), fetchedAt: 0, lastSync: nil, origin: .archive, notes: ["times": "utc"])
        let utc = try Normalizer(timeZones: history).normalize(try TakeoutDayDecoder().decode(body, date: day, detail: .oneSecond))
        #expect(utc.samples.map(\.bpm) == [71])
        #expect(utc.outsideDay == 1)
        #expect(utc.samples[0].utcOffsetMinutes == -300)
        var local = body
        local.notes["times"] = "local"
        let wall = try Normalizer(timeZones: history).normalize(try TakeoutDayDecoder().decode(local, date: day, detail: .oneSecond))
        #expect(wall.samples.map(\.bpm) == [70, 71])
        let csv = RawBody(bytes: Array("timestamp,beats per minute,data source\n2026-03-08T05:00:01Z,72,Charge 6\r\n2026-03-08T05:00:03Z,73,Charge 6\n".utf8),
                          fetchedAt: 0, lastSync: nil, origin: .archive)
        let fromCSV = try Normalizer(timeZones: history).normalize(try TakeoutDayDecoder().decode(csv, date: day, detail: .oneSecond))
        #expect(fromCSV.samples.map(\.bpm) == [72, 73])
        let broken = RawBody(bytes: Array("time,bpm\n1,2\n".utf8), fetchedAt: 0, lastSync: nil, origin: .archive)
        #expect(throws: DayFailure.self) { try TakeoutDayDecoder().decode(broken, date: day, detail: .oneSecond) }
        #expect(TakeoutDayDecoder.fitbitDateTime(Array("13/08/26 00:00:00".utf8)[...]) == nil)
    }
}
