import ArgumentParser
import HeartRateExport

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Draw a month (or a year) of heart rate as a self-contained SVG.",
        discussion: """
        A heat map of days × hours coloured by median bpm, the daily resting heart rate as a line, and the days \
        that are not complete marked. `--year` draws one small panel per month. Reads only local files. \
        Written to <out>/<user>/reports/<YYYY-MM>.svg (or <YYYY>.svg) unless --svg names the file.
        """
    )

    @OptionGroup var location: LocationOptions

    @Option(help: ArgumentHelp("The month to draw (YYYY-MM).", valueName: "month"))
    var month: String?

    @Option(help: ArgumentHelp("A whole year, one panel per month (YYYY).", valueName: "year"))
    var year: Int?

    @Option(help: ArgumentHelp("Which series. Default: 1min if exported, else the finest one there is.", valueName: "detail"))
    var detail: Detail?

    @Option(help: ArgumentHelp("Write the SVG here instead.", valueName: "file"))
    var svg: String?

    func validate() throws {
        guard (month == nil) != (year == nil) else { throw ValidationError("give exactly one of --month YYYY-MM and --year YYYY") }
        if let month, YearMonth(month) == nil { throw ValidationError("--month \(month) is not YYYY-MM") }
        if let year, !(1970...9999).contains(year) { throw ValidationError("--year \(year) is not a year") }
    }

    func run() async throws {
        try await reportingErrors {
            let (manifest, layout) = try location.resolve().manifest()
            let user = manifest.user
            let available = manifest.days.keys.sorted()
            guard let series = detail ?? (available.contains(.oneMinute) ? .oneMinute : available.first) else {
                throw ExportError.usage("the export of \(user) holds no days yet; run `hrexport backfill` first")
            }
            let text: String
            let name: String
            if let month = month.flatMap({ YearMonth($0) }) {
                text = ReportSVG.month(try MonthPicture.load(layout: layout, manifest: manifest, detail: series, month: month), user: user)
                name = month.description
            } else {
                let year = self.year!
                let pictures = try (1...12).map { (m) throws(ExportError) in
                    try MonthPicture.load(layout: layout, manifest: manifest, detail: series, month: YearMonth(year: year, month: m))
                }
                text = ReportSVG.year(pictures, user: user, year: year)
                name = String(year)
            }
            let path = svg ?? layout.userFolder + "/reports/\(name).svg"
            try AtomicFile.write(Array(text.utf8), to: path, permissions: .private)
            Console.line(path)
        }
    }
}
