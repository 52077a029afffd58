import Testing
@testable import HeartRateExport

@Suite("Normalizer")
struct NormalizerTests {
    func normalize(_ zone: String, _ date: String, _ times: [String]) throws -> [Sample] {
        let day = HeartRateDay(date: LocalDate(date)!, detail: .oneMinute,
                               samples: times.enumerated().map { WallClockSample(secondOfDay: Int32(WallClock.secondOfDay($0.element.utf8)!), bpm: Int16(60 + $0.offset)) },
                               summary: DailySummary())
        let history = TimeZoneHistory(entries: [.init(zone: zone, from: LocalDate("2020-01-01")!)])
        return try Normalizer(timeZones: history).normalize(day).samples
    }

    func iso(_ s: Sample) -> String {
        var out = [UInt8]()
        TimestampText.append(millis: s.epochMillis, zulu: true, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test("New York spring forward: 01:59 is EST, 03:00 is EDT, the day has 23 hours")
    func newYorkSpring() throws {
        let rows = try normalize("America/New_York", "2026-03-08", ["00:00:00", "01:59:00", "03:00:00", "23:59:00"])
        #expect(rows.map(iso) == ["2026-03-08T05:00:00Z", "2026-03-08T06:59:00Z", "2026-03-08T07:00:00Z", "2026-03-09T03:59:00Z"])
        #expect(rows.map(\.utcOffsetMinutes) == [-300, -300, -240, -240])
    }

    @Test("New York fall back: the repeated hour maps to its first occurrence (EDT)")
    func newYorkFall() throws {
        let rows = try normalize("America/New_York", "2026-11-01", ["00:30:00", "01:30:00", "02:00:00", "23:00:00"])
        #expect(rows.map(iso) == ["2026-11-01T04:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T07:00:00Z", "2026-11-02T04:00:00Z"])
        #expect(rows.map(\.utcOffsetMinutes) == [-240, -240, -300, -300])
    }

    @Test("Berlin spring forward and fall back")
    func berlin() throws {
        let spring = try normalize("Europe/Berlin", "2026-03-29", ["01:59:00", "03:00:00"])
        #expect(spring.map(iso) == ["2026-03-29T00:59:00Z", "2026-03-29T01:00:00Z"])
        let fall = try normalize("Europe/Berlin", "2026-10-25", ["02:30:00", "03:00:00"])
        #expect(fall.map(iso) == ["2026-10-25T00:30:00Z", "2026-10-25T02:00:00Z"])
        #expect(fall.map(\.utcOffsetMinutes) == [120, 60])
    }

    @Test("a time inside the spring-forward gap is shifted forward, keeping time and offset consistent")
    func gap() throws {
        let rows = try normalize("America/New_York", "2026-03-08", ["02:30:00"])
        #expect(rows.map(iso) == ["2026-03-08T07:30:00Z"])
        #expect(rows[0].utcOffsetMinutes == -240)
    }

    @Test("unsorted and duplicate times come out sorted, the first duplicate kept")
    func sortsAndDeduplicates() throws {
        let rows = try normalize("UTC", "2026-01-10", ["10:00:00", "09:00:00", "10:00:00"])
        #expect(rows.map(iso) == ["2026-01-10T09:00:00Z", "2026-01-10T10:00:00Z"])
        #expect(rows.map(\.bpm) == [61, 60])
    }

    @Test("a zone change applies from its first day")
    func history() {
        var history = TimeZoneHistory()
        history.record(currentZone: "America/New_York", since: LocalDate("2025-01-01")!, changeDay: LocalDate("2026-01-01")!)
        history.record(currentZone: "Europe/Berlin", since: LocalDate("2025-01-01")!, changeDay: LocalDate("2026-06-01")!)
        #expect(history.zone(on: LocalDate("2026-05-31")!) == "America/New_York")
        #expect(history.zone(on: LocalDate("2026-06-01")!) == "Europe/Berlin")
    }
}
