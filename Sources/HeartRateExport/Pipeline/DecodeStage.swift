/// A day after decoding: the typed day, or why there is none.
public struct DecodedDay: Sendable {
    public enum Outcome: Sendable {
        case decoded(HeartRateDay)
        case failed(DayFailure)
        case notYetSynced
    }

    public var date: LocalDate
    public var detail: Detail
    public var outcome: Outcome
    public var body: RawBody?
    public var lastSync: LocalDateTime?
}

/// The decoder stage: a malformed body fails its day only.
public struct DecodeStage<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == FetchedDay {
    let base: Base
    let decoder: HeartRateDecoder

    public init(_ base: Base, decoder: HeartRateDecoder = HeartRateDecoder()) {
        self.base = base
        self.decoder = decoder
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let decoder: HeartRateDecoder

        public mutating func next() async throws -> DecodedDay? {
            guard let day = try await base.next() else { return nil }
            switch day.outcome {
            case .notYetSynced:
                return DecodedDay(date: day.date, detail: day.detail, outcome: .notYetSynced, lastSync: day.lastSync)
            case .failed(let failure):
                return DecodedDay(date: day.date, detail: day.detail, outcome: .failed(failure), lastSync: day.lastSync)
            case .body(let body):
                let outcome: DecodedDay.Outcome
                do { outcome = .decoded(try decoder.decode(body.bytes, date: day.date, detail: day.detail)) } catch { outcome = .failed(error) }
                return DecodedDay(date: day.date, detail: day.detail, outcome: outcome, body: body, lastSync: body.lastSync)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), decoder: decoder) }
}
