import Foundation
import Parquet

/// Month files as Parquet: one row group, GZIP pages, the columns and key/value metadata of the design.
/// A `pandas` key in pyarrow's layout makes every pandas engine (fastparquet too) return a tz-aware `time`.
public struct ParquetMonthFormat: MonthFileFormat {
    public var options: ParquetWriterOptions

    public var format: OutputFormat { .parquet }

    public init(options: ParquetWriterOptions = ParquetWriterOptions()) {
        self.options = options
    }

    private static let int16 = (converted: ConvertedType.int16, logical: LogicalType.integer(bitWidth: 16, signed: true))
    private static let times: [Encoding] = [.deltaBinaryPacked, .plain]

    /// The last column of every month file: whose rows these are, so that a glob over many participants' folders
    /// reads as one table. One value per file: a dictionary of one entry and a run of zeros, a few bytes a month.
    /// Files written before it existed lack it and still read back (`rebuild` adds it). Only the dictionary is
    /// tried: a PLAIN trial compressed the id once per row (a month of 1min, 700 kB) only to lose, and made a
    /// nightly sync of 1,000 users 1.4 times the CPU (`make bench`).
    public static let userColumn = ColumnSpec("user_id", .byteArray, convertedType: .utf8, logicalType: .string, candidates: [.rleDictionary])

    public static let intradayColumns = [
        ColumnSpec("time", .int64, convertedType: .timestampMillis, logicalType: .timestampMillis(adjustedToUTC: true), candidates: times),
        ColumnSpec("local_time", .int64, convertedType: .timestampMillis, logicalType: .timestampMillis(adjustedToUTC: false), candidates: times),
        ColumnSpec("utc_offset_min", .int32, convertedType: int16.converted, logicalType: int16.logical),
        ColumnSpec("bpm", .int32, convertedType: int16.converted, logicalType: int16.logical),
        userColumn,
    ]

    /// DOUBLE columns: a dictionary where values repeat, else PLAIN. BYTE_STREAM_SPLIT was measured and dropped:
    /// fastparquet 2026.9 cannot read it, and on a month of HRV windows it came out 1.8 times the size of PLAIN
    /// after gzip (60.6 kB against 33.2 kB; a dictionary, 32.4 kB).
    private static let doubles: [Encoding] = [.rleDictionary, .plain]

    private static func double(_ name: String) -> ColumnSpec { ColumnSpec(name, .double, optional: true, candidates: doubles) }

    /// Zone minutes are null where a source has none (Google, Takeout): the columns are optional.
    public static let dailyColumns = [
        ColumnSpec("date", .int32, convertedType: .date, logicalType: .date),
        ColumnSpec("resting_bpm", .int32, optional: true, convertedType: int16.converted, logicalType: int16.logical),
        ColumnSpec("zone_out_of_range_min", .int32, optional: true, convertedType: int16.converted, logicalType: int16.logical),
        ColumnSpec("zone_fat_burn_min", .int32, optional: true, convertedType: int16.converted, logicalType: int16.logical),
        ColumnSpec("zone_cardio_min", .int32, optional: true, convertedType: int16.converted, logicalType: int16.logical),
        ColumnSpec("zone_peak_min", .int32, optional: true, convertedType: int16.converted, logicalType: int16.logical),
        ColumnSpec("samples", .int32),
        double("hrv_rmssd_ms"), double("hrv_deep_rmssd_ms"), double("hrv_nrem_bpm"), double("hrv_entropy"),
        userColumn,
    ]

    public static let hrvColumns = [
        ColumnSpec("time", .int64, convertedType: .timestampMillis, logicalType: .timestampMillis(adjustedToUTC: true), candidates: times),
        ColumnSpec("local_time", .int64, convertedType: .timestampMillis, logicalType: .timestampMillis(adjustedToUTC: false), candidates: times),
        ColumnSpec("utc_offset_min", .int32, convertedType: int16.converted, logicalType: int16.logical),
        double("rmssd_ms"), double("coverage"), double("lf"), double("hf"), double("sdnn_ms"),
        userColumn,
    ]

    public func writeIntraday(_ days: [NormalizedDay], context: MonthFileContext, to path: String, permissions: FilePermissions) throws(ExportError) {
        let writer = ParquetFileWriter(columns: Self.intradayColumns, options: options)
        let (time, local, offset, bpm) = (writer.column(0), writer.column(1), writer.column(2), writer.column(3))
        for day in days {
            for s in day.samples {
                time.append(s.epochMillis)
                local.append(s.localMillis)
                offset.append(Int64(s.utcOffsetMinutes))
                bpm.append(Int64(s.bpm))
            }
        }
        writer.column(4).append(text: context.user, count: days.reduce(0) { $0 + $1.samples.count })
        let first = days.first?.date, last = days.last?.date
        try write(writer, keyValues: Self.keyValues(context, detail: context.detail.rawValue, first: first, last: last, pandas: Self.intradayPandas), to: path, permissions: permissions)
    }

