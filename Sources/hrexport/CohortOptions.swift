import ArgumentParser
import Foundation
import HeartRateExport

/// `--all` or `--users`, and the shard: many users in one run (sync, backfill, status).
struct CohortOptions: ParsableArguments {
    @Flag(help: "Every user with credentials in the state folder (or this task's shard of them), each in its own run under its own lock and budget.")
    var all = false

    @Option(help: ArgumentHelp("The users of a study roster instead of every user: a CSV with the header `study_id,source,user`, one participant per line. The study id names the export folder and fills the user_id column; the user is the provider's id that `hrexport auth` stored.", valueName: "file"))
    var users: String?

    /// Whether this run is for many users: `--all` or `--users`.
    var isCohort: Bool { all || users != nil }

    @Option(help: ArgumentHelp("With --all: only the users of shard K of N (0-based). A user's shard is the first 8 bytes of SHA-256 of its id, big-endian, modulo N. Default: from a Slurm array task (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX of --shard-count).", valueName: "K/N"))
    var shard: String?

    @Option(help: ArgumentHelp("With --all in a Kubernetes Indexed Job: the number of shards (the Job's completions).", valueName: "N"))
    var shardCount: Int?

    @Option(help: "With --all: users exported at the same time.")
    var parallelUsers = 4

    func validate() throws {
        if !isCohort, shard != nil || shardCount != nil { throw ValidationError("--shard and --shard-count choose part of --all or --users; add one") }
        if let shard, Shard(shard) == nil { throw ValidationError("--shard \(Printable.quoted(shard)) is not K/N with 0 <= K < N <= 100000") }
        if shard != nil, shardCount != nil { throw ValidationError("--shard K/N already says N; --shard-count is for Kubernetes' JOB_COMPLETION_INDEX") }
        if let shardCount, !(1...100_000).contains(shardCount) { throw ValidationError("--shard-count must be between 1 and 100000") }
        guard (1...64).contains(parallelUsers) else { throw ValidationError("--parallel-users must be between 1 and 64") }
    }

    /// The members of this shard, of `source` when given.
    func members(stateFolder: String, source: SourceKind?) throws -> (Shard, [Cohort.Member]) {
        try Self.members(stateFolder: stateFolder, source: source, roster: users, shard: shard, shardCount: shardCount)
    }

    /// `--shard`, else the scheduler's shard, else the whole cohort; its members (of `source` when given): the
    /// roster's when there is one, else every user with credentials. A user's shard is its account's (the
    /// provider id), so a roster and `--all` put a token in the same shard.
    static func members(stateFolder: String, source: SourceKind?, roster: String?, shard text: String?, shardCount: Int?) throws -> (Shard, [Cohort.Member]) {
        let shard = try text.flatMap(Shard.init) ?? Shard.fromScheduler(ProcessInfo.processInfo.environment, shardCount: shardCount) ?? .all
        let listed = try roster.map { try Roster.load(ExportLocation.absolute($0)) } ?? Cohort.members(stateFolder: stateFolder)
        let everyone = listed.filter { source == nil || $0.source == source }
        guard !everyone.isEmpty else {
            if let roster { throw ExportError.usage("--users \(roster) lists no \(source.map { $0.rawValue + " " } ?? "")participant") }
            throw ExportError.authorizationNeeded("no \(source.map { $0.rawValue + " " } ?? "")credentials in \(stateFolder) (--all works on every user `hrexport auth` authorized there)")
        }
        return (shard, everyone.filter { shard.contains($0.user) })
    }

    /// Where a member's export is: `--out` or HREXPORT_OUT for everyone, else the folder its credentials remember.
    static func layout(of member: Cohort.Member, location: LocationOptions, store: CredentialsStore) throws -> ExportLayout {
        let given = location.out ?? Environment.value("HREXPORT_OUT")
        let out = try given ?? store.load(source: member.source, user: member.user)?.exportFolder ?? Environment.home + "/.local/share/hrexport"
        return try ExportLayout(out: ExportLocation.absolute(out), user: member.name)
    }
}

