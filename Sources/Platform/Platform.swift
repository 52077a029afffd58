#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#else
#error("hrexport builds on Linux (Glibc) and macOS (Darwin) only")
#endif

/// Every call hrexport makes into the C library, in one place, so that the rest of the code compiles the same
/// on Linux and macOS. What differs between the two (the type of `mode_t`, `st_mode`'s width, durable writes)
/// is settled here; nothing outside this module names Glibc or Darwin (`make test` checks it).
public enum Platform {
    // MARK: errors

    /// The calling thread's `errno`.
    public static var lastError: Int32 { errno }

    /// The C library's text for an error number: `No space left on device`.
    public static func describe(error code: Int32) -> String { String(cString: strerror(code)) }

    public static let noSuchFile = ENOENT
    public static let fileExists = EEXIST
    public static let interrupted = EINTR
    public static let notAFolder = ENOTDIR

    // MARK: process

    public static var processID: Int32 { getpid() }

    /// Ends this process at once, as `kill -9` would (the crash-point test hook).
    public static func killSelf() -> Never {
        kill(getpid(), SIGKILL)
        fatalError("SIGKILL did not end the process")
    }

    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    public static func sleep(milliseconds: Int) { usleep(UInt32(max(0, min(milliseconds, 60_000)) * 1000)) }

    // MARK: file descriptors

    public static func openForReading(_ path: String) -> Int32 { open(path, O_RDONLY | O_CLOEXEC) }

    /// A new file that must not exist yet (a temp file), with `mode`.
    public static func createExclusive(_ path: String, mode: UInt32) -> Int32 {
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(truncatingIfNeeded: mode))
    }

    /// A file to hold a lock, created when missing.
    public static func openForLocking(_ path: String, mode: UInt32) -> Int32 {
        open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode_t(truncatingIfNeeded: mode))
    }

    public static func openFolder(_ path: String) -> Int32 { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }

    @discardableResult
    public static func close(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        return Glibc.close(fd)
        #elseif canImport(Darwin)
        return Darwin.close(fd)
        #endif
    }

    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        #if canImport(Glibc)
        return Glibc.read(fd, buffer.baseAddress, buffer.count)
        #elseif canImport(Darwin)
        return Darwin.read(fd, buffer.baseAddress, buffer.count)
        #endif
    }

    public static func write(_ fd: Int32, from buffer: UnsafeRawBufferPointer) -> Int {
        #if canImport(Glibc)
        return Glibc.write(fd, buffer.baseAddress, buffer.count)
        #elseif canImport(Darwin)
        return Darwin.write(fd, buffer.baseAddress, buffer.count)
        #endif
    }

    /// Replaces a small file's content in place (a lock file's pid).
    public static func replaceContent(_ fd: Int32, with bytes: [UInt8]) {
        _ = ftruncate(fd, 0)
        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Makes what was written to `fd` durable. On macOS `fsync` only reaches the drive's cache; `F_FULLFSYNC`
    /// asks the drive to write it out (some file systems refuse it, and then `fsync` is the best there is).
    public static func syncToDisk(_ fd: Int32) -> Bool {
        #if canImport(Darwin)
        if fcntl(fd, F_FULLFSYNC) == 0 { return true }
        #endif
        return fsync(fd) == 0
    }

    // MARK: locks

    public enum LockAttempt: Equatable {
        case acquired
        case heldElsewhere
        case failed(Int32)
    }

    /// An exclusive `flock` without waiting. The kernel releases it when the process dies.
    public static func tryLockExclusive(_ fd: Int32) -> LockAttempt {
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return .acquired }
        let code = errno
        return code == EWOULDBLOCK || code == EINTR ? .heldElsewhere : .failed(code)
    }

    public static func unlock(_ fd: Int32) { _ = flock(fd, LOCK_UN) }

    // MARK: paths

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func rename(_ from: String, to: String) -> Bool {
        #if canImport(Glibc)
        return Glibc.rename(from, to) == 0
        #elseif canImport(Darwin)
        return Darwin.rename(from, to) == 0
        #endif
    }

    public static func remove(_ path: String) -> Bool { unlink(path) == 0 }

    /// Removes an empty folder.
    public static func removeFolder(_ path: String) -> Bool { rmdir(path) == 0 }

    public static func makeFolder(_ path: String, mode: UInt32) -> Bool { mkdir(path, mode_t(truncatingIfNeeded: mode)) == 0 }

    public struct FileInfo: Equatable, Sendable {
        public enum Kind: Sendable { case regular, folder, symlink, other }
        public var kind: Kind
        /// The permission bits (`0o600`).
        public var permissions: UInt32
        public var size: Int
    }

    /// What is at `path`; `followingLinks` false describes a symlink itself (lstat).
    public static func info(_ path: String, followingLinks: Bool = true) -> FileInfo? {
        var s = stat()
        guard (followingLinks ? stat(path, &s) : lstat(path, &s)) == 0 else { return nil }
        let type = UInt32(s.st_mode) & UInt32(S_IFMT)
        let kind: FileInfo.Kind = switch type {
        case UInt32(S_IFREG): .regular
        case UInt32(S_IFDIR): .folder
        case UInt32(S_IFLNK): .symlink
        default: .other
        }
        return FileInfo(kind: kind, permissions: UInt32(s.st_mode) & 0o7777, size: Int(s.st_size))
    }

    /// The names in a folder (without `.` and `..`), unsorted; nil when it cannot be read.
    public static func list(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names = [String]()
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
