import Foundation
import Testing
@testable import HeartRateExport

/// A clock the test moves: a wait moves it to the wait's end at once, and is recorded.
final class FakeClock: BudgetClock, @unchecked Sendable {
    private let lock = NSLock()
    private var monotonic: Double = 1000
    private var wall: Double = 1_800_000_000
    private(set) var waits: [Double] = []

    func now() -> Double { lock.withLock { monotonic } }
    func wallNow() -> Double { lock.withLock { wall } }

    func advance(_ seconds: Double) {
        lock.withLock {
            monotonic += seconds
            wall += seconds
        }
    }

    func sleep(until deadline: Double) async throws {
        lock.withLock {
            let step = max(0, deadline - monotonic)
            waits.append(step)
            monotonic += step
            wall += step
        }
    }
}

func fitbitAnswer(remaining: Int, reset: Int, limit: Int = 3, status: Int = 200) -> HTTPResult {
    HTTPResult(status: status, headers: [("Fitbit-Rate-Limit-Limit", String(limit)), ("Fitbit-Rate-Limit-Remaining", String(remaining)),
                                         ("Fitbit-Rate-Limit-Reset", String(reset))], body: Array("{}".utf8))
}

@Suite("Rate budget, on a fake clock")
struct RateBudgetTests {
    func store() -> RateBudgetStore {
        RateBudgetStore(stateFolder: FileManager.default.temporaryDirectory.appendingPathComponent("hrexport-budget-\(UUID())").path, source: .fitbit, user: "U1")
    }

    @Test("the headers' budget is spent, then the next request waits for the window's reset")
    func windowRollover() async throws {
        let clock = FakeClock()
        let budget = RateBudget(clock: clock)
        try await budget.acquire()
        await budget.record(fitbitAnswer(remaining: 2, reset: 600))
        try await budget.acquire()
        await budget.record(fitbitAnswer(remaining: 1, reset: 599))
        try await budget.acquire()
        await budget.record(fitbitAnswer(remaining: 0, reset: 598))
        #expect(clock.waits.isEmpty)
        try await budget.acquire()
        // Ends 600, 599 and 598 s away with no time passing are one window (whole-second rounding and latency):
        // the wait goes to the latest end any answer gave, never earlier.
        #expect(clock.waits.count == 1 && abs(clock.waits[0] - 600.015) < 0.01, "\(clock.waits)")
        await budget.record(fitbitAnswer(remaining: 2, reset: 3600))
        #expect(await budget.snapshot()?.remaining == 2)
    }

    @Test("at a reset, a late answer from the old window does not start the new one over; the new window's answer does")
    func answersAcrossTheReset() async throws {
        let clock = FakeClock()
        let budget = RateBudget(clock: clock)
        try await budget.acquire()
        await budget.record(fitbitAnswer(remaining: 1, reset: 10))
        try await budget.acquire()  // sent in the old window, still in flight
        try await budget.acquire()  // one left and one in flight: waits for the reset
        #expect(clock.waits.count == 1)
        // The in-flight request's answer arrives now, speaking of the window that has just ended: ignored.
        await budget.record(fitbitAnswer(remaining: 0, reset: 0))
        let afterOld = await budget.snapshot()
        #expect(afterOld == nil)
        await budget.record(fitbitAnswer(remaining: 1, reset: 3600))
        let afterNew = await budget.snapshot()
        #expect(afterNew?.remaining == 1 && afterNew?.limit == 3)
    }

    @Test("answers that overtake each other never raise what is left in a window")
    func answersOutOfOrder() async throws {
        let clock = FakeClock()
        let budget = RateBudget(clock: clock)
        try await budget.acquire()
        await budget.record(fitbitAnswer(remaining: 9, reset: 600, limit: 10))
        for _ in 0..<3 { try await budget.acquire() }
        // The provider counted all three; the last one's answer comes back first, the earlier ones after it.
        await budget.record(fitbitAnswer(remaining: 6, reset: 599, limit: 10))
        await budget.record(fitbitAnswer(remaining: 8, reset: 599, limit: 10))
        await budget.record(fitbitAnswer(remaining: 7, reset: 599, limit: 10))
        let left = await budget.snapshot()?.remaining
        #expect(left.map { $0 <= 6 } == true, "\(left ?? -1) left, but the provider has 6")
    }

