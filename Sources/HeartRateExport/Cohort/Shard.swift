import Crypto

/// One of N disjoint parts of a cohort, so that schedulers can run the parts side by side. A user belongs to the
/// shard `K` where K is the first 8 bytes of SHA-256 of the user id (UTF-8), read big-endian, modulo N: stable
/// across runs and machines, so a single-use refresh token only ever has one writer.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// The whole cohort as one shard.
    public static let all = Shard(uncheckedIndex: 0, count: 1)

    private init(uncheckedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// `K/N` with 0 ≤ K < N ≤ 100,000.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), (1...100_000).contains(n), (0..<n).contains(k) else { return nil }
        self.init(uncheckedIndex: k, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    public static func bucket(of user: String, count: Int) -> Int {
        let digest = Array(SHA256.hash(data: Array(user.utf8)))
        let head = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int(head % UInt64(count))
    }

    public func contains(_ user: String) -> Bool { Self.bucket(of: user, count: count) == index }

    /// The shard a scheduler's task stands for: a Slurm array task (`K = SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN`,
    /// `N = SLURM_ARRAY_TASK_COUNT`; a stepped array would leave shards without a task, so it is refused) or a
    /// Kubernetes Indexed Job's `JOB_COMPLETION_INDEX` with `shardCount` (`--shard-count`). Nil outside both.
    public static func fromScheduler(_ environment: [String: String], shardCount: Int?) throws(ExportError) -> Shard? {
        func number(_ name: String) throws(ExportError) -> Int {
            guard let text = environment[name], let value = Int(text) else {
                throw .usage("\(name) is \(environment[name].map { Printable.quoted($0) } ?? "not set"); a Slurm array task sets SLURM_ARRAY_TASK_ID, _MIN and _COUNT")
            }
            return value
        }
        if environment["SLURM_ARRAY_TASK_ID"] != nil {
            if let step = environment["SLURM_ARRAY_TASK_STEP"], step != "1" {
                throw .usage("a stepped Slurm array (SLURM_ARRAY_TASK_STEP=\(Printable.quoted(step))) leaves shards without a task; use an array without a step, such as --array=0-15")
            }
            let id = try number("SLURM_ARRAY_TASK_ID"), min = try number("SLURM_ARRAY_TASK_MIN"), count = try number("SLURM_ARRAY_TASK_COUNT")
            guard let shard = Shard("\(id - min)/\(count)") else {
                throw .usage("Slurm array task \(id) of \(count) starting at \(min) is not a shard (tasks must be consecutive)")
            }
            if let shardCount, shardCount != count {
                throw .usage("--shard-count \(shardCount) differs from SLURM_ARRAY_TASK_COUNT=\(count)")
            }
            return shard
        }
        if let text = environment["JOB_COMPLETION_INDEX"] {
            guard let shardCount else { throw .usage("JOB_COMPLETION_INDEX is set: give --shard-count N (the Job's completions) so every user has one shard") }
            guard let index = Int(text), let shard = Shard("\(index)/\(shardCount)") else {
                throw .usage("JOB_COMPLETION_INDEX=\(Printable.quoted(text)) is not below --shard-count \(shardCount)")
            }
            return shard
        }
        if shardCount != nil { throw .usage("--shard-count needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); elsewhere use --shard K/N") }
        return nil
    }
}
