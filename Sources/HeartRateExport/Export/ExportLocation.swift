import Foundation

/// Where a command works — the export folder, the state folder, the user — resolved once per run from the
/// flags and environment (handed in as values by the CLI, which alone reads the environment) and from what an
/// earlier run stored with the credentials. One definition of "the user", for every command.
public struct ExportLocation: Sendable {
    public var out: String
    public var stateFolder: String
    /// `--user`, when given.
    public var user: String?
    /// The stored entry of `user` (or of the only user with credentials); with entries of several sources for one
    /// user (Fitbit, then Google), the most recently authorized. Nil when there is none or it cannot be read.
    public var credential: Credential?

    /// `out`: `--out`, else HREXPORT_OUT (both in `outGiven`), else the folder the last backfill of this user
    /// wrote (remembered with the credentials), else `defaultOut`. Paths are absolute and without `.`/`..`.
    public init(outGiven: String?, stateFolder: String, user: String?, defaultOut: String) {
        self.stateFolder = Self.absolute(stateFolder)
        self.user = user
        let store = CredentialsStore(stateFolder: self.stateFolder)
        // A named user's files are opened directly: reading every entry of the folder for each user made a run
        // over N users read N² files.
        let entries = (try? user.map { user in try SourceKind.allCases.filter(\.isAPI).compactMap { try store.load(source: $0, user: user) } }
            ?? store.all()) ?? []
        credential = Set(entries.map(\.user)).count == 1 ? entries.max { $0.rotatedAt < $1.rotatedAt } : nil
        out = Self.absolute(outGiven ?? credential?.exportFolder ?? defaultOut)
    }

    /// `--user`, else the only user with credentials, else the only user folder of `out` with a manifest.
    public func resolvedUser() throws(ExportError) -> String {
        if let user { return user }
        if let credential { return credential.user }
        return try onlyUserWithExport(none: "no export in \(out); run `hrexport backfill` first")
    }

    /// The user an import writes for: `--user`, else the only user already in `out`.
    public func importUser() throws(ExportError) -> String {
        if let user { return user }
        return try onlyUserWithExport(none: "--user is required: \(out) holds no user yet (use your Fitbit user id to continue a Fitbit history)")
    }

    private func onlyUserWithExport(none: String) throws(ExportError) -> String {
        let users = FileSystem.list(out).filter { UserID.isValid($0) && FileSystem.exists(out + "/" + $0 + "/manifest.json") }
        guard users.count == 1 else {
            throw .usage(users.isEmpty ? none : "several users in \(out) (\(users.joined(separator: ", "))); choose one with --user")
        }
        return users[0]
    }

    /// The resolved user's manifest, or a usage error telling how to make one.
    public func manifest() throws(ExportError) -> (manifest: Manifest, layout: ExportLayout) {
        let user = try resolvedUser()
        let layout = try ExportLayout(out: out, user: user)
        guard let manifest = try ManifestStore(userFolder: layout.userFolder).load() else {
            throw .usage("no export for \(user) in \(out); run `hrexport backfill` first")
        }
        return (manifest, layout)
    }

    /// An absolute path without `.` or `..` components, so that what is remembered works from anywhere and no
    /// later component can climb out of the folder it names.
    public static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: full).standardizedFileURL.path
    }
}
