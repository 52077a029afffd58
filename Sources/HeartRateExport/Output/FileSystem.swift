import Foundation
import Platform

/// The file operations the exporter needs, on the Platform module's calls: reads with a limit, durable removal,
/// folders created with our permissions.
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

    /// Removes a folder and everything in it. Links are removed, never followed, so nothing outside `path` is
    /// touched; a folder that is already gone is fine.
    public static func removeTree(_ path: String) throws(ExportError) {
        guard let info = Platform.info(path, followingLinks: false) else { return }
        guard info.kind == .folder else { return try removeFile(path) }
        for name in list(path) {
            let child = path + "/" + name
            if Platform.info(child, followingLinks: false)?.kind == .folder {
                try removeTree(child)
            } else if !Platform.remove(child), Platform.lastError != Platform.noSuchFile {
                throw .io(path: child, operation: "remove", errno: Platform.lastError)
            }
        }
        if !Platform.removeFolder(path), Platform.lastError != Platform.noSuchFile {
            throw .io(path: path, operation: "remove", errno: Platform.lastError)
        }
        try syncFolder(parent(of: path))
    }

    /// Names in a folder, sorted; empty when the folder does not exist.
    public static func list(_ path: String) -> [String] { (Platform.list(path) ?? []).sorted() }
}
