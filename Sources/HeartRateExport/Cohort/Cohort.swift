/// Many users in one run: every (source, user) with credentials in a state folder, or the part of them a shard
/// holds, each exported by its own run, under its own lock and within its own budget, several at a time.
public enum Cohort {
    public struct Member: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var source: SourceKind
        /// The provider's user id: the credentials, the lock and the budget are this account's.
        public var user: String
        /// The study's pseudonymous id, from a roster (`--users`).
        public var studyID: String?

        public init(source: SourceKind, user: String, studyID: String? = nil) {
            self.source = source
            self.user = user
            self.studyID = studyID
        }

        /// What the participant's export folder and `user_id` column are called, and how reports name them.
        public var name: String { studyID ?? user }

        public var description: String { "\(source.rawValue) \(name)" }

        public static func < (a: Member, b: Member) -> Bool { (a.source.rawValue, a.name) < (b.source.rawValue, b.name) }
    }

    /// What one member's run came to. `exitCode` is what a single-user run would have exited with.
    public struct Outcome: Sendable, Codable, Equatable {
        public var source: String
        public var user: String
        public var exitCode: Int32
        public var failedDays: Int
        /// The run's summary line, or the error that stopped it.
        public var message: String

        public init(member: Member, exitCode: Int32, failedDays: Int = 0, message: String) {
            source = member.source.rawValue
            user = member.name
            self.exitCode = exitCode
            self.failedDays = failedDays
            self.message = message
        }

        enum CodingKeys: String, CodingKey {
            case source, user, message
            case exitCode = "exit_code"
            case failedDays = "failed_days"
        }

        public var needsAttention: Bool { exitCode != 0 }

        /// One line a coordinator acts on.
        public var attentionLine: String {
            let action = switch exitCode {
            case 3: "run `hrexport auth --source \(source)` for this participant"
            case 4: "another run holds this user's lock"
            case 5: "the API is gone"
            default: failedDays > 0 ? "\(failedDays) day(s) failed; the next run retries them" : "see the message"
            }
            return "\(source) \(user): exit \(exitCode): \(action): \(message)"
        }
    }

    /// Every (source, user) whose credentials file the state folder holds, sorted; the files are not read here,
    /// so one damaged file is its user's problem, not the cohort's.
    public static func members(stateFolder: String) throws(ExportError) -> [Member] {
        try CredentialsStore(stateFolder: stateFolder).members().map { Member(source: $0.source, user: $0.user) }
    }

    /// Runs `work` for every member, at most `parallel` at once, and returns the outcomes in the members' order.
    /// A member's failure never stops the others.
    public static func run(_ members: [Member], parallel: Int,
                           _ work: @escaping @Sendable (Member) async -> Outcome) async -> [Outcome] {
        var outcomes = [Outcome?](repeating: nil, count: members.count)
        await withTaskGroup(of: (Int, Outcome).self) { group in
            var next = 0
            func start() {
                guard next < members.count else { return }
                let index = next
                group.addTask { (index, await work(members[index])) }
                next += 1
            }
            for _ in 0..<max(1, parallel) { start() }
            while let (index, outcome) = await group.next() {
                outcomes[index] = outcome
                start()
            }
        }
        return outcomes.map { $0! }
    }

    /// The cohort's exit code: 0 when no member needs attention, else 1 (each member's own code is in its outcome).
    public static func exitCode(_ outcomes: [Outcome]) -> Int32 { outcomes.contains(where: \.needsAttention) ? 1 : 0 }
}

extension Cohort {
    /// One participant at a glance, from the manifest alone: the finest sample detail's days by status, the last
    /// day with data and the last run.
    public struct MemberStatus: Sendable, Encodable, Equatable {
        public var source: String
        public var user: String
        public var export: String
        public var detail: String?
        public var complete = 0
        public var partial = 0
        public var empty = 0
        public var failed = 0
        public var lastDayWithData: String?
        public var lastRun: String?
        public var lastExitCode: Int32?
        /// Why there is no status (no export yet, a damaged manifest).
        public var problem: String?

        enum CodingKeys: String, CodingKey {
            case source, user, export, detail, complete, partial, empty, failed, problem
            case lastDayWithData = "last_day_with_data"
            case lastRun = "last_run"
            case lastExitCode = "last_exit_code"
        }

        public init(member: Member, export: String, manifest: Manifest?, problem: String? = nil) {
            source = member.source.rawValue
            user = member.name
            self.export = export
            self.problem = problem ?? (manifest == nil ? "no export yet" : nil)
            guard let manifest, let finest = manifest.days.keys.min() else { return }
            detail = finest.rawValue
            for (date, entry) in manifest.days[finest] ?? [:] {
                switch entry.status {
                case .complete: complete += 1
                case .partial: partial += 1
                case .empty: empty += 1
                case .failed: failed += 1
                case .noAccess: break
                }
                if entry.rows > 0, lastDayWithData.map({ date.description > $0 }) ?? true { lastDayWithData = date.description }
            }
            if let run = manifest.lastRun {
                lastRun = "\(run.command) \(run.finishedAt)"
                lastExitCode = run.exitCode
            }
        }

        public var line: String {
            let who = "\(source) \(user)"
            if let problem { return "\(who): \(problem)" }
            return "\(who): \(detail ?? "-") complete \(complete), partial \(partial), empty \(empty), failed \(failed); "
                + "last day with data \(lastDayWithData ?? "none"); last run \(lastRun ?? "none")\(lastExitCode.map { " exit \($0)" } ?? "")"
        }
    }
}

extension Cohort {
    /// What `--all --json` prints: the shard, every member's outcome, the cohort's exit code.
    public struct Report: Encodable, Sendable {
        public var shard: String
        public var users: [Outcome]
        public var exitCode: Int32

        public init(shard: String, users: [Outcome], exitCode: Int32) {
            self.shard = shard
            self.users = users
            self.exitCode = exitCode
        }

        enum CodingKeys: String, CodingKey {
            case shard, users
            case exitCode = "exit_code"
        }
    }

    /// What `status --all --json` prints.
    public struct StatusReport: Encodable, Sendable {
        public var shard: String
        public var users: [MemberStatus]

        public init(shard: String, users: [MemberStatus]) {
            self.shard = shard
            self.users = users
        }
    }

    /// A member's run says only what needs a person, each line naming the member (runs interleave); with
    /// `verbose`, a line per day and per wait too.
    public struct MemberReporter: ProgressReporter {
        let member: Member
        let verbose: Bool
        let warn: @Sendable (String) -> Void
        let info: @Sendable (String) -> Void

        public init(member: Member, verbose: Bool, warning: @escaping @Sendable (String) -> Void, info: @escaping @Sendable (String) -> Void) {
            self.member = member
            self.verbose = verbose
            self.warn = warning
            self.info = info
        }

        public func warning(_ message: String) { warn("\(member): \(message)") }

        public func day(_ day: ProcessedDay) {
            if let failure = day.failure {
                warn("\(member): \(day.date) \(day.detail.rawValue) failed: \(failure.description)")
            } else if verbose {
                info("\(member): \(day.date) \(day.detail.rawValue) \(day.status.rawValue) \(day.rows) rows")
            }
        }

        public func waiting(for duration: Duration) {
            if verbose { info("\(member): waiting \(Int(duration.inSeconds.rounded(.up))) s for the rate window") }
        }
    }
}
