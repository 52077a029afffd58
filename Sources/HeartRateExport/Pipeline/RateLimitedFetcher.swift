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
    public var outcome: Outcome
    public var lastSync: LocalDateTime?
}

/// Fetches each day's body within the rate budget. A day whose final body is already in the raw archive
/// (a run killed after archiving it) is taken from there without a request.
public struct RateLimitedFetcher<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == LocalDate {
    let base: Base
    let client: FitbitClient
    let detail: Detail
    let lastSync: LocalDateTime?
    let archive: RawArchive?
    /// Days whose archived body must not be reused (it failed to decode last time).
    let refetch: Set<LocalDate>

    public init(_ base: Base, client: FitbitClient, detail: Detail, lastSync: LocalDateTime?, archive: RawArchive?, refetch: Set<LocalDate> = []) {
        self.base = base
        self.client = client
        self.detail = detail
        self.lastSync = lastSync
        self.archive = archive
        self.refetch = refetch
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let fetcher: RateLimitedFetcher

        public mutating func next() async throws -> FetchedDay? {
            guard let date = try await base.next() else { return nil }
            return try await fetcher.fetch(date)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), fetcher: self) }

    func fetch(_ date: LocalDate) async throws -> FetchedDay {
        guard let lastSync, lastSync > LocalDateTime(date: date, secondOfDay: 0) else {
            return FetchedDay(date: date, detail: detail, outcome: .notYetSynced, lastSync: lastSync)
        }
        if let archive, !refetch.contains(date), let stored = try archive.load(detail, date), stored.coversWholeDay(date) {
            return FetchedDay(date: date, detail: detail, outcome: .body(stored), lastSync: stored.lastSync)
        }
        switch try await client.heartRateDay(date, detail: detail) {
        case .success(let bytes):
            let body = RawBody(bytes: bytes, fetchedAt: Date().timeIntervalSince1970, lastSync: lastSync, origin: .network)
            return FetchedDay(date: date, detail: detail, outcome: .body(body), lastSync: lastSync)
        case .failure(let failure):
            return FetchedDay(date: date, detail: detail, outcome: .failed(failure), lastSync: lastSync)
        }
    }
}