    public func writeDaily(_ rows: [DailyRow], context: MonthFileContext, to path: String, permissions: FilePermissions) throws(ExportError) {
        let writer = ParquetFileWriter(columns: Self.dailyColumns, options: options)
        for row in rows {
            let v = row.values
            writer.column(0).append(Int64(row.date.daysSinceEpoch))
            writer.column(1).append(v.restingBPM.map(Int64.init))
            for zone in 0..<4 { writer.column(2 + zone).append(v.zoneMinutes.map { Int64($0[zone]) }) }
            writer.column(6).append(Int64(row.samples))
            writer.column(7).append(double: v.hrvRMSSD)
            writer.column(8).append(double: v.hrvDeepRMSSD)
            writer.column(9).append(double: v.hrvNREMBPM)
            writer.column(10).append(double: v.hrvEntropy)
        }
        writer.column(11).append(text: context.user, count: rows.count)
        try write(writer, keyValues: Self.keyValues(context, detail: "daily", first: rows.first?.date, last: rows.last?.date, pandas: Self.dailyPandas),
                  to: path, permissions: permissions)
    }

    public func writeHRV(_ samples: [HRVSample], context: MonthFileContext, to path: String, permissions: FilePermissions) throws(ExportError) {
        let writer = ParquetFileWriter(columns: Self.hrvColumns, options: options)
        for s in samples {
            writer.column(0).append(s.epochMillis)
            writer.column(1).append(s.localMillis)
            writer.column(2).append(Int64(s.utcOffsetMinutes))
            writer.column(3).append(double: s.rmssd)
            writer.column(4).append(double: s.coverage)
            writer.column(5).append(double: s.lf)
            writer.column(6).append(double: s.hf)
            writer.column(7).append(double: s.sdnn)
        }
        writer.column(8).append(text: context.user, count: samples.count)
        try write(writer, keyValues: Self.keyValues(context, detail: "hrv", first: samples.first?.localDate, last: samples.last?.localDate, pandas: Self.hrvPandas),
                  to: path, permissions: permissions)
    }

    private func write(_ writer: ParquetFileWriter, keyValues: [KeyValue], to path: String, permissions: FilePermissions) throws(ExportError) {
        try AtomicFile.write(to: path, permissions: permissions) { (sink) throws(ExportError) in
            try writer.finish(keyValues: keyValues, createdBy: "hrexport version \(HRExport.version)") { (bytes) throws(ExportError) in
                try sink.write(bytes)
            }
        }
    }

    public func readIntraday(from path: String) throws(ExportError) -> [Sample] {
        let columns = try read(path, expecting: Self.intradayColumns)
        let (time, local, offset, bpm) = (columns[0].values, columns[1].values, columns[2].values, columns[3].values)
        var samples = [Sample]()
        samples.reserveCapacity(time.count)
        for row in time.indices {
            guard let minutes = Int16(exactly: offset[row]), let beats = Int16(exactly: bpm[row]),
                  local[row] == time[row] + Int64(minutes) * 60_000 else {
                throw .corrupt(path: path, message: "row \(row) has a local_time that is not time + utc_offset_min, or an out-of-range INT16")
            }
            samples.append(Sample(epochMillis: time[row], utcOffsetMinutes: minutes, bpm: beats))
        }
        return samples
    }

    public func readDaily(from path: String) throws(ExportError) -> [DailyRow] {
        let columns = try read(path, expecting: Self.dailyColumns)
        return columns[0].values.indices.map { row in
            let zones = (2...5).compactMap { columns[$0].value(at: row).map { Int16(clamping: $0) } }
            let values = DailyValues(restingBPM: columns[1].value(at: row).map { Int16(clamping: $0) }, zoneMinutes: zones.count == 4 ? zones : nil,
                                     hrvRMSSD: columns[7].double(at: row), hrvDeepRMSSD: columns[8].double(at: row),
                                     hrvNREMBPM: columns[9].double(at: row), hrvEntropy: columns[10].double(at: row))
            return DailyRow(date: LocalDate(daysSinceEpoch: Int(columns[0].values[row])), values: values, samples: Int32(clamping: columns[6].values[row]))
        }
    }

    public func readHRV(from path: String) throws(ExportError) -> [HRVSample] {
        let columns = try read(path, expecting: Self.hrvColumns)
        var samples = [HRVSample]()
        for row in columns[0].values.indices {
            let (time, local) = (columns[0].values[row], columns[1].values[row])
            guard let minutes = Int16(exactly: columns[2].values[row]), local == time + Int64(minutes) * 60_000 else {
                throw .corrupt(path: path, message: "row \(row) has a local_time that is not time + utc_offset_min, or an out-of-range INT16")
            }
            samples.append(HRVSample(epochMillis: time, utcOffsetMinutes: minutes, rmssd: columns[3].double(at: row), coverage: columns[4].double(at: row),
                                     lf: columns[5].double(at: row), hf: columns[6].double(at: row), sdnn: columns[7].double(at: row)))
        }
        return samples
    }

    public func isOurs(_ path: String) -> Bool {
        guard let bytes = try? FileSystem.read(path), let reader = try? ParquetFileReader(bytes: bytes) else { return false }
        return reader.metadata.createdBy.hasPrefix("hrexport version ") && reader.metadata.value(forKey: "hrexport.user") != nil
    }

