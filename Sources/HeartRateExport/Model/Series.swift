/// What a user can ask for with `--series`: a sample detail (`1sec`, `1min`, `5min`, `15min`), intraday heart-rate
/// variability (`hrv`), or the daily summary (`daily`: resting heart rate, zone minutes, nightly HRV). Each has its
/// own files, manifest entries, raw archive folder, statuses and digest.
public enum Series: Hashable, Comparable, Sendable, CustomStringConvertible {
    case samples(Detail)
    case hrv
    case daily

    public static let all: [Series] = Detail.allCases.map(Series.samples) + [.hrv, .daily]

    /// The name in `--series`, the manifest's `days` and `hrexport.detail`.
    public var name: String {
        switch self {
        case .samples(let detail): detail.rawValue
        case .hrv: "hrv"
        case .daily: "daily"
        }
    }

    public var description: String { name }

    public init?(name: some StringProtocol) {
        switch name {
        case "hrv": self = .hrv
        case "daily": self = .daily
        default:
            guard let detail = Detail(rawValue: String(name)) else { return nil }
            self = .samples(detail)
        }
    }

    /// `1min,hrv,daily`: every name known, none twice; nil otherwise.
    public static func list(_ text: String) -> [Series]? {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let series = names.compactMap { Series(name: $0) }
        guard !names.isEmpty, series.count == names.count, Set(series).count == series.count else { return nil }
        return series.sorted()
    }

    public var detail: Detail? { if case .samples(let detail) = self { detail } else { nil } }

    /// The folder of its month files under `<out>/<user>/`.
    public var folderName: String {
        switch self {
        case .samples(let detail): detail.folderName
        case .hrv: "heart_rate_variability"
        case .daily: "heart_rate_daily"
        }
    }

    private var order: Int { Series.all.firstIndex(of: self)! }
    public static func < (a: Series, b: Series) -> Bool { a.order < b.order }
}
