/// What the export knows about one (detail, day).
public enum DayStatus: String, Codable, Sendable, CaseIterable {
    /// Data on disk and the device synced after the day ended.
    case complete
    /// Written, but the device had not synced past the day's end: fetched again by the next run.
    case partial
    /// The device synced past the day's end and the day has no samples.
    case empty
    /// The API answered without the intraday series (app type without intraday access).
    case noAccess = "no_access"
    /// The day could not be fetched or decoded; the next run tries it again.
    case failed

    /// Settled days are never requested again by a backfill.
    public var isSettled: Bool { self == .complete || self == .empty }

    /// Days whose rows belong in the month file.
    public var hasRows: Bool { self == .complete || self == .partial }
}
