import Foundation
import ZIPFoundation

/// One heart-rate day file found in a Takeout archive (a `.zip` part or an extracted folder).
public struct TakeoutEntry: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Fitbit's `heart_rate-YYYY-MM-DD.json` (Global Export Data, or the older Physical Activity).
        case json
        /// Google's `Physical Activity_GoogleData/heart_rate_YYYY-MM-DD.csv`.
        case csv
    }

    /// The `.zip` file, or the folder the path is under.
    public var container: String
    public var path: String
    public var date: LocalDate
    public var kind: Kind
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
public final class TakeoutArchives: @unchecked Sendable {
    public let entries: [TakeoutEntry]
    private var open: [String: Archive] = [:]
    private let lock = NSLock()

    public init(paths: [String]) throws(ExportError) {
        var found = [TakeoutEntry]()
        for path in paths {
            guard FileSystem.exists(path) else { throw .usage("\(path) does not exist") }
            if FileSystem.isDirectory(path) {
                let root = URL(fileURLWithPath: path).standardizedFileURL.path
                guard let walker = FileManager.default.enumerator(atPath: root) else { throw .usage("cannot read the folder \(path)") }
                while let relative = walker.nextObject() as? String {
                    guard let (date, kind) = TakeoutEntry.match(relative) else { continue }
                    let size = (try? FileManager.default.attributesOfItem(atPath: root + "/" + relative)[.size] as? UInt64) ?? 0
                    found.append(TakeoutEntry(container: root, path: relative, date: date, kind: kind, size: size ?? 0, isZip: false))
                }
            } else {
                let archive: Archive
                do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
                    throw .usage("\(path) is neither a folder nor a readable .zip archive (\(error))")
                }
                for entry in archive where entry.type == .file {
                    guard let (date, kind) = TakeoutEntry.match(entry.path) else { continue }
                    found.append(TakeoutEntry(container: path, path: entry.path, date: date, kind: kind, size: entry.uncompressedSize, isZip: true))
                }
                open[path] = archive
            }
        }
        entries = found
    }

    /// An entry's bytes. The limit guards memory against a damaged size field: a real day file is a few MB.
    public func read(_ entry: TakeoutEntry, limit: UInt64 = 256 << 20) throws(ExportError) -> [UInt8] {
        guard entry.size <= limit else { throw .corrupt(path: entry.origin, message: "is \(entry.size) bytes; a day file is a few MB") }
        if !entry.isZip {
            return try FileSystem.read(entry.container + "/" + entry.path, limit: Int(limit)) ?? []
        }
        lock.lock()
        defer { lock.unlock() }
        guard let archive = open[entry.container], let zipEntry = archive[entry.path] else {
            throw .corrupt(path: entry.origin, message: "the entry disappeared from the archive")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(Int(entry.size))
        do {
            _ = try archive.extract(zipEntry, skipCRC32: false) { chunk in bytes += chunk }
        } catch {
            throw .corrupt(path: entry.origin, message: "cannot be read from the archive (\(error))")
        }
        return bytes
    }
}
