import Foundation

/// Reads and writes the manifest file.
public struct ManifestStore: Sendable {
    public let path: String
    public let permissions: FilePermissions

    public init(userFolder: String, permissions: FilePermissions = .private) {
        path = userFolder + "/manifest.json"
        self.permissions = permissions
    }

    /// The manifest on disk, or nil when there is none yet. A damaged or newer manifest is refused, never replaced.
    public func load() throws(ExportError) -> Manifest? {
        guard let bytes = try FileSystem.read(path) else { return nil }
        do {
            return try JSONDecoder().decode(Manifest.self, from: Data(bytes))
        } catch let DecodingError.dataCorrupted(context) {
            throw .corrupt(path: path, message: context.debugDescription + "; move it aside to start over")
        } catch {
            throw .corrupt(path: path, message: "not a valid hrexport manifest (\(error)); move it aside to start over")
        }
    }

    public func save(_ manifest: Manifest) throws(ExportError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(manifest) } catch { throw .corrupt(path: path, message: "cannot encode manifest: \(error)") }
        try AtomicFile.write(Array(data) + [UInt8(ascii: "\n")], to: path, permissions: permissions)
    }
}
