/// A day ready for the writer and the manifest: its status and, when it has any, its UTC rows.
public struct ProcessedDay: Sendable {
    public var date: LocalDate
    public var detail: Detail
    public var status: DayStatus
    public var day: NormalizedDay?
    public var failure: DayFailure?
    public var fetchedAt: Double?
    public var lastSync: LocalDateTime?
    public var fromNetwork: Bool
    public var source: SourceKind = .fitbit
    /// Another source's series of this day that was not kept (it had fewer rows): which, and its rows.
    public var alternative: (source: SourceKind, rows: Int)?
    /// Where a file-based body came from (Takeout: `<archive>:<entry>`).
    public var origin: String?

    public var rows: Int { day?.samples.count ?? 0 }

    /// Rule 2 of the design: a day is complete only with its data on disk and a sync after its end.
    public static func status(of day: HeartRateDay, body: RawBody) -> DayStatus {
        guard day.hasIntraday else { return .noAccess }
        let synced = body.coversWholeDay(day.date)
        if day.isEmpty { return synced ? .empty : .partial }
        return synced ? .complete : .partial
    }
}

extension AsyncSequence where Self: Sendable, Element == DecodedDay {
    /// Each typed day in UTC with the zone in force, and its status.
    public func normalized(by normalizer: Normalizer) -> NormalizeStage<Self> { NormalizeStage(self, normalizer: normalizer) }
}

/// The normalizer stage: wall clock to UTC with the zone in force that day, then the day's status.
public struct NormalizeStage<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == DecodedDay {
    let base: Base
    let normalizer: Normalizer

    public init(_ base: Base, normalizer: Normalizer) {
        self.base = base
        self.normalizer = normalizer
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let normalizer: Normalizer

        public mutating func next() async throws -> ProcessedDay? {
            guard let day = try await base.next() else { return nil }
            return normalizer.process(day)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), normalizer: normalizer) }
}

extension Normalizer {
    public func process(_ day: DecodedDay) -> ProcessedDay {
        var result = ProcessedDay(date: day.date, detail: day.detail, status: .failed, fetchedAt: day.body?.fetchedAt,
                                  lastSync: day.lastSync, fromNetwork: day.body?.origin == .network, source: day.source)
        result.origin = day.body?.notes["origin"]
        switch day.outcome {
        case .notYetSynced:
            result.status = .partial
        case .failed(let failure):
            result.failure = failure
        case .decoded(let decoded):
            do {
                result.day = try normalize(decoded)
                result.day?.source = day.source
                result.status = ProcessedDay.status(of: decoded, body: day.body!)
            } catch {
                result.failure = error
            }
        }
        return result
    }
}
