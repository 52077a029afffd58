import Foundation

/// Turns wall-clock samples into UTC instants with the offset in force, sorted and de-duplicated.
public struct Normalizer: Sendable {
    public let timeZones: TimeZoneHistory

    public init(timeZones: TimeZoneHistory) {
        self.timeZones = timeZones
    }

    public func normalize(_ day: HeartRateDay) throws(DayFailure) -> NormalizedDay {
        if let instants = day.instants, !day.instantsNeedOffsets {
            // The source placed each sample itself (Google's per-sample offsets).
            let label = day.observedZone ?? timeZones.zone(on: day.date) ?? "UTC"
            return finish(day, label, Self.sortedUnique(instants))
        }
        guard let zoneName = timeZones.zone(on: day.date), let zone = ZoneLabel.timeZone(zoneName) else {
            throw DayFailure(date: day.date, kind: .decode, message: "unknown time zone \(timeZones.zone(on: day.date) ?? "(none)")")
        }
        let offsets = DayOffsets(zone: zone, date: day.date)
        let midnight = day.date.daysSinceEpoch * 86_400
        if let instants = day.instants {
            // UTC instants (Takeout): the zone gives each its offset; those outside this local day are left out.
            let dayMillis = Int64(midnight) * 1000
            var placed = [Sample]()
            placed.reserveCapacity(instants.count)
            for s in instants {
                let offset = offsets.offset(atUTC: Int(s.epochMillis / 1000))
                let local = s.epochMillis + Int64(offset) * 1000
                if local >= dayMillis && local < dayMillis + 86_400_000 {
                    placed.append(Sample(epochMillis: s.epochMillis, utcOffsetMinutes: Int16(offset / 60), bpm: s.bpm))
                }
            }
            var result = finish(day, zoneName, Self.sortedUnique(placed))
            result.outsideDay = instants.count - placed.count
            return result
        }
        var samples = [Sample]()
        samples.reserveCapacity(day.samples.count)
        var sorted = true
        for s in day.samples {
            let (utc, offset) = offsets.resolve(localSecondsAsIfUTC: midnight + Int(s.secondOfDay))
            let sample = Sample(epochMillis: Int64(utc) * 1000, utcOffsetMinutes: Int16(offset / 60), bpm: s.bpm)
            if let last = samples.last, last.epochMillis >= sample.epochMillis { sorted = false }
            samples.append(sample)
        }
        if !sorted { samples = Self.sortedUnique(samples) }
        var result = NormalizedDay(date: day.date, detail: day.detail, timeZone: zoneName, samples: samples, summary: day.summary)
        result.droppedValues = day.droppedValues
        return result
    }

    /// Irregular samples asked for at a coarser detail become that detail's buckets.
    private func finish(_ day: HeartRateDay, _ label: String, _ samples: [Sample]) -> NormalizedDay {
        var rows = samples
        if let bucket = day.detail.bucketSeconds { rows = BucketAggregator.aggregate(samples, bucketSeconds: bucket) }
        var result = NormalizedDay(date: day.date, detail: day.detail, timeZone: label, samples: rows, summary: day.summary)
        result.droppedValues = day.droppedValues
        return result
    }

    /// Sorted by instant, one sample per instant. Stable, so that of two samples at the same instant the
    /// first one reported is kept.
    static func sortedUnique(_ samples: [Sample]) -> [Sample] {
        var inOrder = true
        for i in samples.indices.dropFirst() where samples[i - 1].epochMillis >= samples[i].epochMillis {
            inOrder = false
            break
        }
        if inOrder { return samples }
        let sorted = samples.enumerated().sorted { ($0.element.epochMillis, $0.offset) < ($1.element.epochMillis, $1.offset) }.map(\.element)
        var unique = [Sample]()
        unique.reserveCapacity(sorted.count)
        for s in sorted where unique.last?.epochMillis != s.epochMillis { unique.append(s) }
        return unique
    }
}