    @Test("once every answer is back, the window's lowest count is what is left: requests in flight are not counted twice")
    func nothingInFlightMeansTheLowestCountIsExact() async throws {
        let clock = FakeClock()
        let budget = RateBudget(clock: clock)
        try await budget.acquire()
        await budget.record(fitbitAnswer(remaining: 9, reset: 600, limit: 10))
        for _ in 0..<4 { try await budget.acquire() }
        // The provider counted all four before answering; answers come back while the others are still in flight.
        await budget.record(fitbitAnswer(remaining: 5, reset: 599, limit: 10))
        #expect(await budget.snapshot()?.remaining == 2, "three still in flight may not have been counted yet")
        await budget.record(fitbitAnswer(remaining: 6, reset: 599, limit: 10))
        await budget.record(fitbitAnswer(remaining: 7, reset: 599, limit: 10))
        await budget.record(fitbitAnswer(remaining: 8, reset: 599, limit: 10))
        #expect(await budget.snapshot()?.remaining == 5, "all answered: the provider has 5 left, and so do we")
    }

    @Test("each reservation is on disk before its request leaves: a run killed with requests in flight leaves them counted")
    func reservationsPersist() async throws {
        let clock = FakeClock()
        let store = store()
        let first = RateBudget(store: store, clock: clock)
        try await first.acquire()
        await first.record(fitbitAnswer(remaining: 2, reset: 900))
        try await first.acquire()
        try await first.acquire()
        #expect(clock.waits.isEmpty, "two were left: both go without a wait")
        // Killed here, two requests in flight: the file already says none is left.
        #expect(store.load()?.remaining == 0)
        let next = RateBudget(store: store, clock: clock)
        try await next.acquire()
        #expect(clock.waits.count == 1 && abs(clock.waits[0] - 900.015) < 0.01, "the next run waited \(clock.waits) instead of the window's 900 s")
    }

    @Test("paced at N per window without headers; a 429 blocks for its Retry-After")
    func pacing() async throws {
        let clock = FakeClock()
        let budget = RateBudget(pacing: RateBudget.Pacing(limit: 2, window: .seconds(10)), clock: clock)
        try await budget.acquire()
        try await budget.acquire()
        #expect(clock.waits.isEmpty)
        try await budget.acquire()
        #expect(clock.waits.count == 1 && abs(clock.waits[0] - 10.05) < 0.01)
        await budget.record(HTTPResult(status: 429, headers: [("Retry-After", "30")]))
        try await budget.acquire()
        #expect(clock.waits.count == 2 && abs(clock.waits[1] - 30) < 0.01)
    }
}

