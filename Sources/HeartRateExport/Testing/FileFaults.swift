import Foundation

/// A test hook in the file layer: tests run as root, so permissions cannot make a folder unwritable; instead
/// a test makes every write under a folder fail with the errno a full, read-only or broken disk gives.
/// Scoped by folder, so tests running in parallel do not disturb each other. Inert unless a test injects.
package enum FileFaults {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var rules: [String: (code: Int32, onWrite: Bool)] = [:]

    /// Writes under `folder` fail with `code`: at the first byte written (`onWrite`) or when the file is created.
    package static func inject(_ code: Int32, under folder: String, onWrite: Bool = true) {
        lock.withLock { rules[folder.hasSuffix("/") ? folder : folder + "/"] = (code, onWrite) }
    }

    package static func clear(under folder: String) {
        lock.withLock { _ = rules.removeValue(forKey: folder.hasSuffix("/") ? folder : folder + "/") }
    }

    static func injected(for path: String, writing: Bool = false) -> Int32? {
        lock.withLock {
            guard !rules.isEmpty else { return nil }
            return rules.first { path.hasPrefix($0.key) && $0.value.onWrite == writing }?.value.code
        }
    }
}
