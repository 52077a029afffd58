import Testing
@testable import Parquet

@Suite("Parquet files")
struct FileRoundTripTests {
    private func write(_ specs: [ColumnSpec], options: ParquetWriterOptions = ParquetWriterOptions(),
                       fill: (ParquetFileWriter) -> Void) -> [UInt8] {
        let writer = ParquetFileWriter(columns: specs, options: options)
        fill(writer)
        var file = [UInt8]()
        writer.finish(keyValues: [KeyValue("k", "v")], createdBy: "hrexport version test") { file += $0 }
        return file
    }

    @Test func valuesNullsAndStatisticsSurviveARoundTrip() throws {
        var options = ParquetWriterOptions()
        options.rowsPerPage = 1000
        let rows = 4_321
        let times = (0..<rows).map { 1_700_000_000_000 + Int64($0) * 1000 }
        let bpm = (0..<rows).map { Int64(60 + ($0 * 7) % 50) }
        let optional = (0..<rows).map { $0 % 5 == 0 ? nil : Int64($0 % 90) }
        let file = write([ColumnSpec("time", .int64, convertedType: .timestampMillis, logicalType: .timestampMillis(adjustedToUTC: true)),
                          ColumnSpec("bpm", .int32, convertedType: .int16, logicalType: .integer(bitWidth: 16, signed: true)),
                          ColumnSpec("resting", .int32, optional: true)], options: options) { writer in
            for i in 0..<rows {
                writer.column(0).append(times[i])
                writer.column(1).append(bpm[i])
                writer.column(2).append(optional[i])
            }
        }
        let reader = try ParquetFileReader(bytes: file)
        #expect(reader.metadata.numRows == Int64(rows))
        #expect(reader.metadata.value(forKey: "k") == "v")
        #expect(reader.metadata.createdBy == "hrexport version test")
        let columns = try reader.readColumns()
        #expect(columns[0].values == times)
        #expect(columns[1].values == bpm)
        #expect((0..<rows).map { columns[2].value(at: $0) } == optional)
        let stats = reader.metadata.rowGroups[0].columns.map { $0.metaData.statistics! }
        #expect(stats[0].minValue == le(times.first!, 8) && stats[0].maxValue == le(times.last!, 8))
        #expect(stats[1].minValue == le(60, 4) && stats[1].maxValue == le(bpm.max()!, 4))
        #expect(stats[2].nullCount == Int64(optional.filter { $0 == nil }.count))
        #expect(reader.metadata.rowGroups[0].columns[0].metaData.encodings.contains(.deltaBinaryPacked))
    }

    @Test(arguments: [Encoding.plain, .rleDictionary])
    func doublesWithNullsNaNAndSignedZerosRoundTripWithNumericStatistics(encoding: Encoding) throws {
        var options = ParquetWriterOptions()
        options.rowsPerPage = 64
        // Seeded, so a failure names the values; NaN (a source's "no value") must come back as a null.
        var state: UInt64 = 0x5EED_0015
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        var values: [Double?] = (0..<300).map { i in
            switch next() % 10 { case 0: nil; case 1: .nan; default: Double(next() % 100_000) / 1000 - 20 }
        }
        values[3] = -0.0; values[4] = 0.0; values[5] = 1e-05
        let file = write([ColumnSpec("rmssd_ms", .double, optional: true, candidates: [encoding])], options: options) { writer in
            for v in values { writer.column(0).append(double: v) }
        }
        let reader = try ParquetFileReader(bytes: file)
        let column = try reader.readColumns()[0]
        let expected = values.map { $0?.isNaN == true ? nil : $0 }
        let read = (0..<values.count).map { column.double(at: $0) }
        #expect(read.map { $0?.bitPattern } == expected.map { $0?.bitPattern })
        let meta = reader.metadata.rowGroups[0].columns[0].metaData
        #expect(meta.encodings.contains(encoding))
        let stats = try #require(meta.statistics)
        #expect(stats.nullCount == Int64(expected.filter { $0 == nil }.count))
        let present = expected.compactMap { $0 }
        #expect(stats.minValue == le(Int64(bitPattern: present.min()!.bitPattern), 8))
        #expect(stats.maxValue == le(Int64(bitPattern: present.max()!.bitPattern), 8))
    }

    @Test func aZeroMinimumIsWrittenNegativeAndAZeroMaximumPositive() throws {
        let file = write([ColumnSpec("v", .double, optional: true)]) { writer in
            for v in [0.0, -0.0, nil, 0.0] { writer.column(0).append(double: v) }
        }
        let stats = try #require(try ParquetFileReader(bytes: file).metadata.rowGroups[0].columns[0].metaData.statistics)
        #expect(stats.minValue == le(Int64(bitPattern: (-0.0).bitPattern), 8))
        #expect(stats.maxValue == le(0, 8))
        #expect(stats.nullCount == 1)
    }

