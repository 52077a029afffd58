import Foundation
import Platform

/// One process at a time per user: `flock` on `<state>/<source>-<user>.lock`, which holds the owner's pid.
/// The kernel releases it when the process dies, so a kill -9 never leaves a stale lock behind. Every wait
/// for a lock has a deadline and ends in `.locked` (exit 4).
public final class UserLock: Sendable {
    public let path: String
    private let fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    /// What a writer shows to prove it holds the lock, without keeping the lock alive: the lock's lifetime stays
    /// with the run that took it (an actor or a task holding this cannot delay its release).
    public struct Proof: Sendable, Equatable {
        public let path: String
        fileprivate init(path: String) { self.path = path }
    }

    public var proof: Proof { Proof(path: path) }

    public static func path(stateFolder: String, source: SourceKind, user: String) -> String {
        "\(stateFolder)/\(source.rawValue)-\(user).lock"
    }

    /// Takes the lock, waiting up to `timeout` seconds (0: fail at once) before failing with `.locked`.
    public static func acquire(stateFolder: String, source: SourceKind, user: String, timeout: Double = 0) async throws -> UserLock {
        guard UserID.isValid(user) else { throw ExportError.usage("refusing the user id \(Printable.quoted(user)) in a lock name (\(UserID.rule))") }
        return try await acquire(path: path(stateFolder: stateFolder, source: source, user: user), stateFolder: stateFolder, timeout: timeout)
    }

    /// `<state>/export-<user>.lock`: one writer at a time for the user's export folder, whichever source feeds
    /// it (a Takeout import and a Google sync write the same months and manifest). Taken after the source lock.
    public static func export(stateFolder: String, user: String, timeout: Double = 0) async throws -> UserLock {
        guard UserID.isValid(user) else { throw ExportError.usage("refusing the user id \(Printable.quoted(user)) in a lock name (\(UserID.rule))") }
        return try await acquire(path: "\(stateFolder)/export-\(user).lock", stateFolder: stateFolder, timeout: timeout)
    }

    private static func acquire(path: String, stateFolder: String, timeout: Double) async throws -> UserLock {
        let fd = try openLockFile(path, stateFolder: stateFolder)
        let deadline = ContinuousClock.now + .milliseconds(Int(min(max(timeout, 0), 86_400) * 1000))
        while try !tryLock(fd, path: path) {
            if ContinuousClock.now >= deadline { throw owner(of: path, fd: fd) }
            try await Task.sleep(for: .milliseconds(100))
        }
        return held(path: path, fd: fd)
    }

    /// For the short, synchronous critical sections (the one-time credentials migration).
    static func acquireBlocking(path: String, stateFolder: String, timeout: Double) throws(ExportError) -> UserLock {
        let fd = try openLockFile(path, stateFolder: stateFolder)
        let deadline = ContinuousClock.now + .milliseconds(Int(min(max(timeout, 0), 86_400) * 1000))
        while try !tryLock(fd, path: path) {
            if ContinuousClock.now >= deadline { throw owner(of: path, fd: fd) }
            Platform.sleep(milliseconds: 50)
        }
        return held(path: path, fd: fd)
    }

    private static func openLockFile(_ path: String, stateFolder: String) throws(ExportError) -> Int32 {
        try FileSystem.createFolder(stateFolder)
        let fd = Platform.openForLocking(path, mode: 0o600)
        guard fd >= 0 else { throw .io(path: path, operation: "open lock", errno: Platform.lastError) }
        return fd
    }

    private static func tryLock(_ fd: Int32, path: String) throws(ExportError) -> Bool {
        switch Platform.tryLockExclusive(fd) {
        case .acquired: return true
        case .heldElsewhere: return false
        case .failed(let code):
            Platform.close(fd)
            throw .io(path: path, operation: "lock", errno: code)
        }
    }

    private static func owner(of path: String, fd: Int32) -> ExportError {
        let owner = (try? FileSystem.read(path, limit: 64)).flatMap { $0 }.flatMap { Int32(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
        Platform.close(fd)
        return .locked(path: path, pid: owner)
    }

    private static func held(path: String, fd: Int32) -> UserLock {
        Platform.replaceContent(fd, with: Array("\(Platform.processID)\n".utf8))
        return UserLock(path: path, fd: fd)
    }

    deinit {
        Platform.unlock(fd)
        Platform.close(fd)
    }
}
