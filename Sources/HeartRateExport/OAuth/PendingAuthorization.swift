import Foundation

/// An authorization begun with `auth --no-listen` and finished with `auth --code -`.
public struct PendingAuthorization: Codable, Sendable {
    public static let lifetime = 600.0

    var verifier: String
    var state: String
    var redirectURI: String
    var createdAt: Double

    enum CodingKeys: String, CodingKey {
        case verifier, state
        case redirectURI = "redirect_uri", createdAt = "created_at"
    }

    /// `<state>/auth-pending.json`, 0600: the verifier is a secret until the code is exchanged.
    struct Store {
        let path: String

        init(stateFolder: String) {
            path = stateFolder + "/auth-pending.json"
        }

        func save(_ pending: PendingAuthorization) throws(ExportError) {
            guard let data = try? JSONEncoder().encode(pending) else { throw .corrupt(path: path, message: "cannot encode") }
            try AtomicFile.write(Array(data), to: path, permissions: .private)
        }

        func load() throws(ExportError) -> PendingAuthorization? {
            guard let bytes = try FileSystem.read(path, limit: 1 << 16) else { return nil }
            guard let pending = try? JSONDecoder().decode(PendingAuthorization.self, from: Data(bytes)) else {
                throw .corrupt(path: path, message: "damaged; delete it and run `hrexport auth --no-listen` again")
            }
            return pending
        }

        func remove() throws(ExportError) { try FileSystem.removeFile(path) }
    }
}