extension ExportRunner {
    /// Runs backfill or sync for every member of a shard, then prints one line per member that needs attention and
    /// the cohort's summary; `--json` adds every member's outcome on stdout.
    static func runCohort(_ cohort: CohortOptions, json: Bool, location: LocationOptions, api: APIOptions, writing: WriteOptions,
                    output: OutputOptions, console: Console, configure: (inout BackfillOptions) -> Void) async throws {
        guard location.user == nil else { throw ExportError.usage("--all and --users run many users; leave out --user") }
        try api.checkOverrides()
        let place = location.resolve()
        let (shard, members) = try cohort.members(stateFolder: place.stateFolder, source: api.source)
        if let warning = CredentialsStore(stateFolder: place.stateFolder).looseFolderWarning() { console.warning(warning) }
        // Each member's options are worked out here, before the runs start: reading flags and files is not for the tasks.
        // One quota for the whole process: every Google member's requests count against this shard's share.
        let project = RateBudget(pacing: api.projectPacing(shards: shard.count))
        var prepared = [Cohort.Member: Result<(BackfillOptions, APIConfiguration), ExportError>]()
        for member in members {
            do {
                var memberLocation = location
                memberLocation.user = member.user
                var memberAPI = api
                memberAPI.source = member.source
                var options = try ExportRunner.options(location: memberLocation, api: memberAPI, writing: writing, warnLooseFolder: false)
                options.exportName = member.studyID
                options.projectBudget = project
                configure(&options)
                prepared[member] = .success((options, try memberAPI.configuration(stored: options.credential)))
            } catch let error as ExportError {
                prepared[member] = .failure(error)
            } catch {
                prepared[member] = .failure(.usage(String(describing: error)))
            }
        }
        let ready = prepared
        let verbose = output.level <= .debug
        let started = ContinuousClock.now
        let outcomes = await Cohort.run(members, parallel: cohort.parallelUsers) { member in
            switch ready[member]! {
            case .failure(let error):
                return Cohort.Outcome(member: member, exitCode: error.exitCode, message: error.description)
            case .success(let (options, configuration)):
                let reporter = Cohort.MemberReporter(member: member, verbose: verbose, warning: { console.warning($0) }, info: { console.info($0) })
                return await runOne(member, options: options, configuration: configuration, reporter: reporter)
            }
        }
        for outcome in outcomes where outcome.needsAttention { console.error(outcome.attentionLine) }
        let attention = outcomes.filter(\.needsAttention).count
        let code = Cohort.exitCode(outcomes)
        let summary = "cohort shard \(shard): \(members.count) user(s), \(members.count - attention) fine, \(attention) need attention, "
            + "\(String(format: "%.1f", (ContinuousClock.now - started).inSeconds)) s"
        if json {
            // stdout holds the JSON alone, for scripts; the summary goes with the other messages.
            console.info(summary)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            console.line(String(decoding: try encoder.encode(Cohort.Report(shard: shard.description, users: outcomes, exitCode: code)), as: UTF8.self))
        } else {
            console.line(summary)
        }
        if code != 0 { throw ExitCode(code) }
    }

    private static func runOne(_ member: Cohort.Member, options: BackfillOptions, configuration: APIConfiguration,
                               reporter: Cohort.MemberReporter) async -> Cohort.Outcome {
        let started = ContinuousClock.now
        let transport = AsyncHTTPTransport()
        do {
            let summary = try await Backfill(options: options, configuration: configuration, transport: transport, reporter: reporter).run()
            await transport.shutdown()
            return Cohort.Outcome(member: member, exitCode: summary.failedDays > 0 ? 1 : 0, failedDays: summary.failedDays,
                                  message: summary.line(seconds: (ContinuousClock.now - started).inSeconds))
        } catch {
            await transport.shutdown()
            let failure = error as? ExportError ?? .http(endpoint: "run", status: nil, message: String(describing: error))
            return Cohort.Outcome(member: member, exitCode: failure.exitCode, message: failure.description)
        }
    }
}
