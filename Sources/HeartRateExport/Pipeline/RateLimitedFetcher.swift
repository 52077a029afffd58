import Foundation

/// A day as it leaves the fetcher.
public struct FetchedDay: Sendable {
    public enum Outcome: Sendable {
        case body(RawBody)
        case failed(DayFailure)
        /// The day starts after the device's last sync: nothing to fetch yet.
        case notYetSynced
    }

    public var date: LocalDate
    public var detail: Detail
    public var source: SourceKind
    public var outcome: Outcome
    public var lastSync: LocalDateTime?

    public init(date: LocalDate, detail: Detail, source: SourceKind, outcome: Outcome, lastSync: LocalDateTime?) {
        self.date = date
        self.detail = detail
        self.source = source
        self.outcome = outcome
        self.lastSync = lastSync
    }
}

extension AsyncSequence where Self: Sendable, Element == LocalDate {
    /// Each day's raw body: from the archive when it holds a final one, else fetched within the rate budget.
    public func fetched(by client: any HeartRateSource, detail: Detail, lastSync: LocalDateTime?, archive: RawArchive,
                        refetch: Set<LocalDate> = [], concurrency: Int = 1) -> RateLimitedFetcher<Self> {
        RateLimitedFetcher(self, client: client, detail: detail, lastSync: lastSync, archive: archive, refetch: refetch, concurrency: concurrency)
    }
}

/// Fetches each day's body within the rate budget, keeping up to `concurrency` requests in flight; days
/// leave in the order they came in. Each body is stored in the raw archive the moment it arrives, so a
/// kill -9 never loses a response that was received. A day whose final body is already in the archive
/// (a run killed after storing it) is taken from there without a request. A series derived from another
/// detail's bodies (Google's 1min from its samples) takes any stored body: this run has just refreshed it.
public struct RateLimitedFetcher<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == LocalDate {
    let base: Base
    let client: any HeartRateSource
    let detail: Detail
    let lastSync: LocalDateTime?
    let archive: RawArchive
    /// Days whose archived body must not be reused (it failed, or the device has synced more since).
    let refetch: Set<LocalDate>
    let concurrency: Int

    public init(_ base: Base, client: any HeartRateSource, detail: Detail, lastSync: LocalDateTime?, archive: RawArchive,
                refetch: Set<LocalDate> = [], concurrency: Int = 1) {
        self.base = base
        self.client = client
        self.detail = detail
        self.lastSync = lastSync
        self.archive = archive
        self.refetch = refetch
        self.concurrency = Swift.max(1, concurrency)
    }

    /// The fetches started ahead of the consumer. They are unstructured tasks (a day may finish before the one
    /// asked for first), so cancelling the consumer, or dropping the iterator, must cancel them explicitly.
    final class Window: @unchecked Sendable {
        private let lock = NSLock()
        private var tasks: [Task<FetchedDay, any Error>] = []

        var count: Int { lock.withLock { tasks.count } }
        func append(_ task: Task<FetchedDay, any Error>) { lock.withLock { tasks.append(task) } }
        func removeFirst() -> Task<FetchedDay, any Error>? { lock.withLock { tasks.isEmpty ? nil : tasks.removeFirst() } }
        func cancelAll() { for task in lock.withLock({ tasks }) { task.cancel() } }

        deinit { cancelAll() }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let fetcher: RateLimitedFetcher
        let window = Window()
        var exhausted = false

        public mutating func next() async throws -> FetchedDay? {
            try Task.checkCancellation()
            while !exhausted, window.count < fetcher.concurrency {
                guard let date = try await base.next() else {
                    exhausted = true
                    break
                }
                let fetcher = self.fetcher
                window.append(Task { try await fetcher.fetch(date) })
            }
            guard let first = window.removeFirst() else { return nil }
            let window = self.window
            return try await withTaskCancellationHandler {
                try await first.value
            } onCancel: {
                first.cancel()
                window.cancelAll()
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), fetcher: self) }

    func fetch(_ date: LocalDate) async throws -> FetchedDay {
        let source = client.kind
        guard let lastSync, lastSync > LocalDateTime(date: date, secondOfDay: 0) else {
            return FetchedDay(date: date, detail: detail, source: source, outcome: .notYetSynced, lastSync: lastSync)
        }
        let rawDetail = source.rawDetail(for: detail)
        let derived = rawDetail != detail
        if derived || !refetch.contains(date), let stored = try archive.load(rawDetail, date), derived || stored.coversWholeDay(date) {
            return FetchedDay(date: date, detail: detail, source: source, outcome: .body(stored), lastSync: stored.lastSync)
        }
        switch try await client.fetchDay(date, rawDetail: rawDetail) {
        case .success(let bytes):
            let body = RawBody(bytes: bytes, fetchedAt: Date().timeIntervalSince1970, lastSync: lastSync, origin: .network)
            try archive.store(body, detail: rawDetail, date: date)
            CrashPoint.reached(.afterRawWrite)
            return FetchedDay(date: date, detail: detail, source: source, outcome: .body(body), lastSync: lastSync)
        case .failure(let failure):
            return FetchedDay(date: date, detail: detail, source: source, outcome: .failed(failure), lastSync: lastSync)
        }
    }
}
