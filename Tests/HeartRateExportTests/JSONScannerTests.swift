import Testing
@testable import HeartRateExport

@Suite("JSON scanner")
struct JSONScannerTests {
    private let decoder = FitbitDayDecoder()
    private let date = LocalDate("2026-03-08")!

    private func body(_ dataset: String, extra: String = "") -> [UInt8] {
        Array(#"{"activities-heart":[{"dateTime":"2026-03-08","value":{"restingHeartRate":"61","heartRateZones":[{"name":"Peak","minutes":3}]}}],\#(extra)"activities-heart-intraday":{"datasetInterval":1,"dataset":[\#(dataset)],"datasetType":"minute"}}"#.utf8)
    }

    @Test func valuesAsNumbersStringsAndWholeFloatsKeysInAnyOrder() throws {
        let day = try decoder.decode(body(#"{"time":"00:00:00","value":70},{"value":"71","time":"00:01:00"},{"time":"00:02:00","value":72.0,"extra":[1,{"a":null}]}"#,
                                          extra: #""unknown":{"x":[true,false,"\u00e9\n"]},"#), date: date, detail: .oneMinute)
        #expect(day.samples.map(\.bpm) == [70, 71, 72])
        #expect(day.samples.map(\.secondOfDay) == [0, 60, 120])
        #expect(day.summary.restingBPM == 61)
        #expect(day.summary.zoneMinutes == [0, 0, 0, 3])
    }

    @Test(arguments: [#"{"time":"00:00:00","value":70.5}"#, #"{"time":"00:00:00","value":"seventy"}"#, #"{"time":"00:00:00"}"#,
                      #"{"value":70}"#, #"{"time":"00:00:00","value":70,}"#, #"{"time":"00:00:00" "value":70}"#, #"[70]"#])
    func malformedSamplesFailTheDay(sample: String) {
        #expect(throws: DayFailure.self) { try decoder.decode(body(sample), date: date, detail: .oneMinute) }
    }

    @Test func everyTruncationIsAnErrorNeverACrash() {
        let whole = body(#"{"time":"00:00:00","value":70},{"time":"00:01:00","value":"71"}"#)
        for cut in 0..<whole.count {
            #expect(throws: DayFailure.self) { try decoder.decode(Array(whole.prefix(cut)), date: date, detail: .oneMinute) }
        }
        #expect(throws: DayFailure.self) { try decoder.decode(whole + Array(" x".utf8), date: date, detail: .oneMinute) }
        let deep = Array(repeating: UInt8(ascii: "["), count: 10_000)
        #expect(throws: DayFailure.self) { try decoder.decode(Array("{\"a\":".utf8) + deep, date: date, detail: .oneMinute) }
    }
}
