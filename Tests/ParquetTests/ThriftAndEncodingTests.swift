import Gzip
import Testing
@testable import Parquet

private func hex(_ text: String) -> [UInt8] {
    text.split(separator: " ").map { UInt8($0, radix: 16)! }
}

@Suite("Thrift compact protocol")
struct ThriftTests {
    @Test func schemaElementsMatchTheCheckedBytes() {
        #expect(CompactWriter.encode(SchemaElement(name: "schema", numChildren: 4)) == hex("48 06 73 63 68 65 6d 61 15 08 00"))
        let ts = SchemaElement(name: "ts", type: .int64, repetition: .required, convertedType: .timestampMillis,
                               logicalType: .timestampMillis(adjustedToUTC: true))
        #expect(CompactWriter.encode(ts) == hex("15 04 25 00 18 02 74 73 25 12 4c 8c 11 1c 1c 00 00 00 00 00"))
        let bpm = SchemaElement(name: "bpm", type: .int32, repetition: .required, convertedType: .int16,
                                logicalType: .integer(bitWidth: 16, signed: true))
        #expect(CompactWriter.encode(bpm) == hex("15 02 25 00 18 03 62 70 6d 25 20 4c ac 13 10 11 00 00 00"))
    }

    @Test func pageHeaderMatchesTheCheckedBytes() {
        let header = PageHeader(type: .dataPage, uncompressedSize: 4000, compressedSize: 1200, numValues: 1000, encoding: .plain)
        #expect(CompactWriter.encode(header) == hex("15 00 15 c0 3e 15 e0 12 2c 15 d0 0f 15 00 15 06 15 06 00 00"))
    }

    @Test func zigzagVarintOfALargeTimestamp() {
        var writer = CompactWriter()
        writer.zigzag(1_700_000_000_000)
        #expect(writer.bytes == hex("80 a0 ab fe f9 62"))
        writer = CompactWriter()
        writer.zigzag(-1)
        #expect(writer.bytes == [0x01])
    }

    @Test func structsRoundTripThroughTheReader() throws {
        let meta = ColumnMetaData(type: .int64, encodings: [.plain, .rle, .deltaBinaryPacked], path: ["time"], codec: .gzip,
                                  numValues: 1_000_000, totalUncompressedSize: 123_456, totalCompressedSize: 7_890,
                                  dataPageOffset: 4, dictionaryPageOffset: nil,
                                  statistics: Statistics(nullCount: 0, minValue: [1, 2, 3, 4, 5, 6, 7, 8], maxValue: [9, 9, 9, 9, 9, 9, 9, 9]))
        let file = FileMetaData(
            schema: [SchemaElement(name: "schema", numChildren: 1),
                     SchemaElement(name: "time", type: .int64, repetition: .required, convertedType: .timestampMillis, logicalType: .timestampMillis(adjustedToUTC: false))],
            numRows: 1_000_000, rowGroups: [RowGroup(columns: [ColumnChunk(metaData: meta)], numRows: 1_000_000)],
            keyValues: [KeyValue("hrexport.user", "SANDBOX1")], createdBy: "hrexport version 0.1.0")
        let bytes = CompactWriter.encode(file)
        var reader = CompactReader(bytes)
        let decoded = try FileMetaData(thrift: try reader.readStruct())
        #expect(decoded == file)
        #expect(reader.position == bytes.count)

        for header in [PageHeader(type: .dictionaryPage, uncompressedSize: 40, compressedSize: 30, numValues: 10, encoding: .plain),
                       PageHeader(type: .dataPage, uncompressedSize: 1 << 20, compressedSize: 5000, numValues: 131_072, encoding: .rleDictionary)] {
            var headerReader = CompactReader(CompactWriter.encode(header))
            #expect(try PageHeader(thrift: try headerReader.readStruct()) == header)
        }
    }

    @Test func aLongListUsesTheExtendedHeaderAndReadsBack() throws {
        let names = (0..<20).map { "c\($0)" }
        var writer = CompactWriter()
        writer.field(1, stringList: names)
        let bytes = writer.bytes + [0]
        #expect(bytes[1] == 0xF8)
        var reader = CompactReader(bytes)
        #expect(try reader.readStruct()[1]?.list?.compactMap(\.string) == names)
    }