    @Test func aWeekLongGapStartsANewDeltaPageInsteadOfAWideMiniblock() throws {
        var options = ParquetWriterOptions()
        options.rowsPerPage = 100
        var times = (0..<300).map { 1_700_000_000_000 + Int64($0) * 1000 }
        for i in 150..<300 { times[i] += 7 * 86_400_000 }
        let file = write([ColumnSpec("time", .int64, candidates: [.deltaBinaryPacked, .plain])], options: options) { writer in
            for t in times { writer.column(0).append(t) }
        }
        let reader = try ParquetFileReader(bytes: file)
        #expect(try reader.readColumns()[0].values == times)
        #expect(reader.metadata.rowGroups[0].columns[0].metaData.encodings == [.rle, .deltaBinaryPacked])
    }

    @Test func aConstantColumnPrefersAnEncodingFarSmallerThanPlain() throws {
        let file = write([ColumnSpec("offset", .int32)]) { writer in
            for _ in 0..<100_000 { writer.column(0).append(-300) }
        }
        #expect(file.count < 2_000)
        #expect(try ParquetFileReader(bytes: file).readColumns()[0].values == [Int64](repeating: -300, count: 100_000))
    }

    @Test func dictionaryEncodingRoundTripsAndOverflowsToPlain() throws {
        var options = ParquetWriterOptions()
        options.rowsPerPage = 500
        options.maxDictionaryEntries = 50
        let values = (0..<3000).map { Int64($0 < 1000 ? $0 % 7 : $0) }
        let file = write([ColumnSpec("v", .int32, candidates: [.rleDictionary])], options: options) { writer in
            for v in values { writer.column(0).append(v) }
        }
        let reader = try ParquetFileReader(bytes: file)
        let meta = reader.metadata.rowGroups[0].columns[0].metaData
        #expect(meta.dictionaryPageOffset == 4)
        #expect(meta.encodings == [.plain, .rle, .rleDictionary])
        #expect(try reader.readColumns()[0].values == values)
    }

    /// Texts in a dictionary until it overflows, then PLAIN (u32 length + bytes), several pages, non-ASCII bytes;
    /// statistics are the unsigned byte-wise extremes ("Z" < "a" < "é").
    @Test func textsRoundTripThroughADictionaryAndPlainWithByteWiseStatistics() throws {
        var options = ParquetWriterOptions()
        options.rowsPerPage = 400
        options.maxDictionaryEntries = 20
        let texts = (0..<1500).map { $0 < 800 ? ["p-01", "é", "Z", ""][$0 % 4] : "participant-\($0)" }
        let spec = ColumnSpec("user_id", .byteArray, convertedType: .utf8, logicalType: .string, candidates: [.rleDictionary])
        let file = write([spec], options: options) { writer in
            for text in texts { writer.column(0).append(text: text) }
        }
        let reader = try ParquetFileReader(bytes: file)
        let column = try reader.readColumns()[0]
        #expect((0..<texts.count).map { column.text(at: $0) } == texts)
        let meta = reader.metadata.rowGroups[0].columns[0].metaData
        #expect(meta.encodings == [.plain, .rle, .rleDictionary])
        #expect(meta.statistics?.minValue == [] && meta.statistics?.maxValue == Array("é".utf8))
        #expect(reader.leaves[0] == SchemaElement(name: "user_id", type: .byteArray, repetition: .required, convertedType: .utf8, logicalType: .string))
    }

    @Test func anEmptyFileReadsAsNoRows() throws {
        let file = write([ColumnSpec("v", .int64)]) { _ in }
        let reader = try ParquetFileReader(bytes: file)
        #expect(reader.metadata.numRows == 0)
        #expect(try reader.readColumns()[0].values.isEmpty)
    }

    @Test func damageAnywhereIsReportedNotCrashed() throws {
        let file = write([ColumnSpec("time", .int64), ColumnSpec("bpm", .int32, optional: true)]) { writer in
            for i in 0..<2000 {
                writer.column(0).append(Int64(i) * 1000)
                writer.column(1).append(i % 3 == 0 ? nil : Int64(i % 200))
            }
        }
        #expect(throws: ParquetError.self) { try ParquetFileReader(bytes: Array(file.dropLast())) }
        #expect(throws: ParquetError.self) { try ParquetFileReader(bytes: Array(file.prefix(3))) }
        // Every damaged byte either makes the file refused, or leaves the values exactly as written (it hit a
        // part that carries no value: statistics, metadata text, padding). What may never happen is a file that
        // reads back as other values without a word.
        let original = try ParquetFileReader(bytes: file).readColumns()
        var refused = 0, harmless = 0
        var silentlyWrong = [Int]()
        for position in stride(from: 4, to: file.count - 8, by: 7) {
            var damaged = file
            damaged[position] ^= 0x5A
            do {
                let columns = try ParquetFileReader(bytes: damaged).readColumns()
                if zip(columns, original).allSatisfy({ $0 == $1 }) && columns.count == original.count {
                    harmless += 1
                } else {
                    silentlyWrong.append(position)
                }
            } catch {
                refused += 1
            }
        }
        #expect(silentlyWrong.isEmpty, "damage at bytes \(silentlyWrong) read back as other values without an error")
        #expect(refused > 0)
        print("parquet damage: \(refused) positions refused, \(harmless) harmless, \(silentlyWrong.count) silently wrong")
    }

    private func le(_ value: Int64, _ width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
