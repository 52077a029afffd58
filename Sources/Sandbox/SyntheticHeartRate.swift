import Foundation
import HeartRateExport

/// Deterministic, realistic heart rate for a (seed, user, day): sleep, rest, exercise, watch-off gaps and
/// days without data, in a real zone with DST. Generated per UTC minute and converted to the wall clock,
/// so the truth (instant and offset of each sample) is known independently of the exporter's normalizer.
public struct SyntheticHeartRate: Sendable {
    /// One sample with everything the truth needs.
    public struct Point: Sendable, Equatable {
        public var wallSecond: Int
        public var epochSeconds: Int
        public var offsetSeconds: Int
        public var bpm: Int
    }

    public struct Day: Sendable {
        public var points: [Point]
        public var restingBPM: Int?
        public var zoneMinutes: [Int]
    }

    let seed: UInt64
    let zone: TimeZone
    let offWrist: [ClosedRange<LocalDate>]

    /// `offWrist`: ranges of days without any data (a holiday without the watch), for long gaps.
    public init(seed: UInt64, timeZone: String, offWrist: [ClosedRange<LocalDate>] = []) {
        self.seed = seed
        zone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
        self.offWrist = offWrist
    }

    /// The day's samples at `detail`, cut at `cutoffSecond` (wall clock of that day) when the device has not
    /// synced the whole day yet.
    /// `zone`: where the user lived that day, when not the configured zone (after a move).
    public func day(user: String, date: LocalDate, detail: Detail, cutoffSecond: Int? = nil, zone: TimeZone? = nil) -> Day {
        var rng = SplitMix64(seed: seed ^ Self.hash(user) ^ UInt64(bitPattern: Int64(date.daysSinceEpoch)) &* 0x9E37_79B9_7F4A_7C15)
        let minutes = offWrist.contains { $0.contains(date) } ? [] : self.minutes(user: user, date: date, zone: zone ?? self.zone, rng: &rng)
        guard !minutes.isEmpty else { return Day(points: [], restingBPM: nil, zoneMinutes: [0, 0, 0, 0]) }
        var points: [Point]
        switch detail {
        case .oneMinute:
            points = minutes
        case .oneSecond:
            points = seconds(from: minutes, rng: &rng)
        case .fiveMinutes, .fifteenMinutes:
            points = Self.buckets(minutes, seconds: detail.bucketSeconds!)
        }
        if let cutoff = cutoffSecond { points.removeAll { $0.wallSecond > cutoff } }
        var zones = [0, 0, 0, 0]
        for m in minutes where cutoffSecond.map({ m.wallSecond <= $0 }) ?? true {
            zones[m.bpm < 94 ? 0 : m.bpm < 132 ? 1 : m.bpm < 160 ? 2 : 3] += 1
        }
        return Day(points: points, restingBPM: Self.restingOrNone(user: user, seed: seed, date: date), zoneMinutes: zones)
    }

    /// The resting rate a day with data reports: none on about one day in twelve (too little rest to measure it).
    static func restingOrNone(user: String, seed: UInt64, date: LocalDate) -> Int? {
        var rng = SplitMix64(seed: seed ^ hash(user + "/resting") ^ UInt64(bitPattern: Int64(date.daysSinceEpoch)))
        return rng.int(in: 0..<12) == 0 ? nil : resting(user: user, seed: seed, date: date)
    }

    static func resting(user: String, seed: UInt64, date: LocalDate) -> Int {
        var rng = SplitMix64(seed: seed ^ hash(user) ^ UInt64(date.daysSinceEpoch) << 20)
        return 56 + Int(hash(user) % 10) + rng.int(in: -3...3)
    }

