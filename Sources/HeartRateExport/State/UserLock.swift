import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One process at a time per user: `flock` on `<state>/<source>-<user>.lock`, which holds the owner's pid.
/// The kernel releases it when the process dies, so a kill -9 never leaves a stale lock behind.
public final class UserLock: Sendable {
    public let path: String
    private let fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    /// Takes the lock, waiting up to `timeout` seconds (0: fail at once) before failing with `.locked`.
    public static func acquire(stateFolder: String, source: SourceKind, user: String, timeout: Double = 0) async throws -> UserLock {
        try await acquire(path: "\(stateFolder)/\(source.rawValue)-\(user).lock", stateFolder: stateFolder, timeout: timeout)
    }

    /// `<state>/export-<user>.lock`: one writer at a time for the user's export folder, whichever source feeds
    /// it (a Takeout import and a Google sync write the same months and manifest). Taken after the source lock.
    public static func export(stateFolder: String, user: String, timeout: Double = 0) async throws -> UserLock {
        try await acquire(path: "\(stateFolder)/export-\(user).lock", stateFolder: stateFolder, timeout: timeout)
    }

    private static func acquire(path: String, stateFolder: String, timeout: Double) async throws -> UserLock {
        try FileSystem.createFolder(stateFolder)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ExportError.io(path: path, operation: "open lock", errno: errno) }
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(fd)
                throw ExportError.io(path: path, operation: "lock", errno: errno)
            }
            if ContinuousClock.now >= deadline {
                let owner = (try? FileSystem.read(path)).flatMap { $0 }.flatMap { Int32(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
                close(fd)
                throw ExportError.locked(path: path, pid: owner)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return UserLock(path: path, fd: fd)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
