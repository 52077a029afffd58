import Testing
@testable import HeartRateExport

@Suite("Decoder")
struct DecoderTests {
    let decoder = FitbitDayDecoder()

    @Test("a 1min body decodes into samples and the daily summary; string values are accepted, 0 is dropped")
    func oneMinute() throws {
        let day = try decoder.decode(try Fixture.bytes("heart-1min"), date: LocalDate("2026-03-08")!, detail: .oneMinute)
        #expect(day.samples.map(\.secondOfDay) == [0, 7140, 10800, 86340])
        #expect(day.samples.map(\.bpm) == [65, 61, 62, 70])
        #expect(day.summary.restingBPM == 64)
        #expect(day.summary.zoneMinutes == [1200, 45, 12, 0])
        #expect(day.hasIntraday)
    }

    @Test("an empty dataset is a day without samples and without resting heart rate")
    func empty() throws {
        let day = try decoder.decode(try Fixture.bytes("heart-empty"), date: LocalDate("2026-03-09")!, detail: .oneMinute)
        #expect(day.samples.isEmpty)
        #expect(day.summary.restingBPM == nil)
        #expect(day.hasIntraday)
    }

    @Test("a 200 without the intraday key means no intraday access")
    func noIntraday() throws {
        let day = try decoder.decode(try Fixture.bytes("heart-no-intraday"), date: LocalDate("2026-03-10")!, detail: .oneMinute)
        #expect(!day.hasIntraday)
        #expect(day.summary.restingBPM == 61)
    }

    @Test("1sec data keeps its irregular seconds")
    func oneSecond() throws {
        let day = try decoder.decode(try Fixture.bytes("heart-1sec"), date: LocalDate("2026-03-08")!, detail: .oneSecond)
        #expect(day.samples.map(\.secondOfDay) == [28800, 28807, 28821])
    }

    @Test("a truncated body fails its day with an error naming the day")
    func truncated() throws {
        let error = #expect(throws: DayFailure.self) {
            try decoder.decode(try Fixture.bytes("heart-truncated"), date: LocalDate("2026-03-08")!, detail: .oneMinute)
        }
        #expect(error?.date == LocalDate("2026-03-08"))
        #expect(error?.kind == .decode)
        #expect(error?.description.hasPrefix("2026-03-08") == true)
    }

    @Test("a body for another date is refused")
    func otherDate() throws {
        #expect(throws: DayFailure.self) {
            try decoder.decode(try Fixture.bytes("heart-1min"), date: LocalDate("2026-03-09")!, detail: .oneMinute)
        }
    }

    @Test("a dataset of the wrong type for the detail is refused")
    func wrongType() throws {
        #expect(throws: DayFailure.self) {
            try decoder.decode(try Fixture.bytes("heart-1sec"), date: LocalDate("2026-03-08")!, detail: .oneMinute)
        }
    }

    @Test("HTML instead of JSON fails the day")
    func html() {
        #expect(throws: DayFailure.self) {
            try decoder.decode(Array("<html>Service Unavailable</html>".utf8), date: LocalDate("2026-03-08")!, detail: .oneMinute)
        }
    }

    private func body(_ samples: String) -> [UInt8] {
        Array(("""
        {"activities-heart":[{"dateTime":"2026-03-08","value":{"heartRateZones":[],"restingHeartRate":60}}],
         "activities-heart-intraday":{"dataset":[\(samples)],"datasetInterval":1,"datasetType":"minute"}}
        """).utf8)
    }

    @Test("negative, zero and absurd bpm are sensor noise and dropped; the plausible ones stay")
    func absurdBPM() throws {
        let day = try decoder.decode(body(#"{"time":"00:00:00","value":-5},{"time":"00:01:00","value":999},{"time":"00:02:00","value":72},{"time":"00:03:00","value":0}"#),
                                     date: LocalDate("2026-03-08")!, detail: .oneMinute)
        #expect(day.samples == [WallClockSample(secondOfDay: 120, bpm: 72)])
    }

    @Test("a time outside the day, or not a time, fails the day")
    func timesOutsideTheDay() {
        for time in ["24:00:00", "23:60:00", "-1:00:00", "noon"] {
            #expect(throws: DayFailure.self, "\(time)") {
                try decoder.decode(body(#"{"time":"\#(time)","value":70}"#), date: LocalDate("2026-03-08")!, detail: .oneMinute)
            }
        }
    }

    @Test("only a whole JSON object or array passes the client's check; a cut or an HTML page is retried")
    func wholeJSON() {
        #expect(ResponseShape.isWholeJSON(Array(" {\"a\":1}\n".utf8)))
        #expect(ResponseShape.isWholeJSON(Array("[]".utf8)))
        #expect(!ResponseShape.isWholeJSON(Array("{\"a\":[1,2".utf8)))
        #expect(!ResponseShape.isWholeJSON(Array("<html>502</html>".utf8)))
        #expect(!ResponseShape.isWholeJSON([]))
    }
}
