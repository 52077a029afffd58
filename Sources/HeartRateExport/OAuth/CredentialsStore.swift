import Crypto
import Foundation

/// One file per (source, user): `<state>/credentials/<source>-<user>.json`, 0600 in 0700 folders, replaced
/// atomically on every change. A file is written only by the process holding that user's lock
/// (`<state>/<source>-<user>.lock`): `save` and `remove` take the lock as a parameter, so a write without it
/// does not compile. Users never share a read-modify-write, which is what lost refresh tokens when two users'
/// runs rotated at once in one shared `credentials.json`, and shards on several machines of a shared file
/// system each write only their own users' files.
///
/// The single `credentials.json` of 0.1 is split into these files once, under `<state>/credentials.migrate.lock`,
/// by the first command that looks for credentials; a per-user file already there is newer and is kept.
public struct CredentialsStore: Sendable {
    public static let currentVersion = 2
    static let legacyVersion = 1

    public let stateFolder: String
    public var folder: String { stateFolder + "/credentials" }
    /// The 0.1 file, read once by the migration.
    public var legacyPath: String { stateFolder + "/credentials.json" }

    public init(stateFolder: String) {
        self.stateFolder = stateFolder
    }

    public func path(source: SourceKind, user: String) -> String { "\(folder)/\(source.rawValue)-\(user).json" }

    /// Every stored entry, sorted by (source, user).
    public func all() throws(ExportError) -> [Credential] {
        var entries = [Credential]()
        for member in try members() {
            if let entry = try read(path(source: member.source, user: member.user)) { entries.append(entry) }
        }
        return entries
    }

