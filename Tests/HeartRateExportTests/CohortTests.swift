import Testing
@testable import HeartRateExport

@Suite("Cohorts and shards")
struct CohortTests {
    @Test("a user's shard is the first 8 bytes of SHA-256 of its id, big-endian, modulo N (values computed with Python's hashlib)")
    func bucket() {
        // python3 -c "import hashlib; print(int.from_bytes(hashlib.sha256(b'SANDBOX1').digest()[:8], 'big') % N)"
        #expect(["SANDBOX1", "SANDBOX2", "SANDBOX3", "SANDBOX4", "SANDBOX5", "SANDBOX6"].map { Shard.bucket(of: $0, count: 3) } == [0, 1, 2, 0, 1, 1])
        #expect(Shard("0/3")!.contains("SANDBOX4") && !Shard("1/3")!.contains("SANDBOX4"))
        // Every user is in exactly one shard, whatever N.
        for n in [1, 2, 7, 16] {
            for user in (1...50).map({ "P\($0)" }) {
                #expect((0..<n).filter { Shard("\($0)/\(n)")!.contains(user) }.count == 1)
            }
        }
    }

    @Test("a roster maps study ids to accounts in its order; comments, blank lines, CRLF and spaces around fields are fine")
    func roster() throws {
        let text = "# study 42\r\nstudy_id,source,user\r\n\r\nP-001, fitbit ,ABC123\r\n# withdrawn: P-002\r\nP-003,google,117\r\n"
        #expect(try Roster.parse(text, name: "r.csv") == [Cohort.Member(source: .fitbit, user: "ABC123", studyID: "P-001"),
                                                         Cohort.Member(source: .google, user: "117", studyID: "P-003")])
        #expect(Cohort.Member(source: .fitbit, user: "ABC123", studyID: "P-001").name == "P-001")
        #expect(Cohort.Member(source: .fitbit, user: "ABC123").name == "ABC123")
    }

    @Test("a bad roster is refused with its line and why", arguments: [
        ("", "--users r.csv: empty; the first line must be the header `study_id,source,user`"),
        ("user,source,study_id\n", "--users r.csv line 1: the first line must be the header `study_id,source,user`, not \"user,source,study_id\""),
        ("study_id,source,user\nP1,fitbit\n", "--users r.csv line 2: 2 field(s); a participant is `study_id,source,user`"),
        ("study_id,source,user\n../P1,fitbit,A\n", "--users r.csv line 2: study_id \"../P1\" is not an id (\(UserID.rule))"),
        ("study_id,source,user\nP1,takeout,A\n", "--users r.csv line 2: source \"takeout\" is not fitbit or google (a Takeout archive is brought in with `hrexport import`)"),
        ("study_id,source,user\nP1,fitbit,a/b\n", "--users r.csv line 2: user \"a/b\" is not a user id (\(UserID.rule))"),
        ("study_id,source,user\nP1,fitbit,A\np1,fitbit,B\n", "--users r.csv line 3: study_id p1 is listed twice (ids differing only in case are one folder)"),
        ("study_id,source,user\nP1,fitbit,A\nP2,fitbit,A\n", "--users r.csv line 3: fitbit user A is listed twice; one account is one participant"),
    ])
    func badRoster(text: String, message: String) {
        #expect(throws: ExportError.usage(message)) { try Roster.parse(text, name: "r.csv") }
    }

    @Test("K/N is parsed strictly", arguments: ["", "1", "1/", "/3", "3/3", "-1/3", "0/0", "a/b", "1/2/3", "0/100001"])
    func badShards(text: String) {
        #expect(Shard(text) == nil)
    }

    @Test("Slurm's and Kubernetes' variables give the shard; what cannot give a shard to every user is refused")
    func scheduler() throws {
        #expect(try Shard.fromScheduler([:], shardCount: nil) == nil)
        let slurm = ["SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_COUNT": "4"]
        #expect(try Shard.fromScheduler(slurm, shardCount: nil) == Shard("2/4"))
        #expect(try Shard.fromScheduler(slurm.merging(["SLURM_ARRAY_TASK_STEP": "1"]) { $1 }, shardCount: nil) == Shard("2/4"))
        #expect(try Shard.fromScheduler(["JOB_COMPLETION_INDEX": "5"], shardCount: 16) == Shard("5/16"))
        let refused: [([String: String], Int?)] = [
            (slurm.merging(["SLURM_ARRAY_TASK_STEP": "2"]) { $1 }, nil),   // a stepped array leaves shards without a task
            (slurm.merging(["SLURM_ARRAY_TASK_ID": "14"]) { $1 }, nil),    // 14 − 10 is not below 4
            (slurm.filter { $0.key != "SLURM_ARRAY_TASK_COUNT" }, nil),
            (slurm, 8),                                                     // --shard-count disagrees with Slurm's count
            (["JOB_COMPLETION_INDEX": "5"], nil),                           // N unknown
            (["JOB_COMPLETION_INDEX": "16"], 16),
            (["JOB_COMPLETION_INDEX": "x"], 16),
            ([:], 4),                                                       // --shard-count outside a Job
        ]
        for (environment, count) in refused {
            #expect(throws: ExportError.self, "\(environment) \(String(describing: count))") { try Shard.fromScheduler(environment, shardCount: count) }
        }
    }

    @Test("members run at most `parallel` at once, each outcome in the members' order, a failure not stopping the others")
    func run() async {
        let members = (1...9).map { Cohort.Member(source: .fitbit, user: "U\($0)") }
        let gauge = Gauge()
        let outcomes = await Cohort.run(members, parallel: 3) { member in
            await gauge.enter()
            try? await Task.sleep(for: .milliseconds(20))
            await gauge.leave()
            return Cohort.Outcome(member: member, exitCode: member.user == "U4" ? 3 : 0, message: "done")
        }
        #expect(outcomes.map(\.user) == members.map(\.user))
        #expect(outcomes.filter(\.needsAttention).map(\.user) == ["U4"])
        #expect(Cohort.exitCode(outcomes) == 1 && Cohort.exitCode(outcomes.filter { !$0.needsAttention }) == 0)
        #expect(await gauge.most == 3)
    }

    actor Gauge {
        var now = 0, most = 0
        func enter() { now += 1; most = max(most, now) }
        func leave() { now -= 1 }
    }
}
