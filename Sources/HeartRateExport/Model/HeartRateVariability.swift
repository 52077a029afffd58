/// One window of intraday heart-rate variability (a 5-minute window of a night, as Fitbit and Takeout give it,
/// or one Google sample): the instant, its offset, and what the source measured. A value a source does not give
/// is nil, and is written as null.
public struct HRVSample: Hashable, Sendable {
    public var epochMillis: Int64
    public var utcOffsetMinutes: Int16
    public var rmssd: Double?
    public var coverage: Double?
    public var lf: Double?
    public var hf: Double?
    public var sdnn: Double?

    public init(epochMillis: Int64, utcOffsetMinutes: Int16, rmssd: Double? = nil, coverage: Double? = nil, lf: Double? = nil,
                hf: Double? = nil, sdnn: Double? = nil) {
        self.epochMillis = epochMillis
        self.utcOffsetMinutes = utcOffsetMinutes
        self.rmssd = rmssd
        self.coverage = coverage
        self.lf = lf
        self.hf = hf
        self.sdnn = sdnn
    }

    public var localMillis: Int64 { epochMillis + Int64(utcOffsetMinutes) * 60_000 }
    /// The local day the window falls in: a night spans two days, and each window belongs to its own.
    public var localDate: LocalDate { LocalDate(containingSecond: localMillis.floorDivided(by: 1000)) }
}

/// An HRV window as a source reports it, before it is placed in time: either an instant with its offset (Google)
/// or a local wall clock (Fitbit's `minute`, Takeout's `timestamp`), which the zone history places.
public struct HRVReading: Sendable, Equatable {
    public enum Time: Sendable, Equatable {
        case instant(epochMillis: Int64, utcOffsetMinutes: Int16)
        /// Seconds since 1970-01-01T00:00 on the local wall clock.
        case wallClock(seconds: Int64)
    }

    public var time: Time
    public var values: HRVSample

    public init(time: Time, values: HRVSample) {
        self.time = time
        self.values = values
    }
}

/// What a source says of one day: its resting heart rate, minutes per zone, and the night's HRV summary.
/// Every field is nil where the source has none (Google and Takeout know no zone minutes).
public struct DailyValues: Sendable, Equatable {
    public var restingBPM: Int16?
    /// Out of Range, Fat Burn, Cardio, Peak.
    public var zoneMinutes: [Int16]?
    public var hrvRMSSD: Double?
    public var hrvDeepRMSSD: Double?
    public var hrvNREMBPM: Double?
    public var hrvEntropy: Double?

    public init(restingBPM: Int16? = nil, zoneMinutes: [Int16]? = nil, hrvRMSSD: Double? = nil, hrvDeepRMSSD: Double? = nil,
                hrvNREMBPM: Double? = nil, hrvEntropy: Double? = nil) {
        self.restingBPM = restingBPM
        self.zoneMinutes = zoneMinutes
        self.hrvRMSSD = hrvRMSSD
        self.hrvDeepRMSSD = hrvDeepRMSSD
        self.hrvNREMBPM = hrvNREMBPM
        self.hrvEntropy = hrvEntropy
    }

    /// Fields of `other` fill the ones this lacks.
    public func filled(from other: DailyValues) -> DailyValues {
        DailyValues(restingBPM: restingBPM ?? other.restingBPM, zoneMinutes: zoneMinutes ?? other.zoneMinutes,
                    hrvRMSSD: hrvRMSSD ?? other.hrvRMSSD, hrvDeepRMSSD: hrvDeepRMSSD ?? other.hrvDeepRMSSD,
                    hrvNREMBPM: hrvNREMBPM ?? other.hrvNREMBPM, hrvEntropy: hrvEntropy ?? other.hrvEntropy)
    }

    /// How many values it holds: what "denser" means when two sources hold a day.
    public var count: Int {
        [restingBPM != nil, zoneMinutes != nil, hrvRMSSD != nil, hrvDeepRMSSD != nil, hrvNREMBPM != nil, hrvEntropy != nil].filter { $0 }.count
    }

    /// Resting heart rate as the design wants it: rounded half up to an integer, plausible, else none.
    public static func resting(_ value: Double?) -> Int16? {
        guard let value, value.isFinite, value > 0 else { return nil }
        let rounded = (value + 0.5).rounded(.down)
        guard BPMValue.plausible.contains(Int(exactly: rounded) ?? 0) else { return nil }
        return Int16(rounded)
    }

    /// A measured double: nil for NaN, infinities and absurd magnitudes.
    public static func measured(_ value: Double?) -> Double? {
        guard let value, value.isFinite, abs(value) < 1e12 else { return nil }
        return value
    }
}
