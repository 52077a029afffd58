/// Reads one received or archived body into a typed day. A malformed body fails that day only.
public protocol DayDecoder: Sendable {
    func decode(_ body: RawBody, date: LocalDate, detail: Detail) throws(DayFailure) -> HeartRateDay
}

/// Who the data belongs to and how far it reaches, as a source can tell at the start of a run.
public struct SourceAccount: Sendable, Equatable {
    public var user: String
    /// Today's zone: an IANA name (Fitbit's profile) or a fixed offset seen in the newest sample (Google).
    public var timeZone: String?
    /// True when the zone is a fact of the account, recorded in the history; Google's offsets are only
    /// observations, recorded day by day from the samples instead.
    public var zoneIsAccountSetting: Bool
    /// The first day data can exist; nil when the source cannot tell (then `--from` is needed).
    public var memberSince: LocalDate?
    /// How far the data reaches (local wall clock): a day ending before it is complete.
    public var lastSync: LocalDateTime?

    public init(user: String, timeZone: String?, zoneIsAccountSetting: Bool, memberSince: LocalDate?, lastSync: LocalDateTime?) {
        self.user = user
        self.timeZone = timeZone
        self.zoneIsAccountSetting = zoneIsAccountSetting
        self.memberSince = memberSince
        self.lastSync = lastSync
    }
}

/// A source of heart-rate days: a fetcher of one day's raw body plus the decoder for it. The normalizer,
/// writers, raw archive and manifest are shared by every source.
public protocol HeartRateSource: Sendable {
    var kind: SourceKind { get }
    /// The account behind the credentials; checked against the credentials entry before anything is written.
    func account() async throws -> SourceAccount
    /// The raw body of one local day at the source's raw detail (`kind.rawDetail(for:)`).
    func fetchDay(_ date: LocalDate, rawDetail: Detail) async throws -> Result<[UInt8], DayFailure>
    /// The intraday HRV body of a day (Fitbit: the night ending on it; Google: the local day's samples).
    func fetchHRV(_ date: LocalDate) async throws -> Result<[UInt8], DayFailure>
    /// One body of daily summaries (resting heart rate, nightly HRV) for consecutive days, at most `dailyRangeLimit`.
    func fetchDaily(_ days: ClosedRange<LocalDate>) async throws -> Result<[UInt8], DayFailure>
    var dailyRangeLimit: Int { get }
    /// Requests sent so far (for the run summary).
    func requestsSent() async -> Int
}
