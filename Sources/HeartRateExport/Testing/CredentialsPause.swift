import Foundation

/// A test hook: a pause between reading a user's credentials file and writing it, which widens the window in
/// which a shared read-modify-write would lose another user's rotation. Inert unless a test (or the CLI, from
/// `HREXPORT_TEST_CREDENTIALS_PAUSE`) arms it for a state folder.
package enum CredentialsPause {
    nonisolated(unsafe) private static var pauses: [String: Double] = [:]
    private static let lock = NSLock()

    /// `stateFolder` nil: every state folder of this process.
    package static func arm(seconds: Double, in stateFolder: String? = nil) {
        lock.withLock { pauses[stateFolder ?? ""] = seconds }
    }

    static func pause(in stateFolder: String) {
        guard let seconds = lock.withLock({ pauses[stateFolder] ?? pauses[""] }), seconds > 0 else { return }
        Thread.sleep(forTimeInterval: seconds)
    }
}
