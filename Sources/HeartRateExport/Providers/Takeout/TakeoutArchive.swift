import Foundation
import ZIPFoundation

/// One heart-rate day file found in a Takeout archive (a `.zip` part or an extracted folder).
public struct TakeoutEntry: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Fitbit's `heart_rate-YYYY-MM-DD.json` (Global Export Data, or the older Physical Activity).
        case json
        /// Google's `Physical Activity_GoogleData/heart_rate_YYYY-MM-DD.csv`.
        case csv
        /// `Global Export Data/resting_heart_rate-YYYY-MM-DD.json` (each element names its own day).
        case resting
        /// `Heart Rate Variability/Heart Rate Variability Details - YYYY-MM-DD.csv` (older archives: under `Sleep/`).
        case hrvDetails
        /// `Heart Rate Variability/Daily Heart Rate Variability Summary - YYYY-MM-(DD).csv`.
        case hrvSummary

        /// Heart-rate samples, as opposed to the other heart series.
        public var isSamples: Bool { self == .json || self == .csv }
    }

    /// The `.zip` file, or the folder the path is under.
    public var container: String
    public var path: String
    public var date: LocalDate
    public var kind: Kind
    /// As the zip's directory declares it (which may lie) or as the file system says.
    public var size: UInt64
    public var isZip: Bool

    /// `<archive file name>:<entry path>`, as the manifest records it.
    public var origin: String { (container as NSString).lastPathComponent + ":" + path }

    /// Which day file a path is, by its last folder and its name, wherever the archive's root is; nil for
    /// everything else (notification settings under `Heart Rate/`, other data types, noise).
    public static func match(_ path: String) -> (date: LocalDate, kind: Kind)? {
        let parts = path.split(separator: "/")
        guard parts.count >= 2 else { return nil }
        let folder = parts[parts.count - 2], name = parts[parts.count - 1]
        switch folder {
        case "Global Export Data" where name.hasPrefix("resting_heart_rate-"):
            guard name.hasSuffix(".json"), name.count == 34, let date = LocalDate(name.dropFirst(19).prefix(10)) else { return nil }
            return (date, .resting)
        case "Heart Rate Variability", "Sleep":
            let details = "Heart Rate Variability Details - ", summary = "Daily Heart Rate Variability Summary - "
            if name.hasPrefix(details), name.hasSuffix(".csv"), name.count == details.count + 14, let date = LocalDate(name.dropFirst(details.count).prefix(10)) {
                return (date, .hrvDetails)
            }
            // The day really is in parentheses: `... Summary - 2026-03-(01).csv`.
            let rest = name.dropFirst(summary.count)
            if name.hasPrefix(summary), name.hasSuffix(").csv"), rest.count == 16, rest.dropFirst(8).first == "(",
               let date = LocalDate(rest.prefix(8) + rest.dropFirst(9).prefix(2)) {
                return (date, .hrvSummary)
            }
            return nil
        case "Global Export Data", "Physical Activity":
            guard name.hasPrefix("heart_rate-"), name.hasSuffix(".json"), name.count == 26,
                  let date = LocalDate(name.dropFirst(11).prefix(10)) else { return nil }
            return (date, .json)
        case "Physical Activity_GoogleData":
            guard name.hasPrefix("heart_rate_"), name.hasSuffix(".csv"), name.count == 25,
                  let date = LocalDate(name.dropFirst(11).prefix(10)) else { return nil }
            return (date, .csv)
        default:
            return nil
        }
    }
}

/// Finds and reads heart-rate day files in Takeout `.zip` parts and extracted folders. Entries are read one
/// at a time as streams, so a 50 GB part costs only the day being read.
///
/// What an archive declares is not trusted: an entry is inflated against a hard cap (`entryLimit`), whatever
/// size its directory states, and only regular files of an extracted folder are opened (a FIFO would block).
/// Each zip's directory is read once, when the archive is opened: looking an entry up by name again would
/// walk the whole directory per entry, which made an import of N entries cost N² reads.
public final class TakeoutArchives: @unchecked Sendable {
    /// Larger than any real day file (a few MB), and no larger than the raw archive reads back.
    public static let defaultEntryLimit = RawBody.maxBytes

