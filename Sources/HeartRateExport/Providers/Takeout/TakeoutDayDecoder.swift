/// How the `dateTime` of Takeout's JSON files reads: UTC (the default, as the evidence suggests) or the
/// user's local wall clock. The CSV files carry `Z` and are always UTC.
public enum TakeoutTimes: String, Sendable, CaseIterable {
    case utc, local
}

/// Decodes one Takeout day file, as stored in the raw archive: Fitbit's JSON
/// (`[{"dateTime":"MM/DD/YY HH:MM:SS","value":{"bpm":72,"confidence":2}}, ...]`) or Google's CSV
/// (`timestamp,beats per minute[,data source]`). The times reading rides in the stored body's notes.
public struct TakeoutDayDecoder: DayDecoder {
    public init() {}

    public func decode(_ body: RawBody, date: LocalDate, detail: Detail) throws(DayFailure) -> HeartRateDay {
        let times = body.notes["times"].flatMap(TakeoutTimes.init(rawValue:)) ?? .utc
        let first = body.bytes.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF }
        do {
            if first == UInt8(ascii: "[") {
                let (rows, dropped) = try Self.json(body.bytes)
                if times == .utc {
                    var day = HeartRateDay(date: date, detail: detail, instants: rows.map { Sample(epochMillis: $0.seconds * 1000, utcOffsetMinutes: 0, bpm: $0.bpm) },
                                           needOffsets: true)
                    day.droppedValues = dropped
                    return day
                }
                // Local wall clock: this day's times only (a file may run a few seconds past midnight).
                let midnight = Int64(date.daysSinceEpoch) * 86_400
                let samples = rows.compactMap { row -> WallClockSample? in
                    let second = row.seconds - midnight
                    return (0..<86_400).contains(second) ? WallClockSample(secondOfDay: Int32(second), bpm: row.bpm) : nil
                }
                var day = HeartRateDay(date: date, detail: detail, samples: samples, summary: DailySummary())
                day.droppedValues = dropped
                return day
            }
            let (samples, dropped) = try Self.csv(body.bytes)
            var day = HeartRateDay(date: date, detail: detail, instants: samples, needOffsets: true)
            day.droppedValues = dropped
            return day
        } catch {
            throw DayFailure(date: date, kind: .decode, message: "malformed Takeout file: \(error.description)")
        }
    }

    /// `(seconds since the epoch as written, bpm)` of each plausible record, and how many records had a bpm
    /// that is not a finite number (dropped).
    static func json(_ bytes: [UInt8]) throws(JSONScanner.Failure) -> (rows: [(seconds: Int64, bpm: Int16)], dropped: Int) {
        var scanner = JSONScanner(bytes)
        var rows = [(seconds: Int64, bpm: Int16)]()
        var dropped = 0
        rows.reserveCapacity(bytes.count / 60)
        try scanner.array { (s) throws(JSONScanner.Failure) in
            let start = s.position
            var seconds: Int64?
            var bpm: Int?
            var unrepresentable = false
            try s.object { (s, key) throws(JSONScanner.Failure) in
                switch key {
                case "dateTime":
                    seconds = try s.string("dateTime", expected: "MM/DD/YY HH:MM:SS", at: start) { Self.fitbitDateTime($0) }
                case "value":
                    try s.object { (s, key) throws(JSONScanner.Failure) in
                        guard key == "bpm" else { return try s.skip() }
                        if let small = try s.smallInteger() {
                            bpm = small
                            return
                        }
                        let value = try s.value()
                        switch value {
                        case .number(let number):
                            if case .whole(let whole) = BPMValue.number(number, rounding: true) { bpm = whole } else { unrepresentable = true }
                        case .string(let text):
                            bpm = Int(text)
                        default:
                            break
                        }
                    }
                default:
                    try s.skip()
                }
            }
            if unrepresentable, seconds != nil {
                dropped += 1
                return
            }
            guard let seconds, let bpm else { throw JSONScanner.Failure(offset: start, reason: "a record lacks dateTime or value.bpm") }
            if BPMValue.plausible.contains(bpm) { rows.append((seconds, Int16(bpm))) }
        }
        try scanner.end()
        return (rows, dropped)
    }

    /// `MM/DD/YY HH:MM:SS` (years 2000–2099) as seconds since 1970-01-01 on the same clock.
    static func fitbitDateTime(_ text: ArraySlice<UInt8>) -> Int64? {
        let b = Array(text)
        guard b.count == 17, b[2] == UInt8(ascii: "/"), b[5] == UInt8(ascii: "/"), b[8] == UInt8(ascii: " "),
              b[11] == UInt8(ascii: ":"), b[14] == UInt8(ascii: ":") else { return nil }
        func two(_ i: Int) -> Int? {
            guard (48...57).contains(b[i]), (48...57).contains(b[i + 1]) else { return nil }
            return Int(b[i] - 48) * 10 + Int(b[i + 1] - 48)
        }
        guard let month = two(0), let day = two(3), let year = two(6), let date = LocalDate(year: 2000 + year, month: month, day: day),
              let h = two(9), let m = two(12), let s = two(15), h < 24, m < 60, s < 60 else { return nil }
        return Int64(date.daysSinceEpoch) * 86_400 + Int64(h * 3600 + m * 60 + s)
    }

    /// Instants of `timestamp,beats per minute[,data source]` rows; the header is required.
    static func csv(_ bytes: [UInt8]) throws(JSONScanner.Failure) -> (samples: [Sample], dropped: Int) {
        var samples = [Sample]()
        var dropped = 0
        var lineStart = 0
        var lineNumber = 0
        while lineStart < bytes.count {
            var end = lineStart
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var line = bytes[lineStart..<end]
            if line.last == 0x0D { line = line.dropLast() }
            lineNumber += 1
            defer { lineStart = end + 1 }
            if lineNumber == 1 {
                let header = String(decoding: line, as: UTF8.self).trimmingPrefix("\u{FEFF}").lowercased()
                guard header.hasPrefix("timestamp,beats per minute") else {
                    throw JSONScanner.Failure(offset: 0, reason: "the CSV header is not `timestamp,beats per minute`")
                }
                continue
            }
            if line.isEmpty { continue }
            let fields = line.split(separator: UInt8(ascii: ","), maxSplits: 2, omittingEmptySubsequences: false)
            let text = String(decoding: fields.count >= 2 ? fields[1] : [], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            guard fields.count >= 2, let millis = RFC3339.millis(fields[0]), let number = Int(text).map(Double.init) ?? Double(text) else {
                throw JSONScanner.Failure(offset: lineStart, reason: "CSV line \(lineNumber) is not `<UTC timestamp>,<bpm>`")
            }
            // `inf`, `nan` and `1e309` parse as doubles but are no bpm: dropped and counted, never converted.
            guard case .whole(let bpm) = BPMValue.number(number, rounding: true) else {
                dropped += 1
                continue
            }
            if BPMValue.plausible.contains(bpm) { samples.append(Sample(epochMillis: millis, utcOffsetMinutes: 0, bpm: Int16(bpm))) }
        }
        return (samples, dropped)
    }
}
