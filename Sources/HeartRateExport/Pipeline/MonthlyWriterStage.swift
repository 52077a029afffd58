/// A month file written, with the days of this run it covers: what the manifest records next.
public struct WrittenMonth: Sendable {
    public var month: YearMonth
    /// This run's days, as they arrived (a failed refetch carries its archived day instead).
    public var days: [ProcessedDay]
    public var rowsInFile: Int
    public var files: [String]
    public var format: OutputFormat
    /// Every day in the intraday file, as written: the manifest's rows and sha256 must describe these.
    public var contents: [LocalDate: NormalizedDay]
}

extension AsyncSequence where Self: Sendable, Element == ProcessedDay {
    /// Each month's files written once its days have all arrived.
    public func writtenMonthly(by assembler: MonthAssembler) -> MonthlyWriterStage<Self> { MonthlyWriterStage(self, configuration: assembler) }
}

/// The writer stage: gathers one month of days, then writes that month's files atomically, rebuilt from this
/// run's days and the days earlier runs archived. Months are written in the order their days arrive.
public struct MonthlyWriterStage<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ProcessedDay {
    public typealias Configuration = MonthAssembler

    let base: Base
    let configuration: Configuration

    public init(_ base: Base, configuration: Configuration) {
        self.base = base
        self.configuration = configuration
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let configuration: Configuration
        var pending: [ProcessedDay] = []
        var lookahead: ProcessedDay?
        var finished = false

        public mutating func next() async throws -> WrittenMonth? {
            while !finished {
                let day: ProcessedDay
                if let held = lookahead {
                    day = held
                    lookahead = nil
                } else if let pulled = try await base.next() {
                    configuration.onDay(pulled)
                    day = pulled
                } else {
                    finished = true
                    break
                }
                if let first = pending.first, first.date.month != day.date.month {
                    lookahead = day
                    return try flush()
                }
                pending.append(day)
            }
            return pending.isEmpty ? nil : try flush()
        }

        private mutating func flush() throws(ExportError) -> WrittenMonth {
            defer { pending.removeAll() }
            return try configuration.write(month: pending[0].date.month, days: pending)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), configuration: configuration) }
}