    /// The columns of a month file, `user_id` checked and left out: it must name the file's `hrexport.user` on every row.
    /// A file from before `user_id` existed has every other column and reads the same.
    private func read(_ path: String, expecting specs: [ColumnSpec]) throws(ExportError) -> [ColumnData] {
        guard let bytes = try FileSystem.read(path) else { throw .corrupt(path: path, message: "missing") }
        do {
            let reader = try ParquetFileReader(bytes: bytes)
            let names = reader.leaves.map(\.name)
            let expected = specs.map(\.name)
            guard names == expected || names == expected.dropLast() else { throw ExportError.corrupt(path: path, message: "columns are \(names), expected \(expected)") }
            var columns = try reader.readColumns()
            if names == expected, let users = columns.popLast() {
                let user = reader.metadata.value(forKey: "hrexport.user") ?? ""
                if let row = users.values.indices.first(where: { users.text(at: $0) != user }) {
                    throw ExportError.corrupt(path: path, message: "row \(row) has user_id \(users.text(at: row).map { "`\($0)`" } ?? "null"), the file is `\(user)`'s")
                }
            }
            return columns
        } catch let error as ParquetError {
            throw .corrupt(path: path, message: error.description)
        } catch let error as ExportError {
            throw error
        } catch {
            throw .corrupt(path: path, message: "\(error)")
        }
    }

    // MARK: key/value metadata

    static func keyValues(_ context: MonthFileContext, detail: String, first: LocalDate?, last: LocalDate?, pandas: String) -> [KeyValue] {
        [KeyValue("hrexport.version", HRExport.version),
         KeyValue("hrexport.source", context.sourceLabel),
         KeyValue("hrexport.user", context.user),
         KeyValue("hrexport.detail", detail),
         KeyValue("hrexport.timezone", context.timeZone),
         KeyValue("hrexport.first_day", first?.description ?? ""),
         KeyValue("hrexport.last_day", last?.description ?? ""),
         KeyValue("pandas", pandas)]
    }

    /// pyarrow's `pandas` metadata layout: how pandas rebuilds the frame (UTC `time`, nullable Int16 resting bpm).
    private struct PandasMetadata: Encodable {
        struct Column: Encodable {
            var name: String
            var field_name: String
            var pandas_type: String
            var numpy_type: String
            var metadata: [String: String]?

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(name, forKey: .name)
                try c.encode(field_name, forKey: .field_name)
                try c.encode(pandas_type, forKey: .pandas_type)
                try c.encode(numpy_type, forKey: .numpy_type)
                try c.encode(metadata, forKey: .metadata)  // an explicit null, as pyarrow writes it
            }

            enum CodingKeys: String, CodingKey { case name, field_name, pandas_type, numpy_type, metadata }
        }

        var index_columns: [String] = []
        var column_indexes: [String] = []
        var columns: [Column]
        var creator = ["library": "hrexport", "version": HRExport.version]
        var pandas_version = "2.2.0"

        static func json(_ columns: [(String, String, String, [String: String]?)]) -> String {
            let value = PandasMetadata(columns: columns.map { Column(name: $0.0, field_name: $0.0, pandas_type: $0.1, numpy_type: $0.2, metadata: $0.3) })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
        }
    }

    static let intradayPandas = PandasMetadata.json([
        ("time", "datetimetz", "datetime64[ms]", ["timezone": "UTC"]),
        ("local_time", "datetime", "datetime64[ms]", nil),
        ("utc_offset_min", "int16", "int16", nil),
        ("bpm", "int16", "int16", nil),
        ("user_id", "unicode", "object", nil),
    ])

    static let dailyPandas = PandasMetadata.json([
        ("date", "date", "object", nil),
        ("resting_bpm", "int16", "Int16", nil),
        ("zone_out_of_range_min", "int16", "Int16", nil),
        ("zone_fat_burn_min", "int16", "Int16", nil),
        ("zone_cardio_min", "int16", "Int16", nil),
        ("zone_peak_min", "int16", "Int16", nil),
        ("samples", "int32", "int32", nil),
        ("hrv_rmssd_ms", "float64", "float64", nil),
        ("hrv_deep_rmssd_ms", "float64", "float64", nil),
        ("hrv_nrem_bpm", "float64", "float64", nil),
        ("hrv_entropy", "float64", "float64", nil),
        ("user_id", "unicode", "object", nil),
    ])

    static let hrvPandas = PandasMetadata.json([
        ("time", "datetimetz", "datetime64[ms]", ["timezone": "UTC"]),
        ("local_time", "datetime", "datetime64[ms]", nil),
        ("utc_offset_min", "int16", "int16", nil),
        ("rmssd_ms", "float64", "float64", nil),
        ("coverage", "float64", "float64", nil),
        ("lf", "float64", "float64", nil),
        ("hf", "float64", "float64", nil),
        ("sdnn_ms", "float64", "float64", nil),
        ("user_id", "unicode", "object", nil),
    ])
}
