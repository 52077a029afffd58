import ArgumentParser
import HeartRateExport

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Revoke the token at the provider and forget it here.",
        discussion: """
        Revokes the refresh token (which ends the whole grant) and removes the user's entry from the \
        credentials file. If the provider cannot be reached, nothing is removed and the exit code is 1; \
        --local-only forgets the token without revoking it. The export itself is left alone, unless \
        --delete-data: a participant who withdraws from a study takes their export, raw archive and reports \
        (<out>/<user>) and their rate budget with them. In a study run from a roster, `--users FILE --user \
        STUDY_ID` finds the participant's account in the roster and deletes <out>/<study_id>.
        """
    )

    @OptionGroup var location: LocationOptions
    @OptionGroup var api: APIOptions

    @Flag(help: "Forget the token here without asking the provider to revoke it.")
    var localOnly = false

    @Flag(help: "Also delete the user's export folder <out>/<user> (month files, manifest, raw archive, reports) and rate budget.")
    var deleteData = false

    @Option(help: ArgumentHelp("A study roster (`study_id,source,user`): --user is then the participant's study id.", valueName: "file"))
    var users: String?

    func run() async throws {
        try await reportingErrors {
            try api.checkOverrides()
            var account = (source: api.source, user: location.user, folder: location.user)
            if let users {
                guard let studyID = location.user else { throw ExportError.usage("--users needs --user STUDY_ID: the participant who leaves") }
                guard let member = try Roster.load(ExportLocation.absolute(users)).first(where: { $0.studyID == studyID }) else {
                    throw ExportError.usage("--users \(users) has no study_id \(Printable.quoted(studyID)); nothing was changed")
                }
                account = (member.source, member.user, studyID)
            }
            // Resolved for the account: its credentials remember the export folder.
            var accountLocation = location
            accountLocation.user = account.user
            let place = accountLocation.resolve()
            let store = CredentialsStore(stateFolder: place.stateFolder)
            guard let credential = try store.find(source: account.source, user: account.user) else {
                throw ExportError.usage("no credentials in \(store.folder)\(account.user.map { " for \($0)" } ?? ""); nothing to log out")
            }
            // Not while a run of this user may be rotating the token.
            let lock = try await UserLock.acquire(stateFolder: place.stateFolder, source: credential.source, user: credential.user)
            defer { withExtendedLifetime(lock) {} }
            let current = try store.load(source: credential.source, user: credential.user) ?? credential
            // The folder to delete is checked before the token is revoked: a refusal leaves everything as it was.
            let layout = try ExportLayout(out: place.out, user: account.folder ?? current.user)
            if deleteData, FileSystem.exists(layout.userFolder), !FileSystem.exists(layout.userFolder + "/manifest.json") {
                throw ExportError.usage("\(layout.userFolder) holds no manifest.json: not an hrexport export, so it is not deleted (nothing was changed)")
            }
            if !localOnly {
                let transport = AsyncHTTPTransport()
                do {
                    try await OAuthClient(configuration: api.configuration(stored: current), transport: transport, retry: api.retryPolicy)
                        .revoke(current.refreshToken)
                } catch {
                    await transport.shutdown()
                    throw error
                }
                await transport.shutdown()
            }
            try store.remove(source: current.source, user: current.user, holding: lock.proof)
            Console.line("Logged out \(current.user): token \(current.fingerprint) \(localOnly ? "forgotten (not revoked)" : "revoked and forgotten")")
            if deleteData {
                try FileSystem.removeTree(layout.userFolder)
                try FileSystem.removeFile(RateBudgetStore(stateFolder: place.stateFolder, source: current.source, user: current.user).path)
                Console.line("Deleted \(layout.userFolder) (export, manifest, raw archive, reports) and the rate budget of \(current.user)")
            }
        }
    }
}
