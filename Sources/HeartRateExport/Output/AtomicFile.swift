import Foundation
import Platform

/// Modes for what we create. Health data is private by default; `--group-readable` relaxes it.
public struct FilePermissions: Sendable, Equatable {
    public var file: UInt32
    public var folder: UInt32

    public static let `private` = FilePermissions(file: 0o600, folder: 0o700)
    public static let groupReadable = FilePermissions(file: 0o640, folder: 0o750)
}

/// Files that appear complete or not at all: temp file in the same folder, fsync, rename, fsync the folder.
public enum AtomicFile {
    private static let tempMarker = ".tmp-"

    /// `.<name>.tmp-<pid>-<random>`: what `write` creates and a kill -9 may leave behind.
    static func isTempName(_ name: String) -> Bool {
        guard name.hasPrefix("."), let marker = name.range(of: tempMarker, options: .backwards) else { return false }
        let suffix = name[marker.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        return suffix.count == 2 && suffix.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }

    /// Writes `bytes` to `path` atomically, creating missing folders.
    public static func write(_ bytes: [UInt8], to path: String, permissions: FilePermissions = .private) throws(ExportError) {
        try write(to: path, permissions: permissions) { (sink) throws(ExportError) in try sink.write(bytes) }
    }

    /// Streams a file's content through `body` into a temp file, then renames it into place.
    /// On any error the temp file is removed and the final name is untouched.
    public static func write(to path: String, permissions: FilePermissions = .private,
                             _ body: (inout FileSink) throws(ExportError) -> Void) throws(ExportError) {
        let folder = FileSystem.parent(of: path)
        try FileSystem.createFolder(folder, permissions: permissions)
        let temp = folder + "/." + FileSystem.lastComponent(of: path) + tempMarker + "\(Platform.processID)-\(UInt32.random(in: 0...UInt32.max))"
        if let code = FileFaults.injected(for: path) { throw .io(path: temp, operation: "create", errno: code) }
        let fd = Platform.createExclusive(temp, mode: permissions.file)
        guard fd >= 0 else { throw .io(path: temp, operation: "create", errno: Platform.lastError) }
        var sink = FileSink(fd: fd, path: path)
        do throws(ExportError) {
            try body(&sink)
            try sink.flush()
            guard Platform.syncToDisk(fd) else { throw .io(path: path, operation: "fsync", errno: Platform.lastError) }
            Platform.close(fd)
            sink.fd = -1
            CrashPoint.reached(.beforeRename)
            guard Platform.rename(temp, to: path) else { throw .io(path: path, operation: "rename into place", errno: Platform.lastError) }
            CrashPoint.reached(.afterRename)
        } catch {
            if sink.fd >= 0 { Platform.close(fd) }
            _ = Platform.remove(temp)
            throw error
        }
        try FileSystem.syncFolder(folder)
    }
}

/// A buffered writer over a file descriptor.
public struct FileSink: ~Copyable {
    fileprivate var fd: Int32
    private let path: String
    private var buffer: [UInt8] = []
    public private(set) var bytesWritten = 0

    fileprivate init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        buffer.reserveCapacity(1 << 20)
    }

