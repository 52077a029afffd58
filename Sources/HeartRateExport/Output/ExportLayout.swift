/// Where everything of one user lives under `--out`: the files on disk are the data contract.
public struct ExportLayout: Sendable {
    public let userFolder: String

    public init(out: String, user: String) {
        userFolder = out.trimmingSuffix("/") + "/" + user
    }

    public func seriesFolder(_ detail: Detail) -> String { "\(userFolder)/\(detail.folderName)" }

    public func intradayFile(_ detail: Detail, _ month: YearMonth, _ format: OutputFormat) -> String {
        "\(seriesFolder(detail))/\(month).\(format.fileExtension)"
    }

    public func dailyFile(_ month: YearMonth, _ format: OutputFormat) -> String {
        "\(userFolder)/heart_rate_daily/\(month).\(format.fileExtension)"
    }
}
