/// A day after decoding: the typed day, or why there is none.
public struct DecodedDay: Sendable {
    public enum Outcome: Sendable {
        case decoded(HeartRateDay)
        case failed(DayFailure)
        case notYetSynced
    }

    public var date: LocalDate
    public var detail: Detail
    public var source: SourceKind = .fitbit
    public var outcome: Outcome
    public var body: RawBody?
    public var lastSync: LocalDateTime?
}

extension AsyncSequence where Self: Sendable, Element == FetchedDay {
    /// Each body read by its source's decoder into a typed day (or why it could not be).
    public func decoded() -> DecodeStage<Self> { DecodeStage(self) }
}

/// The decoder stage: each day's body is read by its source's decoder; a malformed body fails its day only.
public struct DecodeStage<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == FetchedDay {
    let base: Base

    public init(_ base: Base) {
        self.base = base
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator

        public mutating func next() async throws -> DecodedDay? {
            guard let day = try await base.next() else { return nil }
            switch day.outcome {
            case .notYetSynced:
                return DecodedDay(date: day.date, detail: day.detail, source: day.source, outcome: .notYetSynced, lastSync: day.lastSync)
            case .failed(let failure):
                return DecodedDay(date: day.date, detail: day.detail, source: day.source, outcome: .failed(failure), lastSync: day.lastSync)
            case .body(let body):
                let outcome: DecodedDay.Outcome
                do { outcome = .decoded(try day.source.decoder.decode(body, date: day.date, detail: day.detail)) } catch { outcome = .failed(error) }
                return DecodedDay(date: day.date, detail: day.detail, source: day.source, outcome: outcome, body: body, lastSync: body.lastSync)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
}
