import Foundation

/// `--log FILE`: every line the command prints, timestamped, appended to a file that is rotated at 1 MiB
/// (FILE.1 .. FILE.3 kept), for runs that nobody watches. Logging must never fail a run.
public final class LogFile: @unchecked Sendable {
    public static let rotateAt = 1 << 20
    private let lock = NSLock()
    private let handle: FileHandle

    /// Opens (and rotates) `path`; nil when it cannot be written, so that the caller warns once and goes on.
    public init?(path: String) {
        try? FileSystem.createFolder(FileSystem.parent(of: path))
        if let size = FileSystem.size(path), size >= Self.rotateAt {
            for index in stride(from: 2, through: 1, by: -1) {
                _ = try? FileManager.default.removeItem(atPath: "\(path).\(index + 1)")
                _ = try? FileManager.default.moveItem(atPath: "\(path).\(index)", toPath: "\(path).\(index + 1)")
            }
            _ = try? FileManager.default.removeItem(atPath: path + ".1")
            _ = try? FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        }
        if !FileSystem.exists(path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { return nil }
        _ = try? handle.seekToEnd()
        self.handle = handle
    }

    public func append(_ text: String) {
        lock.withLock {
            try? handle.write(contentsOf: Data((TimestampText.iso(Date()) + " " + text + "\n").utf8))
        }
    }
}
