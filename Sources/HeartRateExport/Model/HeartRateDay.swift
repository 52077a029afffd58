/// One sample as the API reports it: a wall-clock second of the local day and a bpm.
public struct WallClockSample: Hashable, Sendable {
    public var secondOfDay: Int32
    public var bpm: Int16

    public init(secondOfDay: Int32, bpm: Int16) {
        self.secondOfDay = secondOfDay
        self.bpm = bpm
    }
}

/// The per-day summary that accompanies every intraday response.
public struct DailySummary: Hashable, Sendable {
    public var restingBPM: Int16?
    /// Minutes in Out of Range, Fat Burn, Cardio, Peak.
    public var zoneMinutes: [Int16]

    public init(restingBPM: Int16? = nil, zoneMinutes: [Int16] = [0, 0, 0, 0]) {
        self.restingBPM = restingBPM
        self.zoneMinutes = zoneMinutes
    }
}

/// A decoded day: in wall-clock time (Fitbit), or as instants that already carry their offsets (Google's
/// data points, Takeout rows placed in a known zone).
public struct HeartRateDay: Sendable {
    public var date: LocalDate
    public var detail: Detail
    public var samples: [WallClockSample]
    /// Set when the source gives instants: then `samples` is empty.
    public var instants: [Sample]?
    /// True when the instants carry no offsets yet (Takeout's UTC times): the zone history places them.
    public var instantsNeedOffsets = false
    /// The day's zone as the source saw it (Google: the fixed offset of its samples), when it has no IANA zone.
    public var observedZone: String?
    public var summary: DailySummary
    /// False when the response lacked the intraday key: the app has no intraday access.
    public var hasIntraday: Bool
    /// Samples left out because their value was not a finite number an integer can hold (`inf`, `nan`, `1e309`).
    public var droppedValues = 0

    public init(date: LocalDate, detail: Detail, samples: [WallClockSample], summary: DailySummary, hasIntraday: Bool = true) {
        self.date = date
        self.detail = detail
        self.samples = samples
        self.summary = summary
        self.hasIntraday = hasIntraday
    }

    public init(date: LocalDate, detail: Detail, instants: [Sample], needOffsets: Bool = false, observedZone: String? = nil,
                summary: DailySummary = DailySummary()) {
        self.init(date: date, detail: detail, samples: [], summary: summary)
        self.instants = instants
        instantsNeedOffsets = needOffsets
        self.observedZone = observedZone
    }

    public var isEmpty: Bool { samples.isEmpty && (instants?.isEmpty ?? true) }
}

/// One normalized row: a UTC instant, the offset in force there, and the bpm.
/// The local wall clock is derived (`epochMillis + offset`), so it can never disagree with the instant.
public struct Sample: Hashable, Sendable {
    public var epochMillis: Int64
    public var utcOffsetMinutes: Int16
    public var bpm: Int16

    public init(epochMillis: Int64, utcOffsetMinutes: Int16, bpm: Int16) {
        self.epochMillis = epochMillis
        self.utcOffsetMinutes = utcOffsetMinutes
        self.bpm = bpm
    }

    public var localMillis: Int64 { epochMillis + Int64(utcOffsetMinutes) * 60_000 }
}

/// A day in UTC, sorted by instant and free of duplicates: what the writers take.
public struct NormalizedDay: Sendable {
    public var date: LocalDate
    public var detail: Detail
    public var timeZone: String
    public var samples: [Sample]
    public var summary: DailySummary
    /// Where the rows came from: a month may mix sources (history from Takeout, new days from an API).
    public var source: SourceKind = .fitbit
    /// Samples of the body that fell outside this local day and were left out (only from Takeout files).
    public var outsideDay = 0
    /// Samples whose value was not a finite number an integer can hold, left out (warned once per day).
    public var droppedValues = 0

    public init(date: LocalDate, detail: Detail, timeZone: String, samples: [Sample], summary: DailySummary) {
        self.date = date
        self.detail = detail
        self.timeZone = timeZone
        self.samples = samples
        self.summary = summary
    }
}
