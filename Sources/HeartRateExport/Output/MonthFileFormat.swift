/// What a month file is about: written into Parquet key/value metadata, checked by readers.
public struct MonthFileContext: Sendable {
    public var user: String
    public var source: SourceKind
    public var detail: Detail
    public var month: YearMonth
    public var timeZone: String
    /// The sources of the month's rows, when known; a month may mix them (Takeout history, then an API).
    public var sources: [SourceKind] = []

    /// `hrexport.source`: the one source, or several joined by commas (`google,takeout`).
    public var sourceLabel: String { sources.isEmpty ? source.rawValue : sources.map(\.rawValue).joined(separator: ",") }

    public init(user: String, source: SourceKind, detail: Detail, month: YearMonth, timeZone: String) {
        self.user = user
        self.source = source
        self.detail = detail
        self.month = month
        self.timeZone = timeZone
    }
}

/// One row of the daily file: what the sources say of the day, and how many rows the finest sample detail of
/// the export holds for it.
public struct DailyRow: Sendable, Equatable {
    public var date: LocalDate
    public var values: DailyValues
    public var samples: Int32

    public init(date: LocalDate, values: DailyValues, samples: Int32) {
        self.date = date
        self.values = values
        self.samples = samples
    }
}

/// A month file format: writes the whole file atomically at `path`, and reads back what it wrote so that
/// `verify` can check files against the manifest and `--no-raw` style rebuilds have a second source.
public protocol MonthFileFormat: Sendable {
    var format: OutputFormat { get }
    /// Intraday rows of the month's days, already sorted by time and free of duplicates across days.
    func writeIntraday(_ days: [NormalizedDay], context: MonthFileContext, to path: String, permissions: FilePermissions) throws(ExportError)
    func writeDaily(_ rows: [DailyRow], context: MonthFileContext, to path: String, permissions: FilePermissions) throws(ExportError)
    /// The month's HRV windows, sorted by time and free of duplicates.
    func writeHRV(_ samples: [HRVSample], context: MonthFileContext, to path: String, permissions: FilePermissions) throws(ExportError)
    /// The rows of an intraday file, in file order; a damaged or foreign file is `ExportError.corrupt`.
    func readIntraday(from path: String) throws(ExportError) -> [Sample]
    func readDaily(from path: String) throws(ExportError) -> [DailyRow]
    func readHRV(from path: String) throws(ExportError) -> [HRVSample]
    /// Whether the file at `path` is one hrexport wrote (intact enough to tell): only such a file is
    /// replaced without `--force`.
    func isOurs(_ path: String) -> Bool
}

public enum MonthFileFormats {
    public static func format(_ format: OutputFormat) -> any MonthFileFormat {
        switch format {
        case .parquet: ParquetMonthFormat()
        case .csv: CSVMonthFormat()
        }
    }
}
