import Gzip

/// Gzip-compressed CSV: `time,local_time,utc_offset_min,bpm,user_id`, times in ISO 8601 (`time` with `Z`).
/// `user_id` ends every line (user ids are letters, digits, `_` and `-`, never quoted); files written before it
/// existed lack it and still read back.
public struct CSVMonthFormat: MonthFileFormat {
    public static let intradayHeader = "time,local_time,utc_offset_min,bpm,user_id\n"
    /// The daily header of 0.1 files, before the HRV columns: such a file is still ours to replace.
    static let firstRoundDailyHeader = "date,resting_bpm,zone_out_of_range_min,zone_fat_burn_min,zone_cardio_min,zone_peak_min,samples\n"
    public static let dailyHeader = "date,resting_bpm,zone_out_of_range_min,zone_fat_burn_min,zone_cardio_min,zone_peak_min,samples,hrv_rmssd_ms,hrv_deep_rmssd_ms,hrv_nrem_bpm,hrv_entropy,user_id\n"
    public static let hrvHeader = "time,local_time,utc_offset_min,rmssd_ms,coverage,lf,hf,sdnn_ms,user_id\n"
    private static let userSuffix = ",user_id\n"

    /// A header as written before `user_id` was added.
    static func withoutUser(_ header: String) -> String { String(header.dropLast(userSuffix.count)) + "\n" }

    public var format: OutputFormat { .csv }

    public init() {}