    @Test func truncatedAndHostileInputIsAnErrorNotACrash() {
        let bytes = CompactWriter.encode(SchemaElement(name: "schema", numChildren: 4))
        for cut in 0..<bytes.count {
            var reader = CompactReader(Array(bytes.prefix(cut)))
            #expect(throws: ThriftDecodingError.self) { try reader.readStruct() }
        }
        var huge = CompactReader([0x48, 0xFF, 0xFF, 0xFF, 0x0F, 0x41])
        #expect(throws: ThriftDecodingError.self) { try huge.readStruct() }
        var deep = CompactReader([UInt8](repeating: 0x1C, count: 200))
        #expect(throws: ThriftDecodingError.self) { try deep.readStruct() }
    }
}

@Suite("Parquet encodings")
struct EncodingTests {
    @Test func definitionLevelsOfAThousandPresentValues() {
        var out = [UInt8]()
        RLEHybrid.encode([UInt64](repeating: 1, count: 1000), width: 1, into: &out)
        #expect(out == hex("d0 0f 01"))
    }

    @Test func hybridRoundTripsMixedRunsAtEveryWidth() throws {
        var generator = SystemRandomNumberGenerator()
        for width in [1, 2, 3, 7, 8, 9, 13, 17, 31, 32] {
            let limit: UInt64 = width == 64 ? .max : (1 << UInt64(width)) - 1
            var values = [UInt64]()
            while values.count < 3000 {
                let value = UInt64.random(in: 0...limit, using: &generator)
                let repeats = Bool.random(using: &generator) ? Int.random(in: 1...40, using: &generator) : 1
                values += repeatElement(value, count: repeats)
            }
            var out = [UInt8]()
            RLEHybrid.encode(values, width: width, into: &out)
            #expect(try RLEHybrid.decode(out, from: 0, to: out.count, count: values.count, width: width) == values)
        }
    }

    @Test func bitPackingRoundTripsUpTo64Bits() throws {
        for width in [1, 5, 8, 12, 31, 33, 57, 63, 64] {
            let mask: UInt64 = width == 64 ? .max : (1 << UInt64(width)) - 1
            let values = (0..<64).map { _ in UInt64.random(in: 0...UInt64.max) & mask }
            var out = [UInt8]()
            values.withUnsafeBufferPointer { BitPacking.pack($0, width: width, into: &out) }
            #expect(out.count == 64 * width / 8)
            var back = [UInt64]()
            try BitPacking.unpack(out, at: 0, count: 64, width: width, into: &back)
            #expect(back == values)
        }
    }

    @Test func deltaOfNoValuesIsTheBareHeader() {
        let encoded = [Int64]().withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, bitWidth: 64) }
        #expect(encoded.bytes == hex("80 01 04 00 00"))
    }

    @Test(arguments: [0, 1, 2, 31, 32, 33, 128, 129, 130, 1000, 4097])
    func deltaRoundTripsAnyLength(count: Int) throws {
        let values = (0..<count).map { Int64(1_700_000_000_000) + Int64($0) * 1000 + Int64.random(in: -3...3) }
        let encoded = values.withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, bitWidth: 64) }
        let decoded = try DeltaBinaryPacked.decode(encoded.bytes, from: 0, to: encoded.bytes.count, bitWidth: 64)
        #expect(decoded.values == values)
        #expect(decoded.end == encoded.bytes.count)
    }

    @Test func deltaWrapsAtThePhysicalWidth() throws {
        let int32: [Int64] = [Int64(Int32.min), Int64(Int32.max), 0, Int64(Int32.min), -1, Int64(Int32.max)]
        let encoded32 = int32.withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, bitWidth: 32) }
        #expect(encoded32.maxWidth <= 32)
        #expect(try DeltaBinaryPacked.decode(encoded32.bytes, from: 0, to: encoded32.bytes.count, bitWidth: 32).values == int32)
        let int64: [Int64] = [.min, .max, 0, .min, -1, .max, 42]
        let encoded64 = int64.withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, bitWidth: 64) }
        #expect(try DeltaBinaryPacked.decode(encoded64.bytes, from: 0, to: encoded64.bytes.count, bitWidth: 64).values == int64)
    }

    @Test func gzipPagesAreRealGzipMembers() throws {
        let compressor = GzipPageCompressor(level: 6)
        let body = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 / 7) }
        let page = compressor.compress(body)
        #expect(Array(page.prefix(3)) == [0x1F, 0x8B, 0x08])
        #expect(try GzipPageDecompressor.decompress(page[...], expectedSize: body.count) == body)
        #expect(throws: GzipError.self) { try GzipPageDecompressor.decompress(page[...], expectedSize: body.count - 1) }
        #expect(throws: GzipError.self) { try GzipPageDecompressor.decompress(page.dropLast(9), expectedSize: body.count) }
    }
}
