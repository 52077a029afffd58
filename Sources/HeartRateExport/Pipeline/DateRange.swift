/// The days to fetch, in order: `from` through `to`, minus the days already settled.
public struct DateRange: AsyncSequence, Sequence, Sendable {
    public let from: LocalDate
    public let to: LocalDate
    public let skipping: Set<LocalDate>

    public init(from: LocalDate, to: LocalDate, skipping: Set<LocalDate> = []) {
        self.from = from
        self.to = to
        self.skipping = skipping
    }

    public struct Iterator: IteratorProtocol, AsyncIteratorProtocol {
        var cursor: LocalDate
        let range: DateRange

        public mutating func next() -> LocalDate? {
            while cursor <= range.to {
                let day = cursor
                cursor = cursor.adding(days: 1)
                if !range.skipping.contains(day) { return day }
            }
            return nil
        }
    }

    public func makeIterator() -> Iterator { Iterator(cursor: from, range: self) }
    public func makeAsyncIterator() -> Iterator { makeIterator() }
}

/// Days in a given order: what a sync planned.
public struct DayList: AsyncSequence, Sendable {
    public let days: [LocalDate]

    public init(_ days: [LocalDate]) {
        self.days = days
    }

    public struct Iterator: AsyncIteratorProtocol {
        var remaining: ArraySlice<LocalDate>

        public mutating func next() -> LocalDate? { remaining.popFirst() }
    }

    public func makeAsyncIterator() -> Iterator { Iterator(remaining: days[...]) }
}