    /// The (source, user) of every entry, from the file names alone, sorted.
    public func members() throws(ExportError) -> [(source: SourceKind, user: String)] {
        try migrateIfNeeded()
        var found = [(source: SourceKind, user: String)]()
        for name in FileSystem.list(folder) where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let stem = name.dropLast(5)
            guard let dash = stem.firstIndex(of: "-"), let source = SourceKind(rawValue: String(stem[..<dash])), source.isAPI else { continue }
            let user = String(stem[stem.index(after: dash)...])
            if UserID.isValid(user) { found.append((source, user)) }
        }
        return found.sorted { ($0.source.rawValue, $0.user) < ($1.source.rawValue, $1.user) }
    }

    /// The entry for `user` (or the only one of the source when `user` is nil).
    public func load(source: SourceKind, user: String?) throws(ExportError) -> Credential? {
        if let user {
            try migrateIfNeeded()
            return try read(path(source: source, user: user))
        }
        let matching = try all().filter { $0.source == source }
        if matching.count > 1 {
            throw .usage("\(folder) holds several \(source.rawValue) users (\(matching.map(\.user).joined(separator: ", "))); choose one with --user")
        }
        return matching.first
    }

    /// The entry of `source` (or of any API source when nil) for `user` (or the only one). Entries of several
    /// sources are ambiguous: the caller must name one.
    public func find(source: SourceKind?, user: String?) throws(ExportError) -> Credential? {
        if let source { return try load(source: source, user: user) }
        let matching = try all().filter { user == nil || $0.user == user }
        if matching.count > 1 {
            throw .usage("\(folder) holds several entries (\(matching.map { "\($0.source.rawValue) \($0.user)" }.joined(separator: ", "))); choose one with --source and --user")
        }
        return matching.first
    }

    /// Replaces the entry of its (source, user) durably, before the caller uses any new token. The file on disk
    /// is read first: one this release cannot read (a newer version, damage) is refused, never overwritten.
    public func save(_ credential: Credential, holding lock: UserLock.Proof) throws(ExportError) {
        try requireLock(lock, source: credential.source, user: credential.user)
        let path = path(source: credential.source, user: credential.user)
        _ = try read(path)
        CredentialsPause.pause(in: stateFolder)
        try FileSystem.createFolder(stateFolder, permissions: .private)
        try write(credential, to: path)
    }

    /// Forgets the entry of (source, user).
    public func remove(source: SourceKind, user: String, holding lock: UserLock.Proof) throws(ExportError) {
        try requireLock(lock, source: source, user: user)
        try FileSystem.removeFile(path(source: source, user: user))
    }

    /// What is too open about the state folder: a warning, not a refusal (the files inside are checked one by one).
    public func looseFolderWarning() -> String? {
        guard let mode = FileSystem.permissions(stateFolder), mode & 0o077 != 0 else { return nil }
        return "the state folder \(stateFolder) is open to other users (mode \(String(mode, radix: 8))); `chmod 700 \(stateFolder)` keeps your tokens private"
    }

    private func requireLock(_ lock: UserLock.Proof, source: SourceKind, user: String) throws(ExportError) {
        guard lock.path == UserLock.path(stateFolder: stateFolder, source: source, user: user) else {
            throw .usage("internal error: credentials of \(source.rawValue) \(user) written without their lock")
        }
    }

    /// One stored entry, nil when there is none. A file others may read is refused as ssh refuses a loose key.
    func read(_ path: String) throws(ExportError) -> Credential? {
        if let mode = FileSystem.permissions(path), mode & 0o077 != 0 {
            throw .usage("\(path) is readable or writable by other users (mode \(String(mode, radix: 8))); run `chmod 600 \(path)` and try again")
        }
        guard let bytes = try FileSystem.read(path, limit: 1 << 20) else { return nil }
        let version = Self.version(of: bytes)
        guard version == Self.currentVersion else {
            throw .corrupt(path: path, message: Self.unsupported(version) + "; it is left as it is")
        }
        guard let credential = try? JSONDecoder().decode(Credential.self, from: Data(bytes)) else {
            // Never overwrite it: the refresh token inside may still be the only valid one.
            throw .corrupt(path: path, message: "the credentials file is damaged; restore it from a backup or move it aside and run `hrexport auth`")
        }
        guard UserID.isValid(credential.user), path == self.path(source: credential.source, user: credential.user) else {
            throw .corrupt(path: path, message: "holds the entry of \(credential.source.rawValue) \(Printable.quoted(credential.user)), not the one its name says; move it aside and run `hrexport auth`")
        }
        return credential
    }

    private func write(_ credential: Credential, to path: String) throws(ExportError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(VersionedCredential(credential: credential)) else {
            throw .corrupt(path: path, message: "cannot encode credentials")
        }
        try AtomicFile.write(Array(data) + [UInt8(ascii: "\n")], to: path, permissions: .private)
    }

    /// `credentials_version` of a file; nil when there is none or the file is not JSON.
    static func version(of bytes: [UInt8]) -> Int? {
        struct Probe: Decodable {
            var credentialsVersion: Int?
            enum CodingKeys: String, CodingKey { case credentialsVersion = "credentials_version" }
        }
        return (try? JSONDecoder().decode(Probe.self, from: Data(bytes)))?.credentialsVersion
    }

    static func unsupported(_ version: Int?) -> String {
        "credentials_version \(version.map(String.init) ?? "(none)") is not one hrexport \(HRExport.version) reads (it reads \(currentVersion), and \(legacyVersion) once to migrate it)"
    }

    /// Splits the 0.1 `credentials.json` into per-user files, once. The old file goes only after every entry
    /// is durably in its own file; an unknown version or a bad user id leaves everything as it is.
    func migrateIfNeeded() throws(ExportError) {
        guard FileSystem.exists(legacyPath) else { return }
        let lock = try UserLock.acquireBlocking(path: stateFolder + "/credentials.migrate.lock", stateFolder: stateFolder, timeout: 30)
        defer { withExtendedLifetime(lock) {} }
        guard let bytes = try FileSystem.read(legacyPath, limit: 1 << 24) else { return }
        if let mode = FileSystem.permissions(legacyPath), mode & 0o077 != 0 {
            throw .usage("\(legacyPath) is readable or writable by other users (mode \(String(mode, radix: 8))); run `chmod 600 \(legacyPath)` and try again")
        }
        let version = Self.version(of: bytes)
        guard version == Self.legacyVersion else {
            throw .corrupt(path: legacyPath, message: Self.unsupported(version) + "; it is left as it is")
        }
        struct Legacy: Decodable { var entries: [Credential] }
        guard let legacy = try? JSONDecoder().decode(Legacy.self, from: Data(bytes)) else {
            throw .corrupt(path: legacyPath, message: "the credentials file is damaged; restore it from a backup or move it aside and run `hrexport auth`")
        }
        for entry in legacy.entries where !UserID.isValid(entry.user) || !entry.source.isAPI {
            throw .corrupt(path: legacyPath, message: "holds the user id \(Printable.quoted(entry.user)), which hrexport refuses (\(UserID.rule)); it is left as it is")
        }
        for entry in legacy.entries where !FileSystem.exists(path(source: entry.source, user: entry.user)) {
            try write(entry, to: path(source: entry.source, user: entry.user))
        }
        try FileSystem.removeFile(legacyPath)
    }


}

/// The file's shape: the entry's fields beside `credentials_version`.
private struct VersionedCredential: Encodable {
    var credential: Credential

    enum CodingKeys: String, CodingKey { case credentialsVersion = "credentials_version" }

    func encode(to encoder: any Encoder) throws {
        try credential.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(CredentialsStore.currentVersion, forKey: .credentialsVersion)
    }
}
