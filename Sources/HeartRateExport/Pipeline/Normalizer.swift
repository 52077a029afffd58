import Foundation

/// Turns wall-clock samples into UTC instants with the offset in force, sorted and de-duplicated.
public struct Normalizer: Sendable {
    public let timeZones: TimeZoneHistory

    public init(timeZones: TimeZoneHistory) {
        self.timeZones = timeZones
    }

    public func normalize(_ day: HeartRateDay) throws(DayFailure) -> NormalizedDay {
        guard let zoneName = timeZones.zone(on: day.date), let zone = TimeZone(identifier: zoneName) else {
            throw DayFailure(date: day.date, kind: .decode, message: "unknown time zone \(timeZones.zone(on: day.date) ?? "(none)")")
        }
        let offsets = DayOffsets(zone: zone, date: day.date)
        let midnight = day.date.daysSinceEpoch * 86_400
        var samples = [Sample]()
        samples.reserveCapacity(day.samples.count)
        var sorted = true
        for s in day.samples {
            let (utc, offset) = offsets.resolve(localSecondsAsIfUTC: midnight + Int(s.secondOfDay))
            let sample = Sample(epochMillis: Int64(utc) * 1000, utcOffsetMinutes: Int16(offset / 60), bpm: s.bpm)
            if let last = samples.last, last.epochMillis >= sample.epochMillis { sorted = false }
            samples.append(sample)
        }
        if !sorted {
            // Stable, so that of two samples at the same instant the first one reported is kept.
            samples = samples.enumerated().sorted { ($0.element.epochMillis, $0.offset) < ($1.element.epochMillis, $1.offset) }.map(\.element)
            var unique = [Sample]()
            unique.reserveCapacity(samples.count)
            for s in samples where unique.last?.epochMillis != s.epochMillis { unique.append(s) }
            samples = unique
        }
        return NormalizedDay(date: day.date, detail: day.detail, timeZone: zoneName, samples: samples, summary: day.summary)
    }
}