    public func writeIntraday(_ days: [NormalizedDay], context: MonthFileContext, to path: String, permissions: FilePermissions) throws(ExportError) {
        try AtomicFile.write(to: path, permissions: permissions) { (sink) throws(ExportError) in
            let gzip = GzipEncoder()
            gzip.append(Array(Self.intradayHeader.utf8))
            let lineEnd = Array(",\(context.user)\n".utf8)
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
                    line += lineEnd
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

    /// Nulls are empty fields; doubles in their shortest text that reads back exactly (`30.0`, `0.935`, `1e-05`).
    public func writeDaily(_ rows: [DailyRow], context: MonthFileContext, to path: String, permissions: FilePermissions) throws(ExportError) {
        var text = Array(Self.dailyHeader.utf8)
        let lineEnd = Array(",\(context.user)\n".utf8)
        for row in rows {
            // The canonical line (what the manifest's digest covers) with the user added before its newline.
            text += Array(DailyCanonical.line(row).utf8.dropLast())
            text += lineEnd
        }
        try AtomicFile.write(GzipEncoder.compress(text), to: path, permissions: permissions)
    }

    public func writeHRV(_ samples: [HRVSample], context: MonthFileContext, to path: String, permissions: FilePermissions) throws(ExportError) {
        var text = Array(Self.hrvHeader.utf8)
        let lineEnd = Array(",\(context.user)\n".utf8)
        for s in samples {
            TimestampText.append(millis: s.epochMillis, zulu: true, to: &text)
            text.append(UInt8(ascii: ","))
            TimestampText.append(millis: s.localMillis, zulu: false, to: &text)
            text.append(UInt8(ascii: ","))
            TimestampText.appendInteger(Int(s.utcOffsetMinutes), &text)
            for value in [s.rmssd, s.coverage, s.lf, s.hf, s.sdnn] {
                text.append(UInt8(ascii: ","))
                if let value { text += Array(value.description.utf8) }
            }
            text += lineEnd
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
            let bad = ExportError.corrupt(path: path, message: "line \(line) is not a daily row")
            guard fields.count == 11, let date = LocalDate(String(decoding: fields[0], as: UTF8.self)) else { throw bad }
            func integer(_ i: Int) throws(ExportError) -> Int? {
                guard !fields[i].isEmpty else { return nil }
                guard let value = Self.integer(fields[i]) else { throw bad }
                return value
            }
            func double(_ i: Int) throws(ExportError) -> Double? {
                guard !fields[i].isEmpty else { return nil }
                guard let value = Double(String(decoding: fields[i], as: UTF8.self)), value.isFinite else { throw bad }
                return value
            }
            var zones = [Int16]()
            for i in 2...5 { if let minutes = try integer(i) { zones.append(Int16(clamping: minutes)) } }
            guard zones.isEmpty || zones.count == 4, let samples = try integer(6).flatMap(Int32.init(exactly:)) else { throw bad }
            let values = DailyValues(restingBPM: try integer(1).map { Int16(clamping: $0) }, zoneMinutes: zones.isEmpty ? nil : zones,
                                     hrvRMSSD: try double(7), hrvDeepRMSSD: try double(8), hrvNREMBPM: try double(9), hrvEntropy: try double(10))
            rows.append(DailyRow(date: date, values: values, samples: samples))
        }
        return rows
    }

    public func readHRV(from path: String) throws(ExportError) -> [HRVSample] {
        var samples = [HRVSample]()
        try Self.readLines(path, header: Self.hrvHeader) { (fields, line) throws(ExportError) in
            let bad = ExportError.corrupt(path: path, message: "line \(line) is not `\(Self.hrvHeader.dropLast())` with a consistent local time")
            guard fields.count == 8, let time = TimestampText.parse(fields[0], zulu: true), let local = TimestampText.parse(fields[1], zulu: false),
                  let offset = Self.integer(fields[2]).flatMap(Int16.init(exactly:)), local == time + Int64(offset) * 60_000 else { throw bad }
            var values = [Double?]()
            for field in fields[3...] {
                if field.isEmpty { values.append(nil); continue }
                guard let value = Double(String(decoding: field, as: UTF8.self)), value.isFinite else { throw bad }
                values.append(value)
            }
            samples.append(HRVSample(epochMillis: time, utcOffsetMinutes: offset, rmssd: values[0], coverage: values[1], lf: values[2], hf: values[3], sdnn: values[4]))
        }
        return samples
    }

    public func isOurs(_ path: String) -> Bool {
        guard let bytes = try? FileSystem.read(path), let head = GzipDecoder.head(bytes, count: 256) else { return false }
        let headers = [Self.intradayHeader, Self.dailyHeader, Self.hrvHeader]
        return (headers + headers.map(Self.withoutUser) + [Self.firstRoundDailyHeader]).contains { head.starts(with: Array($0.utf8)) }
    }

    /// Hands each line's fields to `row` without the `user_id`, which must be one id on every line of the file.
    /// A file with the header of before `user_id` reads the same.
    private static func readLines(_ path: String, header: String, _ row: ([ArraySlice<UInt8>], Int) throws(ExportError) -> Void) throws(ExportError) {
        guard let compressed = try FileSystem.read(path) else { throw .corrupt(path: path, message: "missing") }
        let text: [UInt8]
        do { text = try GzipDecoder.decompress(compressed) } catch { throw .corrupt(path: path, message: error.description) }
        let lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard text.last == UInt8(ascii: "\n"), let first = lines.first.map({ Array($0) + [UInt8(ascii: "\n")] }),
              first == Array(header.utf8) || first == Array(withoutUser(header).utf8) else {
            throw .corrupt(path: path, message: "does not start with the header `\(header.dropLast())` or lacks its final newline")
        }
        let hasUser = first == Array(header.utf8)
        var user: ArraySlice<UInt8>?
        for (index, line) in lines.dropFirst().dropLast().enumerated() {
            var fields = line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            if hasUser {
                guard let last = fields.popLast(), !last.isEmpty, last == (user ?? last) else {
                    throw .corrupt(path: path, message: "line \(index + 2) has another user_id than the lines before it, or none")
                }
                user = last
            }
            try row(fields, index + 2)
        }
    }

    private static func integer(_ field: ArraySlice<UInt8>) -> Int? {
        Int(String(decoding: field, as: UTF8.self))
    }
}
