import Platform

/// A test hook: the narrow instants where a crash is most dangerous, so that tests can kill the process
/// exactly there instead of hoping a random kill -9 lands in them. Inert unless the CLI arms one from
/// `HREXPORT_CRASH_AT`; the process then kills itself (SIGKILL) the first time it reaches that point.
package enum CrashPoint: String, CaseIterable, Sendable {
    /// A new refresh token has arrived and is not saved yet.
    case afterTokenReceived = "after-token-received"
    /// A response body is in the raw archive and nothing else has happened.
    case afterRawWrite = "after-raw-write"
    /// A file's temp copy is complete and synced, not yet renamed into place.
    case beforeRename = "before-rename"
    /// A file has just been renamed into place.
    case afterRename = "after-rename"
    /// A month file is written and the manifest does not yet describe it.
    case beforeManifest = "before-manifest"

    /// Set once at start-up, before any task runs, and only read afterwards.
    nonisolated(unsafe) package static var armed: CrashPoint?

    @inline(__always)
    static func reached(_ point: CrashPoint) {
        if armed == point { Platform.killSelf() }
    }
}
