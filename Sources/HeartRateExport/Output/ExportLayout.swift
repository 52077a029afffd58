/// Where everything of one user lives under `--out`: the files on disk are the data contract.
///
/// The user id is the one part of these paths that comes from outside, so the layout is where it is checked
/// for the last time: a layout exists only for a valid id, and only for one that no other folder of `out`
/// spells in another case (macOS file systems ignore case: `ABC` and `abc` would be one folder there).
/// Every other component is an enum's spelling or a date, so each path lies inside `<out>/<user>`.
public struct ExportLayout: Sendable {
    public let userFolder: String

    public init(out: String, user: String) throws(ExportError) {
        guard UserID.isValid(user) else {
            throw .usage("refusing the user id \(Printable.quoted(user)) as a folder name (\(UserID.rule))")
        }
        let root = out.trimmingSuffix("/")
        if let twin = FileSystem.list(root.isEmpty ? "/" : root).first(where: { $0 != user && $0.lowercased() == user.lowercased() }),
           FileSystem.isDirectory(root + "/" + twin) {
            throw .usage("\(root) already holds the user folder \(twin), which differs from \(user) only in case; one output folder cannot hold both (macOS file systems take them for one)")
        }
        userFolder = root + "/" + user
    }

    public func seriesFolder(_ detail: Detail) -> String { "\(userFolder)/\(detail.folderName)" }

    public func intradayFile(_ detail: Detail, _ month: YearMonth, _ format: OutputFormat) -> String {
        "\(seriesFolder(detail))/\(month).\(format.fileExtension)"
    }

    public func dailyFile(_ month: YearMonth, _ format: OutputFormat) -> String { seriesFile(.daily, month, format) }

    /// `<out>/<user>/<series folder>/<YYYY-MM>.<ext>` for any series.
    public func seriesFile(_ series: Series, _ month: YearMonth, _ format: OutputFormat) -> String {
        "\(userFolder)/\(series.folderName)/\(month).\(format.fileExtension)"
    }
}
