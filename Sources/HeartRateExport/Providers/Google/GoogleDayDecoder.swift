import Foundation

/// Decodes a day's pages of Google heart-rate data points into instants with their own offsets.
/// `beatsPerMinute` is an int64 and so arrives as a string; `utcOffset` is a duration such as `"-25200s"`.
public struct GoogleDayDecoder: DayDecoder {
    public init() {}

    public func decode(_ body: RawBody, date: LocalDate, detail: Detail) throws(DayFailure) -> HeartRateDay {
        var points: [Sample]
        let dropped: Int
        do { (points, dropped) = try Self.pages(body.bytes) } catch {
            throw DayFailure(date: date, kind: .decode, message: "malformed data points: \(error.description)")
        }
        // The civil_time filter chose the day; a point outside it would belong to another day's file.
        let dayStart = Int64(date.daysSinceEpoch) * 86_400_000
        points.removeAll { $0.localMillis < dayStart || $0.localMillis >= dayStart + 86_400_000 }
        // Newest first from the API; the normalizer sorts.
        let zone = points.max { $0.epochMillis < $1.epochMillis }.map { ZoneLabel.fixed(offsetSeconds: Int($0.utcOffsetMinutes) * 60) }
        var day = HeartRateDay(date: date, detail: detail, instants: points, observedZone: zone)
        day.droppedValues = dropped
        return day
    }

    /// The data points of a JSON array of page bodies.
    static func pages(_ bytes: [UInt8]) throws(JSONScanner.Failure) -> (samples: [Sample], dropped: Int) {
        var scanner = JSONScanner(bytes)
        var samples = [Sample]()
        var dropped = 0
        try scanner.array { (s) throws(JSONScanner.Failure) in try page(&s, into: &samples, dropped: &dropped) }
        try scanner.end()
        return (samples, dropped)
    }

    /// The data points of single pages (the newest-sample query).
    static func points(of pages: [[UInt8]]) throws(ExportError) -> [Sample] {
        var samples = [Sample]()
        var dropped = 0
        for bytes in pages {
            var scanner = JSONScanner(bytes)
            do {
                try page(&scanner, into: &samples, dropped: &dropped)
                try scanner.end()
            } catch {
                throw .http(endpoint: "dataPoints", status: 200, message: "malformed answer: \(error.description)")
            }
        }
        return samples
    }

    private static func page(_ s: inout JSONScanner, into samples: inout [Sample], dropped: inout Int) throws(JSONScanner.Failure) {
        try s.object { (s, key) throws(JSONScanner.Failure) in
            guard key == "dataPoints" else { return try s.skip() }
            try s.array { (s) throws(JSONScanner.Failure) in
                let start = s.position
                var sample: Sample??
                try s.object { (s, key) throws(JSONScanner.Failure) in
                    guard key == "heartRate" else { return try s.skip() }
                    sample = .some(try heartRate(&s, start: start))
                }
                guard let found = sample else { throw JSONScanner.Failure(offset: start, reason: "a data point lacks heartRate") }
                guard let point = found else {
                    dropped += 1
                    return
                }
                if BPMValue.plausible.contains(Int(point.bpm)) { samples.append(point) }
            }
        }
    }

    /// One point's sample; nil when its bpm is not a number an integer can hold (dropped and counted).
    private static func heartRate(_ s: inout JSONScanner, start: Int) throws(JSONScanner.Failure) -> Sample? {
        var instant: Int64?
        var offset: Int?
        var bpm: Int?
        var unrepresentable = false
        try s.object { (s, key) throws(JSONScanner.Failure) in
            switch key {
            case "sampleTime":
                try s.object { (s, key) throws(JSONScanner.Failure) in
                    switch key {
                    case "physicalTime":
                        instant = try s.string("physicalTime", expected: "an RFC 3339 UTC time", at: start) { RFC3339.millis($0) }
                    case "utcOffset":
                        let text = try s.string()
                        guard text.hasSuffix("s"), let seconds = Double(text.dropLast()), abs(seconds) <= 18 * 3600 else {
                            throw JSONScanner.Failure(offset: start, reason: "utcOffset \"\(text)\" is not a duration in seconds")
                        }
                        offset = Int(seconds)
                    default:
                        try s.skip()
                    }
                }
            case "beatsPerMinute":
                // An int64, so usually a string; a number outside what any integer holds is dropped and counted.
                let value = try s.value()
                let number: BPMValue.Number
                switch value {
                case .number(let v): number = BPMValue.number(v)
                case .string(let text): number = Int(text).map { .whole($0) } ?? Double(text).map { BPMValue.number($0) } ?? .fraction
                default: number = .fraction
                }
                switch number {
                case .whole(let whole): bpm = whole
                case .unrepresentable: unrepresentable = true
                case .fraction: throw JSONScanner.Failure(offset: start, reason: "beatsPerMinute \(Printable.escaped(String(describing: value), limit: 40)) is not a whole number")
                }
            default:
                try s.skip()
            }
        }
        if unrepresentable, instant != nil { return nil }
        guard let instant, let bpm else { throw JSONScanner.Failure(offset: start, reason: "a heart-rate point lacks physicalTime or beatsPerMinute") }
        // A zero offset may be omitted, as zero fields are.
        return Sample(epochMillis: instant, utcOffsetMinutes: Int16((offset ?? 0) / 60), bpm: Int16(clamping: bpm))
    }
}