    public let entries: [TakeoutEntry]
    /// Files that look like day files but are not regular files (FIFOs, devices, symlinks): skipped.
    public let skipped: [String]
    /// How many times a zip's central directory was walked: once per `.zip` part.
    public private(set) var directoryReads = 0
    public let entryLimit: Int
    private var archives: [String: Archive] = [:]
    private var zipEntries: [String: [String: Entry]] = [:]
    private let lock = NSLock()

    public init(paths: [String], entryLimit: Int = TakeoutArchives.defaultEntryLimit) throws(ExportError) {
        self.entryLimit = entryLimit
        var found = [TakeoutEntry]()
        var skipped = [String]()
        for path in paths {
            guard FileSystem.exists(path) else { throw .usage("\(path) does not exist") }
            if FileSystem.isDirectory(path) {
                let root = URL(fileURLWithPath: path).standardizedFileURL.path
                guard let walker = FileManager.default.enumerator(atPath: root) else { throw .usage("cannot read the folder \(path)") }
                while let relative = walker.nextObject() as? String {
                    guard let (date, kind) = TakeoutEntry.match(relative) else { continue }
                    let full = root + "/" + relative
                    guard FileSystem.isRegularFile(full) else {
                        skipped.append(full)
                        continue
                    }
                    found.append(TakeoutEntry(container: root, path: relative, date: date, kind: kind, size: UInt64(FileSystem.size(full) ?? 0), isZip: false))
                }
            } else {
                let archive: Archive
                do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
                    throw .usage("\(path) is neither a folder nor a readable .zip archive (\(Printable.escaped(String(describing: error), limit: 80)))")
                }
                var byPath = [String: Entry]()
                directoryReads += 1
                for entry in archive where entry.type == .file {
                    guard let (date, kind) = TakeoutEntry.match(entry.path) else { continue }
                    found.append(TakeoutEntry(container: path, path: entry.path, date: date, kind: kind, size: entry.uncompressedSize, isZip: true))
                    byPath[entry.path] = entry
                }
                archives[path] = archive
                zipEntries[path] = byPath
            }
        }
        entries = found
        self.skipped = skipped
    }

    /// Thrown from inside ZIPFoundation's consumer to stop inflating an entry that grows past the cap.
    private struct TooLarge: Error {}

    /// An entry's bytes, at most `entryLimit` of them: beyond that the entry fails (its day fails), whatever it declared.
    public func read(_ entry: TakeoutEntry) throws(ExportError) -> [UInt8] {
        let tooLarge = ExportError.corrupt(path: entry.origin, message: "inflates beyond \(entryLimit) bytes; a day file is a few MB, so this entry is not one (skipped)")
        guard entry.size <= UInt64(entryLimit) else { throw tooLarge }
        if !entry.isZip {
            let path = entry.container + "/" + entry.path
            guard FileSystem.isRegularFile(path) else { throw .corrupt(path: path, message: "is not a regular file (skipped)") }
            do { return try FileSystem.read(path, limit: entryLimit) ?? [] } catch {
                if case .corrupt = error { throw tooLarge }
                throw error
            }
        }
        lock.lock()
        defer { lock.unlock() }
        guard let archive = archives[entry.container], let zipEntry = zipEntries[entry.container]?[entry.path] else {
            throw .corrupt(path: entry.origin, message: "the entry disappeared from the archive")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(Int(entry.size))
        let limit = entryLimit
        do {
            _ = try archive.extract(zipEntry, skipCRC32: false) { chunk in
                guard bytes.count + chunk.count <= limit else { throw TooLarge() }
                bytes += chunk
            }
        } catch is TooLarge {
            throw tooLarge
        } catch {
            throw .corrupt(path: entry.origin, message: "cannot be read from the archive (\(Printable.escaped(String(describing: error), limit: 80)))")
        }
        return bytes
    }
}
