import Gzip

/// Gzip-compressed CSV: `time,local_time,utc_offset_min,bpm`, times in ISO 8601 (`time` with `Z`).
public struct CSVMonthFormat: MonthFileFormat {
    public static let intradayHeader = "time,local_time,utc_offset_min,bpm\n"
    public static let dailyHeader = "date,resting_bpm,zone_out_of_range_min,zone_fat_burn_min,zone_cardio_min,zone_peak_min,samples\n"

    public var format: OutputFormat { .csv }

    public init() {}

    public func writeIntraday(_ days: [NormalizedDay], context: MonthFileContext, to path: String, permissions: FilePermissions) throws(ExportError) {
        try AtomicFile.write(to: path, permissions: permissions) { (sink) throws(ExportError) in
            let gzip = GzipEncoder()
            gzip.append(Array(Self.intradayHeader.utf8))
            var line = [UInt8]()
            line.reserveCapacity(1 << 16)
            for day in days {
                for s in day.samples {
                    TimestampText.append(millis: s.epochMillis, zulu: true, to: &line)
                    line.append(UInt8(ascii: ","))
                    TimestampText.append(millis: s.localMillis, zulu: false, to: &line)
                    line.append(UInt8(ascii: ","))
                    TimestampText.appendInteger(Int(s.utcOffsetMinutes), &line)
                    line.append(UInt8(ascii: ","))
                    TimestampText.appendInteger(Int(s.bpm), &line)
                    line.append(UInt8(ascii: "\n"))
                    if line.count >= 1 << 16 - 64 {
                        gzip.append(line)
                        line.removeAll(keepingCapacity: true)
                    }
                }
                try sink.write(gzip.drain())
            }
            gzip.append(line)
            gzip.finish()
            try sink.write(gzip.drain())
        }
    }

    public func writeDaily(_ rows: [DailyRow], context: MonthFileContext, to path: String, permissions: FilePermissions) throws(ExportError) {
        var text = Array(Self.dailyHeader.utf8)
        for row in rows {
            text += Array(row.date.description.utf8)
            text.append(UInt8(ascii: ","))
            if let resting = row.summary.restingBPM { TimestampText.appendInteger(Int(resting), &text) }
            for minutes in row.summary.zoneMinutes {
                text.append(UInt8(ascii: ","))
                TimestampText.appendInteger(Int(minutes), &text)
            }
            text.append(UInt8(ascii: ","))
            TimestampText.appendInteger(Int(row.samples), &text)
            text.append(UInt8(ascii: "\n"))
        }
        try AtomicFile.write(GzipEncoder.compress(text), to: path, permissions: permissions)
    }

    public func readIntraday(from path: String) throws(ExportError) -> [Sample] {
        var samples = [Sample]()
        try Self.readLines(path, header: Self.intradayHeader) { (fields, line) throws(ExportError) in
            guard fields.count == 4, let time = TimestampText.parse(fields[0], zulu: true), let local = TimestampText.parse(fields[1], zulu: false),
                  let offset = Self.integer(fields[2]).flatMap(Int16.init(exactly:)), let bpm = Self.integer(fields[3]).flatMap(Int16.init(exactly:)),
                  local == time + Int64(offset) * 60_000 else {
                throw .corrupt(path: path, message: "line \(line) is not `time,local_time,utc_offset_min,bpm` with a consistent local time")
            }
            samples.append(Sample(epochMillis: time, utcOffsetMinutes: offset, bpm: bpm))
        }
        return samples
    }

    public func readDaily(from path: String) throws(ExportError) -> [DailyRow] {
        var rows = [DailyRow]()
        try Self.readLines(path, header: Self.dailyHeader) { (fields, line) throws(ExportError) in
            let numbers = fields.dropFirst().map { Self.integer($0) }
            guard fields.count == 7, let date = LocalDate(String(decoding: fields[0], as: UTF8.self)),
                  numbers.dropFirst().allSatisfy({ $0 != nil }), fields[1].isEmpty || numbers[0] != nil,
                  let samples = numbers[5].flatMap(Int32.init(exactly:)) else {
                throw .corrupt(path: path, message: "line \(line) is not a daily row")
            }
            let zones = numbers[1...4].map { Int16(clamping: $0!) }
            rows.append(DailyRow(date: date, summary: DailySummary(restingBPM: numbers[0].map { Int16(clamping: $0) }, zoneMinutes: zones), samples: samples))
        }
        return rows
    }

    public func isOurs(_ path: String) -> Bool {
        guard let bytes = try? FileSystem.read(path), let head = GzipDecoder.head(bytes, count: 128) else { return false }
        return [Self.intradayHeader, Self.dailyHeader].contains { head.starts(with: Array($0.utf8)) }
    }

    private static func readLines(_ path: String, header: String, _ row: ([ArraySlice<UInt8>], Int) throws(ExportError) -> Void) throws(ExportError) {
        guard let compressed = try FileSystem.read(path) else { throw .corrupt(path: path, message: "missing") }
        let text: [UInt8]
        do { text = try GzipDecoder.decompress(compressed) } catch { throw .corrupt(path: path, message: error.description) }
        let lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard text.last == UInt8(ascii: "\n"), let first = lines.first, Array(first) + [UInt8(ascii: "\n")] == Array(header.utf8) else {
            throw .corrupt(path: path, message: "does not start with the header `\(header.dropLast())` or lacks its final newline")
        }
        for (index, line) in lines.dropFirst().dropLast().enumerated() {
            try row(line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false), index + 2)
        }
    }

    private static func integer(_ field: ArraySlice<UInt8>) -> Int? {
        Int(String(decoding: field, as: UTF8.self))
    }
}
