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
                let rows = try Self.json(body.bytes)
                if times == .utc {
                    return HeartRateDay(date: date, detail: detail, instants: rows.map { Sample(epochMillis: $0.seconds * 1000, utcOffsetMinutes: 0, bpm: $0.bpm) },
                                        needOffsets: true)
                }
                // Local wall clock: this day's times only (a file may run a few seconds past midnight).
                let midnight = Int64(date.daysSinceEpoch) * 86_400
                let samples = rows.compactMap { row -> WallClockSample? in
                    let second = row.seconds - midnight
                    return (0..<86_400).contains(second) ? WallClockSample(secondOfDay: Int32(second), bpm: row.bpm) : nil
                }
                return HeartRateDay(date: date, detail: detail, samples: samples, summary: DailySummary())
            }
            return HeartRateDay(date: date, detail: detail, instants: try Self.csv(body.bytes), needOffsets: true)
        } catch {
            throw DayFailure(date: date, kind: .decode, message: "malformed Takeout file: \(error.description)")
        }
    }

    /// `(seconds since the epoch as written, bpm)` of each plausible record.
    static func json(_ bytes: [UInt8]) throws(JSONScanner.Failure) -> [(seconds: Int64, bpm: Int16)] {
        var scanner = JSONScanner(bytes)
        var rows = [(seconds: Int64, bpm: Int16)]()
        rows.reserveCapacity(bytes.count / 60)
        try scanner.array { (s) throws(JSONScanner.Failure) in
            let start = s.position
            var seconds: Int64?
            var bpm: Int?
            try s.object { (s, key) throws(JSONScanner.Failure) in
                switch key {
                case "dateTime":
                    seconds = try s.string("dateTime", expected: "MM/DD/YY HH:MM:SS", at: start) { Self.fitbitDateTime($0) }
                case "value":
                    try s.object { (s, key) throws(JSONScanner.Failure) in
                        guard key == "bpm" else { return try s.skip() }
                        if let small = try s.smallInteger() { bpm = small } else { bpm = try s.value().integer }
                    }
                default:
                    try s.skip()
                }
            }
            guard let seconds, let bpm else { throw JSONScanner.Failure(offset: start, reason: "a record lacks dateTime or value.bpm") }
            if HeartRateDecoder.plausibleBPM.contains(bpm) { rows.append((seconds, Int16(bpm))) }
        }
        try scanner.end()
        return rows
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
    static func csv(_ bytes: [UInt8]) throws(JSONScanner.Failure) -> [Sample] {
        var samples = [Sample]()
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
            guard fields.count >= 2, let millis = RFC3339.millis(fields[0]),
                  let bpm = Int(String(decoding: fields[1], as: UTF8.self).trimmingCharacters(in: .whitespaces)) ?? Double(String(decoding: fields[1], as: UTF8.self)).map({ Int($0.rounded()) }) else {
                throw JSONScanner.Failure(offset: lineStart, reason: "CSV line \(lineNumber) is not `<UTC timestamp>,<bpm>`")
            }
            if HeartRateDecoder.plausibleBPM.contains(bpm) { samples.append(Sample(epochMillis: millis, utcOffsetMinutes: 0, bpm: Int16(bpm))) }
        }
        return samples
    }
}