/// A token endpoint written here, from the Fitbit documentation: single-use refresh tokens, a replay window for
/// the token just spent, 409 when another refresh is under way, `invalid_grant` for a token that is gone.
final class FakeTokenEndpoint: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var current = "rt-0"
    private var spent: [String: (answer: String, at: Double)] = [:]
    private var counter = 0
    var now: Double = 0
    var conflictsLeft = 0
    private(set) var refreshes: [String] = []

    var currentRefreshToken: String { lock.withLock { current } }

    func send(_ request: HTTPRequestSpec, timeout: Duration) async throws -> HTTPResult {
        lock.withLock {
            let form = Dictionary(uniqueKeysWithValues: String(decoding: request.body ?? [], as: UTF8.self).split(separator: "&").map {
                let pair = $0.split(separator: "=", maxSplits: 1)
                return (String(pair[0]), pair.count > 1 ? String(pair[1]) : "")
            })
            let token = form["refresh_token"] ?? ""
            refreshes.append(token)
            if conflictsLeft > 0 {
                conflictsLeft -= 1
                return HTTPResult(status: 409, body: Array(#"{"errors":[{"errorType":"conflict"}]}"#.utf8))
            }
            if let replay = spent[token], now - replay.at <= 120 { return answer(refresh: replay.answer) }
            guard token == current else { return HTTPResult(status: 400, body: Array(#"{"errors":[{"errorType":"invalid_grant"}]}"#.utf8)) }
            counter += 1
            current = "rt-\(counter)"
            spent[token] = (current, now)
            return answer(refresh: current)
        }
    }

    private func answer(refresh: String) -> HTTPResult {
        HTTPResult(status: 200, body: Array(#"{"access_token":"at-\#(refresh)","expires_in":28800,"refresh_token":"\#(refresh)","token_type":"Bearer","user_id":"U1"}"#.utf8))
    }
}

@Suite("Token provider, against a fake token endpoint")
struct TokenProviderTests {
    struct Setup {
        let endpoint = FakeTokenEndpoint()
        let store: CredentialsStore
        let lock: UserLock
        let configuration: APIConfiguration

        init() async throws {
            store = CredentialsStore(stateFolder: FileManager.default.temporaryDirectory.appendingPathComponent("hrexport-tokens-\(UUID())").path)
            configuration = try APIConfiguration(apiBase: "https://fitbit.invalid", clientID: "c")
            lock = try await UserLock.acquire(stateFolder: store.stateFolder, source: .fitbit, user: "U1")
        }

        func credential(refresh: String, previous: String? = nil) -> Credential {
            Credential(source: .fitbit, user: "U1", refreshToken: refresh, previousRefreshToken: previous, accessToken: nil, expiresAt: nil,
                       expiresIn: nil, rotatedAt: 0, configuration: configuration, scope: nil)
        }

        func provider(_ credential: Credential) throws -> TokenProvider {
            try store.save(credential, holding: lock.proof)
            return TokenProvider(credential: credential, store: store, lock: lock.proof,
                                 oauth: OAuthClient(configuration: configuration, transport: endpoint, retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1), timeout: .seconds(1))))
        }
    }

    @Test("a refresh stores the new refresh token before its access token is handed out, and keeps the spent one until the new one worked")
    func rotation() async throws {
        let s = try await Setup()
        let tokens = try s.provider(s.credential(refresh: "rt-0"))
        #expect(try await tokens.accessToken() == "at-rt-1")
        let stored = try #require(try s.store.load(source: .fitbit, user: "U1"))
        #expect(stored.refreshToken == "rt-1" && stored.previousRefreshToken == "rt-0")
        try await tokens.confirmWorked()
        #expect(try s.store.load(source: .fitbit, user: "U1")?.previousRefreshToken == nil)
        // A second call within the token's lifetime asks nothing.
        #expect(try await tokens.accessToken() == "at-rt-1" && s.endpoint.refreshes == ["rt-0"])
    }

    @Test("after a crash lost the answer, the previous token is replayed within the window and yields the same successor")
    func replayWindow() async throws {
        let s = try await Setup()
        // The last run spent rt-0 (answer rt-1) and died before saving it: the store still says rt-0 was current...
        _ = try await s.endpoint.send(HTTPRequestSpec(method: "POST", url: "x", body: Array("grant_type=refresh_token&refresh_token=rt-0".utf8)), timeout: .seconds(1))
        // ...or, as here, saved rt-x (a token the provider never issued) with rt-0 as the previous one.
        let tokens = try s.provider(s.credential(refresh: "rt-x", previous: "rt-0"))
        #expect(try await tokens.accessToken() == "at-rt-1")
        #expect(try s.store.load(source: .fitbit, user: "U1")?.refreshToken == "rt-1")
        #expect(s.endpoint.currentRefreshToken == "rt-1")
    }

    @Test("a 409 while another refresh is under way is retried; the stored token stays the provider's current one")
    func conflict() async throws {
        let s = try await Setup()
        s.endpoint.conflictsLeft = 1
        let tokens = try s.provider(s.credential(refresh: "rt-0"))
        #expect(try await tokens.accessToken() == "at-rt-1")
        #expect(try s.store.load(source: .fitbit, user: "U1")?.refreshToken == s.endpoint.currentRefreshToken)
    }

    @Test("invalid_grant for a token that is gone asks for `hrexport auth` (exit 3) and leaves the stored entry alone")
    func invalidGrant() async throws {
        let s = try await Setup()
        s.endpoint.now = 1000  // far past any replay window
        let tokens = try s.provider(s.credential(refresh: "rt-revoked"))
        let error = await #expect(throws: ExportError.self) { try await tokens.accessToken() }
        #expect(error?.exitCode == 3)
        #expect(error?.description.contains("the refresh token for U1 was refused") == true)
        #expect(try s.store.load(source: .fitbit, user: "U1")?.refreshToken == "rt-revoked")
    }
}
