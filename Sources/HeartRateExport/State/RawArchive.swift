import Gzip
import Foundation

/// A response body as received, with when it was fetched and how far the device had synced then.
public struct RawBody: Sendable {
    /// The most a body may hold: a day of 1sec data is 1 to 3 MB, so anything this large is not a heart-rate day.
    /// The transport, the Takeout reader and the archive's reader share it, so whatever is stored can be read back.
    public static let maxBytes = 64 << 20

    public enum Origin: Sendable { case network, archive }

    public var bytes: [UInt8]
    public var fetchedAt: Double
    public var lastSync: LocalDateTime?
    public var origin: Origin
    /// What else the decoder must know, kept with the body (Takeout: how its times read, where it came from).
    public var notes: [String: String]

    public init(bytes: [UInt8], fetchedAt: Double, lastSync: LocalDateTime?, origin: Origin, notes: [String: String] = [:]) {
        self.bytes = bytes
        self.fetchedAt = fetchedAt
        self.lastSync = lastSync
        self.origin = origin
        self.notes = notes
    }

    /// Whether the device had synced past the end of `date` when this body was fetched.
    public func coversWholeDay(_ date: LocalDate) -> Bool {
        guard let lastSync else { return false }
        return lastSync >= LocalDateTime(date: date.adding(days: 1), secondOfDay: 0)
    }
}

/// `<out>/<user>/raw/<source>/<folder>/<YYYY-MM>/<date>.json.gz`: the source of truth month files derive from.
/// A folder per data type: each sample detail (`1min`, ...), `hrv` (a day's intraday HRV) and `daily` (bodies of
/// daily summaries, each filed under the first day it covers).
///
/// Fetch time and the device's last sync ride in the gzip header's comment field, so body and metadata are
/// one atomic file and a rerun after kill -9 knows whether a stored body is final.
public struct RawArchive: Sendable {
    public let root: String
    public let source: SourceKind
    public let permissions: FilePermissions

    public init(userFolder: String, source: SourceKind, permissions: FilePermissions = .private) {
        root = userFolder + "/raw/" + source.rawValue
        self.source = source
        self.permissions = permissions
    }

    public func path(_ detail: Detail, _ date: LocalDate) -> String { path(folder: detail.rawValue, date) }

    public func path(folder: String, _ date: LocalDate) -> String {
        "\(root)/\(folder)/\(date.month)/\(date).json.gz"
    }

    /// `level` 1 for bulk copies (a Takeout import), where deflate's time would dominate; 6 otherwise.
    public func store(_ body: RawBody, detail: Detail, date: LocalDate, level: Int32 = 6) throws(ExportError) {
        try store(body, folder: detail.rawValue, date: date, level: level)
    }

    public func store(_ body: RawBody, folder: String, date: LocalDate, level: Int32 = 6) throws(ExportError) {
        let comment = "hrexport fetched_at=\(Int64(body.fetchedAt)) last_sync=\(body.lastSync?.description ?? "none")"
            + body.notes.sorted { $0.key < $1.key }.map { " \($0.key)=\(FormEncoding.escape($0.value))" }.joined()
        try AtomicFile.write(GzipEncoder.compress(body.bytes, level: level, comment: comment), to: path(folder: folder, date), permissions: permissions)
    }

    /// The stored body, or nil when there is none. A damaged file is an error naming it.
    public func load(_ detail: Detail, _ date: LocalDate) throws(ExportError) -> RawBody? { try load(folder: detail.rawValue, date) }

    /// The days of a month that have a body in a folder, in order.
    public func dates(folder: String, month: YearMonth) -> [LocalDate] {
        FileSystem.list("\(root)/\(folder)/\(month)").compactMap { name in
            name.hasSuffix(".json.gz") ? LocalDate(name.dropLast(8)) : nil
        }.filter { $0.month == month }.sorted()
    }

    public func load(folder: String, _ date: LocalDate) throws(ExportError) -> RawBody? {
        let path = path(folder: folder, date)
        guard let file = try FileSystem.read(path) else { return nil }
        let bytes: [UInt8]
        do { bytes = try GzipDecoder.decompress(file, limit: RawBody.maxBytes) } catch {
            throw .corrupt(path: path, message: "\(error); delete it to fetch the day again")
        }
        var fetchedAt = 0.0
        var lastSync: LocalDateTime?
        var notes = [String: String]()
        for field in (GzipDecoder.comment(of: file) ?? "").split(separator: " ").dropFirst() {
            let pair = field.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "fetched_at": fetchedAt = Double(pair[1]) ?? 0
            case "last_sync": lastSync = LocalDateTime(pair[1])
            default: notes[String(pair[0])] = String(pair[1]).removingPercentEncoding ?? String(pair[1])
            }
        }
        return RawBody(bytes: bytes, fetchedAt: fetchedAt, lastSync: lastSync, origin: .archive, notes: notes)
    }
}
