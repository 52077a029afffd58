/// Loads a day that an earlier run fetched back from the raw archive of the source it came from, so that a
/// month is always rebuilt whole from its raw days.
public struct ArchivedDayLoader: Sendable {
    let userFolder: String
    let normalizer: Normalizer

    public init(userFolder: String, normalizer: Normalizer) {
        self.userFolder = userFolder
        self.normalizer = normalizer
    }

    public func archive(_ source: SourceKind) -> RawArchive { RawArchive(userFolder: userFolder, source: source) }

    /// Where the body of (source, detail, date) is kept.
    public func path(_ detail: Detail, _ date: LocalDate, source: SourceKind) -> String {
        archive(source).path(source.rawDetail(for: detail), date)
    }

    public func load(_ detail: Detail, _ date: LocalDate, source: SourceKind) throws(ExportError) -> NormalizedDay {
        let path = path(detail, date, source: source)
        guard let body = try archive(source).load(source.rawDetail(for: detail), date) else {
            throw .corrupt(path: path, message: "the raw archive lacks this day, which the manifest lists with rows; restore it or delete the day from the manifest")
        }
        do {
            var day = try normalizer.normalize(try source.decoder.decode(body, date: date, detail: detail))
            day.source = source
            return day
        } catch {
            throw .corrupt(path: path, message: error.description)
        }
    }
}
