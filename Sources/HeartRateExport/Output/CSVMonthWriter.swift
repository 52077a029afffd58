/// Gzip-compressed CSV: `time,local_time,utc_offset_min,bpm`, times in ISO 8601 (`time` with `Z`).
public struct CSVMonthWriter: MonthFileWriter {
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
}
