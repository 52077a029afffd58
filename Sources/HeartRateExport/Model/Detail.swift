/// The sampling detail of an intraday series, spelled as in the Fitbit URL.
public enum Detail: String, CaseIterable, Codable, Sendable, Comparable {
    case oneSecond = "1sec"
    case oneMinute = "1min"
    case fiveMinutes = "5min"
    case fifteenMinutes = "15min"

    /// Bucket length for aggregated details; 1sec is irregular and has none.
    public var bucketSeconds: Int? {
        switch self {
        case .oneSecond: nil
        case .oneMinute: 60
        case .fiveMinutes: 300
        case .fifteenMinutes: 900
        }
    }

    /// The folder under `<out>/<user>/` that holds this series.
    public var folderName: String { "heart_rate_" + rawValue }

    private var order: Int { Detail.allCases.firstIndex(of: self)! }
    public static func < (a: Detail, b: Detail) -> Bool { a.order < b.order }
}

/// The file format of month files. Parquet is the default: typed, compact, read natively everywhere.
public enum OutputFormat: String, CaseIterable, Codable, Sendable {
    case parquet
    case csv

    public var fileExtension: String {
        switch self {
        case .parquet: "parquet"
        case .csv: "csv.gz"
        }
    }
}

/// Where the data comes from; recorded in the manifest and the credentials file.
public enum SourceKind: String, Codable, Sendable, CaseIterable {
    /// The Fitbit Web API (turned off on 2 Nov 2026).
    case fitbit
    /// The Google Health API v4: new data every night.
    case google
    /// A Google Takeout archive: all history, read from files, no requests.
    case takeout

}