    /// One value per wall-clock minute that exists that day; the repeated fall-back hour appears once.
    private func minutes(user: String, date: LocalDate, zone: TimeZone, rng: inout SplitMix64) -> [Point] {
        // About one day in 25 has no data at all (watch charging, left at home).
        if rng.int(in: 0..<25) == 0 { return [] }
        let resting = Self.resting(user: user, seed: seed, date: date)
        let exerciseStart = rng.int(in: 0..<10) < 4 ? rng.int(in: 7 * 60..<19 * 60) : -1
        let exerciseLength = rng.int(in: 25...70)
        let gapStart = rng.int(in: 0..<3) == 0 ? rng.int(in: 0..<1380) : -1
        let gapLength = rng.int(in: 20...180)
        let midnight = date.daysSinceEpoch * 86_400
        var seen = [Bool](repeating: false, count: 1440)
        var points = [Point]()
        points.reserveCapacity(1440)
        var level = Double(resting)
        var utcMinute = (midnight - 15 * 3600) / 60
        let lastMinute = (midnight + 39 * 3600) / 60
        while utcMinute < lastMinute {
            defer { utcMinute += 1 }
            let epoch = utcMinute * 60
            let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(epoch)))
            let local = epoch + offset
            guard local >= midnight, local < midnight + 86_400 else { continue }
            let wallMinute = (local - midnight) / 60
            // The fall-back hour happens twice; Fitbit reports it once, so the second pass is dropped.
            guard !seen[wallMinute] else { continue }
            seen[wallMinute] = true
            let target: Double
            if wallMinute < 6 * 60 + 30 || wallMinute >= 23 * 60 {
                target = Double(resting - 6)
            } else if exerciseStart >= 0, wallMinute >= exerciseStart, wallMinute < exerciseStart + exerciseLength {
                target = Double(resting + 70 + (wallMinute - exerciseStart) % 20)
            } else {
                target = Double(resting + 18)
            }
            level += (target - level) * 0.25 + Double(rng.int(in: -3...3))
            if gapStart >= 0, wallMinute >= gapStart, wallMinute < gapStart + gapLength { continue }
            if rng.int(in: 0..<50) == 0 { continue }  // a minute without a reading
            points.append(Point(wallSecond: wallMinute * 60, epochSeconds: epoch, offsetSeconds: offset, bpm: max(40, min(200, Int(level.rounded())))))
        }
        return points
    }

    /// Irregular 1sec samples (gaps of 1 to 8 s, as a watch records at rest and in exercise) inside the
    /// minutes that have data: about 18,000 a day, half a million a month.
    private func seconds(from minutes: [Point], rng: inout SplitMix64) -> [Point] {
        var points = [Point]()
        points.reserveCapacity(minutes.count * 14)
        var carry = 0
        for m in minutes {
            var s = carry
            while s < 60 {
                points.append(Point(wallSecond: m.wallSecond + s, epochSeconds: m.epochSeconds + s, offsetSeconds: m.offsetSeconds,
                                    bpm: max(40, min(200, m.bpm + rng.int(in: -2...2)))))
                s += rng.int(in: 1...8)
            }
            carry = s - 60
        }
        return points
    }

    /// Fitbit's 5min and 15min series: the mean of the 1min values in each local bucket, rounded half up.
    static func buckets(_ minutes: [Point], seconds: Int) -> [Point] {
        var result = [Point]()
        var index = 0
        while index < minutes.count {
            let bucket = minutes[index].wallSecond / seconds
            var sum = 0, count = 0
            let first = minutes[index]
            while index < minutes.count, minutes[index].wallSecond / seconds == bucket {
                sum += minutes[index].bpm
                count += 1
                index += 1
            }
            let start = bucket * seconds
            let shift = start - first.wallSecond
            result.append(Point(wallSecond: start, epochSeconds: first.epochSeconds + shift, offsetSeconds: first.offsetSeconds, bpm: (2 * sum + count) / (2 * count)))
        }
        return result
    }

    static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return h
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64): the same seed, the same data, the same
/// faults. Public so that the crash tests draw their kill times from the one generator too.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(in range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func int(in range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
}
