import Foundation

/// The UTC offsets in force during one local day of one IANA zone, with the exact transition instants.
///
/// Converting a wall-clock `HH:mm:ss` to an instant is ambiguous on DST days, so the rules live here:
/// - the repeated fall-back hour maps to its first occurrence (the earlier, pre-transition offset),
///   because Fitbit reports that hour only once;
/// - a wall-clock time inside the spring-forward gap does not exist; it is shifted forward by the gap
///   (read with the old offset, shown with the new one), as pandas' `nonexistent="shift_forward"` would not
///   but `tz_localize(..., nonexistent=timedelta)` does. Fitbit does not emit such times.
public struct DayOffsets: Sendable {
    /// Offset segments sorted by start: from `startUTC` (seconds since epoch) on, `offset` seconds apply.
    let segments: [(startUTC: Int, offset: Int)]

    public init(zone: TimeZone, date: LocalDate) {
        // A local day spans UTC instants within [midnight-as-UTC - 14 h, +24 h + 12 h]; sample with margin.
        let localMidnight = date.daysSinceEpoch * 86_400
        let windowStart = localMidnight - 15 * 3600
        let windowEnd = localMidnight + 39 * 3600
        func offset(_ t: Int) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t))) }

        var segments = [(startUTC: Int.min, offset: offset(windowStart))]
        var t = windowStart
        while t < windowEnd {
            let next = t + 3600
            let after = offset(next)
            if after != segments[segments.count - 1].offset {
                // Bisect to the exact second the new offset starts.
                var lo = t, hi = next
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2
                    if offset(mid) == after { hi = mid } else { lo = mid }
                }
                segments.append((startUTC: hi, offset: after))
            }
            t = next
        }
        self.segments = segments
    }

    /// The instant and offset (both in seconds) for a wall-clock second of this day.
    public func resolve(localSecondsAsIfUTC local: Int) -> (utc: Int, offset: Int) {
        if segments.count == 1 { return (local - segments[0].offset, segments[0].offset) }
        for (i, segment) in segments.enumerated() {
            let utc = local - segment.offset
            let end = i + 1 < segments.count ? segments[i + 1].startUTC : Int.max
            if utc >= segment.startUTC && utc < end { return (utc, segment.offset) }
        }
        // In a gap: read with the offset before the transition, which lands after it.
        for i in 1..<segments.count {
            let utc = local - segments[i - 1].offset
            let end = i + 1 < segments.count ? segments[i + 1].startUTC : Int.max
            if utc >= segments[i].startUTC && utc < end { return (utc, segments[i].offset) }
        }
        return (local - segments[0].offset, segments[0].offset)
    }

    /// The offset in force at a UTC instant (seconds) within this day's window.
    public func offset(atUTC utc: Int) -> Int {
        var result = segments[0].offset
        for segment in segments where segment.startUTC <= utc { result = segment.offset }
        return result
    }
}