    public mutating func write(_ bytes: [UInt8]) throws(ExportError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    public mutating func flush() throws(ExportError) {
        if let code = FileFaults.injected(for: path, writing: true) { throw .io(path: path, operation: "write", errno: code) }
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { Platform.write(fd, from: UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            if n < 0 {
                let code = Platform.lastError
                if code == Platform.interrupted { continue }
                throw .io(path: path, operation: "write", errno: code)
            }
            offset += n
        }
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}

public enum FileSystem {
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    public static func exists(_ path: String) -> Bool { Platform.exists(path) }

    /// A regular file's size in bytes, nil when there is none.
    public static func size(_ path: String) -> Int? {
        guard let info = Platform.info(path), info.kind == .regular else { return nil }
        return info.size
    }

    /// The permission bits of a file or folder (without following a final symlink), nil when there is none.
    public static func permissions(_ path: String) -> UInt32? { Platform.info(path, followingLinks: false)?.permissions }

    /// A regular file: not a folder, FIFO, device, socket or symlink (reading a FIFO waits forever).
    public static func isRegularFile(_ path: String) -> Bool { Platform.info(path, followingLinks: false)?.kind == .regular }

    public static func isDirectory(_ path: String) -> Bool { Platform.info(path)?.kind == .folder }

    /// `mkdir -p` with the given mode for every folder it creates.
    public static func createFolder(_ path: String, permissions: FilePermissions = .private) throws(ExportError) {
        if isDirectory(path) { return }
        let parent = parent(of: path)
        if parent != path && !isDirectory(parent) { try createFolder(parent, permissions: permissions) }
        if !Platform.makeFolder(path, mode: permissions.folder) && Platform.lastError != Platform.fileExists {
            throw .io(path: path, operation: "create folder", errno: Platform.lastError)
        }
        guard isDirectory(path) else { throw .io(path: path, operation: "create folder", errno: Platform.notAFolder) }
    }

    /// A rename is durable only once the folder holding it is synced.
    public static func syncFolder(_ path: String) throws(ExportError) {
        let fd = Platform.openFolder(path)
        guard fd >= 0 else { throw .io(path: path, operation: "open folder", errno: Platform.lastError) }
        defer { Platform.close(fd) }
        guard Platform.syncToDisk(fd) else { throw .io(path: path, operation: "fsync folder", errno: Platform.lastError) }
    }

    /// The whole file, or nil when it does not exist.
    public static func read(_ path: String, limit: Int = 1 << 30) throws(ExportError) -> [UInt8]? {
        let fd = Platform.openForReading(path)
        if fd < 0 {
            let code = Platform.lastError
            if code == Platform.noSuchFile { return nil }
            throw .io(path: path, operation: "open", errno: code)
        }
        defer { Platform.close(fd) }
        var result = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { Platform.read(fd, into: $0) }
            if n < 0 {
                let code = Platform.lastError
                if code == Platform.interrupted { continue }
                throw .io(path: path, operation: "read", errno: code)
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
            guard result.count <= limit else { throw .corrupt(path: path, message: "larger than \(limit) bytes") }
        }
        return result
    }

    /// Removes the temp files that runs killed mid-write left under `folder` (recursively). Call it only while
    /// holding the user's lock: then no live run can own a temp file there.
    public static func removeAbandonedTempFiles(under folder: String) throws(ExportError) {
        for name in list(folder) {
            let path = folder + "/" + name
            if isDirectory(path) {
                try removeAbandonedTempFiles(under: path)
            } else if AtomicFile.isTempName(name) {
                try removeFile(path)
            }
        }
    }

    /// Removes a file durably; a file that is already gone is fine.
    public static func removeFile(_ path: String) throws(ExportError) {
        if !Platform.remove(path) {
            let code = Platform.lastError
            if code == Platform.noSuchFile { return }
            throw .io(path: path, operation: "remove", errno: code)
        }
        try syncFolder(parent(of: path))
    }

    /// Names in a folder, sorted; empty when the folder does not exist.
    public static func list(_ path: String) -> [String] { (Platform.list(path) ?? []).sorted() }
}

/// A test hook in the file layer: tests run as root, so permissions cannot make a folder unwritable; instead
/// a test makes every write under a folder fail with the errno a full, read-only or broken disk gives.
/// Scoped by folder, so tests running in parallel do not disturb each other. Inert unless a test injects.
public enum FileFaults {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var rules: [String: (code: Int32, onWrite: Bool)] = [:]

    /// Writes under `folder` fail with `code`: at the first byte written (`onWrite`) or when the file is created.
    public static func inject(_ code: Int32, under folder: String, onWrite: Bool = true) {
        lock.withLock { rules[folder.hasSuffix("/") ? folder : folder + "/"] = (code, onWrite) }
    }

    public static func clear(under folder: String) {
        lock.withLock { _ = rules.removeValue(forKey: folder.hasSuffix("/") ? folder : folder + "/") }
    }

    static func injected(for path: String, writing: Bool = false) -> Int32? {
        lock.withLock {
            guard !rules.isEmpty else { return nil }
            return rules.first { path.hasPrefix($0.key) && $0.value.onWrite == writing }?.value.code
        }
    }
}
