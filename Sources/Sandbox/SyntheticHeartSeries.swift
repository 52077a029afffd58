import Foundation
import HeartRateExport

/// The heart series beyond the samples, synthetic and deterministic per (seed, user, night): a night's heart-rate
/// variability in 5-minute windows during sleep (23:30 to 06:25 on the wall clock), its summary, and the resting
/// heart rate of a day. Some nights have no measurement and some days no resting rate, as real accounts do.
extension SyntheticHeartRate {
    /// One 5-minute window of a night, with everything any flavour of the API (or Takeout) reports of it.
    public struct HRVWindow: Sendable, Equatable {
        public var epochSeconds: Int
        public var offsetSeconds: Int
        public var rmssd: Double
        public var coverage: Double
        public var lf: Double
        public var hf: Double
        public var sdnn: Double

        /// The local day the window falls in (a night spans two).
        public var localDate: LocalDate { LocalDate(daysSinceEpoch: (epochSeconds + offsetSeconds).floorDiv(86_400)) }
        public var localSeconds: Int { epochSeconds + offsetSeconds }
    }

    /// A night's summary: what Fitbit's daily HRV, Google's daily type and Takeout's summary file say of it.
    public struct NightSummary: Sendable, Equatable {
        public var rmssd: Double
        public var deepRmssd: Double
        public var nremBPM: Int
        public var entropy: Double
    }

    static func thousandths(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    /// The windows of the night that ends on `date` (empty for a night without a measurement).
    public func night(user: String, endingOn date: LocalDate, zone: TimeZone? = nil) -> [HRVWindow] {
        let zone = zone ?? self.zone
        guard !offWrist.contains(where: { $0.contains(date) || $0.contains(date.adding(days: -1)) }) else { return [] }
        var rng = SplitMix64(seed: seed ^ Self.hash(user + "/hrv") ^ UInt64(bitPattern: Int64(date.daysSinceEpoch)) &* 0xD1B5_4A32_D192_ED03)
        // About one night in seven has no measurement (too short a sleep, the watch charging overnight).
        if rng.int(in: 0..<7) == 0 { return [] }
        let base = Double(25 + rng.int(in: 0..<60))
        let start = (date.daysSinceEpoch - 1) * 86_400 + 23 * 3600 + 30 * 60  // 23:30 the evening before, wall clock
        let end = date.daysSinceEpoch * 86_400 + 6 * 3600 + 25 * 60           // 06:25, the last window's start
        var windows = [HRVWindow]()
        var seen = Set<Int>()
        var epoch = (start - 15 * 3600) / 300 * 300
        while epoch <= end + 15 * 3600 {
            defer { epoch += 300 }
            let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(epoch)))
            let local = epoch + offset
            guard local >= start, local <= end, local % 300 == 0, seen.insert(local).inserted else { continue }
            let rmssd = Self.thousandths(min(120, max(15, base + Double(rng.int(in: -12...12)) + Double(rng.int(in: 0...999)) / 1000)))
            let coverage = Self.thousandths(0.6 + Double(rng.int(in: 0...400)) / 1000)
            let lf = Self.thousandths(100 + Double(rng.int(in: 0..<800)) + Double(rng.int(in: 0...999)) / 1000)
            let hf = Self.thousandths(50 + Double(rng.int(in: 0..<400)) + Double(rng.int(in: 0...999)) / 1000)
            // About one window in ten has no reading (movement).
            if rng.int(in: 0..<10) == 0 { continue }
            windows.append(HRVWindow(epochSeconds: epoch, offsetSeconds: offset, rmssd: rmssd, coverage: coverage, lf: lf, hf: hf,
                                     sdnn: Self.thousandths(rmssd * 1.35)))
        }
        return windows
    }

    public func nightSummary(user: String, endingOn date: LocalDate, zone: TimeZone? = nil) -> NightSummary? {
        let windows = night(user: user, endingOn: date, zone: zone)
        guard !windows.isEmpty else { return nil }
        let mean = Self.thousandths(windows.map(\.rmssd).reduce(0, +) / Double(windows.count))
        let resting = Self.resting(user: user, seed: seed, date: date)
        return NightSummary(rmssd: mean, deepRmssd: Self.thousandths(mean * 0.9), nremBPM: resting - 4,
                            entropy: (Double(150 + Int(mean.rounded()) % 150) / 100))
    }

    /// The day's resting heart rate: none on a day without data, and none on about one day in twelve.
    public func restingBPM(user: String, date: LocalDate, zone: TimeZone? = nil) -> Int? {
        day(user: user, date: date, detail: .oneMinute, zone: zone).restingBPM
    }
}

extension Int {
    /// Division rounding toward minus infinity; the sandbox's own, as its truth shares no arithmetic with the exporter.
    func floorDiv(_ divisor: Int) -> Int { self >= 0 ? self / divisor : (self - divisor + 1) / divisor }
}
