import Foundation
import HeartRateExport
import Sandbox
import Testing

/// A sandbox on its own port with its own state and export folders, and the exporter pointed at it.
struct Harness {
    let sandbox: SandboxServer
    let folder: String
    let configuration: APIConfiguration
    let transport = AsyncHTTPTransport()
    var state: String { folder + "/state" }
    var out: String { folder + "/out" }

    static func start(_ configure: (inout SandboxConfiguration) -> Void = { _ in }) async throws -> Harness {
        var config = SandboxConfiguration()
        configure(&config)
        let sandbox = try await SandboxServer.start(config)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hrexport-it-\(UUID().uuidString)").path
        return Harness(sandbox: sandbox, folder: folder,
                       configuration: try APIConfiguration(source: config.api == .google ? .google : .fitbit, apiBase: sandbox.baseURL, clientID: "integration-test"))
    }

    /// Runs `body` with a started harness and stops it afterwards, awaited, whether `body` returned or threw.
    static func with<T>(_ configure: (inout SandboxConfiguration) -> Void = { _ in }, _ body: (Harness) async throws -> T) async throws -> T {
        let h = try await start(configure)
        do {
            let result = try await body(h)
            await h.stop()
            return result
        } catch {
            await h.stop()
            throw error
        }
    }

    func stop() async {
        await transport.shutdown()
        await sandbox.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The real code flow: the "browser" follows the sandbox's redirect to our callback listener. `user` asks the
    /// sandbox to approve that user (its `login_hint`) instead of the configured one.
    @discardableResult
    func authorize(user: String? = nil) async throws -> Credential {
        let transport = self.transport
        return try await Authorization(configuration: configuration, store: CredentialsStore(stateFolder: state), transport: transport)
            .authorize(port: 0, timeout: .seconds(20)) { url in
                Task {
                    let redirect = try await transport.send(HTTPRequestSpec(url: url + (user.map { "&login_hint=" + $0 } ?? "")), timeout: .seconds(10))
                    if let location = redirect.header("Location") { _ = try await transport.send(HTTPRequestSpec(url: location), timeout: .seconds(10)) }
                }
            }
    }

    func backfill(_ from: String, _ to: String, detail: Detail = .oneMinute, format: OutputFormat? = nil, today: String? = nil,
                  retry: RetryPolicy = .fast, user: String? = nil) async throws -> Manifest.RunSummary {
        var options = BackfillOptions(out: out, stateFolder: state)
        options.user = user
        options.source = configuration.source
        options.format = format
        options.today = today.flatMap { LocalDate($0) }
        options.from = LocalDate(from)
        options.to = LocalDate(to)
        options.detail = detail
        options.retry = retry
        return try await Backfill(options: options, configuration: configuration, transport: transport, reporter: SilentReporter()).run()
    }

    func sync(lookback: Int = 3, today: String? = nil, retry: RetryPolicy = .fast) async throws -> Manifest.RunSummary {
        var options = BackfillOptions(out: out, stateFolder: state)
        options.today = today.flatMap { LocalDate($0) }
        options.mode = .sync(lookback: lookback)
        options.command = "sync"
        options.retry = retry
        return try await Backfill(options: options, configuration: configuration, transport: transport, reporter: SilentReporter()).run()
    }

    /// The days of the heart-rate requests the sandbox logged, from the `from`-th on.
    func heartDays(since from: Int = 0) async throws -> [String] {
        try await heartRequests().dropFirst(from).compactMap { ($0["path"] as? String)?.split(separator: "/").first { $0.count == 10 && $0.contains("-") }.map(String.init) }
    }

    /// Starts the real binary against this harness's sandbox, state and export folders, with no other
    /// HREXPORT_ variable than `environment` adds. stderr is a pipe when `captureErrors`.
    func launch(_ binary: String, _ arguments: [String], environment extra: [String: String] = [:], captureErrors: Bool = false) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments + ["--out", out, "--state-dir", state]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HREXPORT_") }
        environment["HREXPORT_API_BASE"] = sandbox.baseURL
        environment["HREXPORT_CLIENT_ID"] = "integration-test"
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = captureErrors ? Pipe() : FileHandle.nullDevice
        try process.run()
        return process
    }

    func manifest(_ user: String = "SANDBOX1") throws -> Manifest {
        try #require(try ManifestStore(userFolder: out + "/" + user).load())
    }

    func json(_ path: String, method: String = "GET") async throws -> Any {
        let result = try await transport.send(HTTPRequestSpec(method: method, url: sandbox.baseURL + path), timeout: .seconds(10))
        return try JSONSerialization.jsonObject(with: Data(result.body))
    }

    func requests() async throws -> [[String: Any]] {
        try #require(try await json("/_sandbox/requests") as? [[String: Any]])
    }

    func heartRequests() async throws -> [[String: Any]] {
        try await requests().filter { ($0["path"] as? String)?.contains("/activities/heart/") == true }
    }

    func truthDigest(_ date: LocalDate, detail: Detail = .oneMinute) async throws -> String {
        let truth = try #require(try await json("/_sandbox/truth?user=SANDBOX1&date=\(date)&detail=\(detail.rawValue)") as? [String: Any])
        return try #require(truth["sha256"] as? String)
    }

    /// Every day the manifest holds with rows matches the sandbox's truth, value for value (by digest).
    func expectMatchesTruth(_ from: String, _ to: String, detail: Detail = .oneMinute) async throws {
        let manifest = try manifest()
        var date = LocalDate(from)!
        while date <= LocalDate(to)! {
            let entry = try #require(manifest.entry(detail, date), "no manifest entry for \(date)")
            #expect(entry.status == .complete || entry.status == .empty, "\(date) is \(entry.status)")
            if entry.status == .complete { #expect(entry.sha256 == (try await truthDigest(date, detail: detail)), "\(date) differs from the truth") }
            date = date.adding(days: 1)
        }
    }
}

extension RetryPolicy {
    static let fast = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(10), maxDelay: .milliseconds(200), timeout: .seconds(10))
}

struct SilentReporter: ProgressReporter {
    func warning(_ message: String) {}
    func day(_ day: ProcessedDay) {}
    func waiting(for duration: Duration) {}
}

/// The rows of an intraday month file, read with the reader of the format its name says.
func monthRows(_ path: String) throws -> [Sample] {
    try MonthFileFormats.format(path.hasSuffix(".parquet") ? .parquet : .csv).readIntraday(from: path)
}

/// Waits for a child process, returning its stderr if it was a pipe, without blocking a thread of Swift's
/// cooperative pool: the in-process sandbox the child talks to needs those threads to answer it.
@discardableResult
func exited(_ process: Process) async -> Data {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            let stderr = (process.standardError as? Pipe)?.fileHandleForReading.readDataToEndOfFile() ?? Data()
            process.waitUntilExit()
            continuation.resume(returning: stderr)
        }
    }
}

/// Seeds of the randomized tests: printed, and taken from the environment when given, so a failure replays.
enum TestSeed {
    static func value(_ variable: String, default fallback: UInt64) -> UInt64 {
        ProcessInfo.processInfo.environment[variable].flatMap(UInt64.init) ?? fallback
    }
}
