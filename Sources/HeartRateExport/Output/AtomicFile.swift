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
