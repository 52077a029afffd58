import Gzip

/// One leaf column of a flat schema: INT32, INT64, DOUBLE or BYTE_ARRAY, required or optional, with its
/// annotations and the encodings worth trying for it. A DOUBLE travels through the writer as its IEEE 754 bit
/// pattern in an `Int64`, which PLAIN and a dictionary lay out exactly as the format wants (little-endian bytes);
/// a BYTE_ARRAY as the index of its bytes in the chunk's table of distinct values.
public struct ColumnSpec: Sendable {
    public var name: String
    public var type: PhysicalType
    public var optional: Bool
    public var convertedType: ConvertedType?
    public var logicalType: LogicalType?
    /// Tried on the chunk's first page; the one giving the smallest compressed page is kept for the chunk.
    public var candidates: [Encoding]

    public init(_ name: String, _ type: PhysicalType, optional: Bool = false, convertedType: ConvertedType? = nil,
                logicalType: LogicalType? = nil, candidates: [Encoding] = [.deltaBinaryPacked, .rleDictionary, .plain]) {
        self.name = name
        self.type = type
        self.optional = optional
        self.convertedType = convertedType
        self.logicalType = logicalType
        self.candidates = candidates
    }

    var byteWidth: Int { type == .int32 ? 4 : 8 }
    var isDouble: Bool { type == .double }
    var isByteArray: Bool { type == .byteArray }
    var bitWidth: Int { byteWidth * 8 }

    var schemaElement: SchemaElement {
        SchemaElement(name: name, type: type, repetition: optional ? .optional : .required,
                      convertedType: convertedType, logicalType: logicalType)
    }
}

public struct ParquetWriterOptions: Sendable {
    /// Rows per data page: 131,072 INT64 values are 1 MiB before encoding, as pyarrow's default page.
    public var rowsPerPage = 131_072
    /// Measured on a month of 1sec data: level 9 took 3.7 times the CPU of level 6 for 0.08 % fewer bytes;
    /// level 1 was 13 % larger.
    public var compressionLevel: Int32 = 6
    /// fastparquet 2026.9 misdecodes DELTA miniblocks 29 bits wide or wider (measured: 28 reads right,
    /// 29 to 40 do not; pyarrow, DuckDB and polars read all). A gap of 2^27 ms (37 hours) or more between
    /// two values therefore starts a new page, whose first value sits in the header at any size.
    public var maxDeltaWidth = 28
    public var maxDictionaryEntries = 4096

    public init() {}
}

/// Encodes one column chunk page by page as values arrive, keeping only the compressed pages: memory
/// stays at one page of raw values per column however long the month.
final class ColumnChunkBuilder {
    let spec: ColumnSpec
    private let options: ParquetWriterOptions
    private let compressor: GzipPageCompressor

    private var pageValues: [Int64] = []
    private var pageLevels: [UInt64] = []
    private var pageRows = 0

    private(set) var rows = 0
    private var nullCount: Int64 = 0
    private var minimum = Int64.max
    private var maximum = Int64.min
    private var minimumDouble = Double.infinity
    private var maximumDouble = -Double.infinity
    private var byteArrays = ByteArrayTable()

    private var chosen: Encoding? {
        didSet { splitsAtWideDeltas = spec.candidates.contains(.deltaBinaryPacked) && (chosen == nil || chosen == .deltaBinaryPacked) }
    }
    private var splitsAtWideDeltas: Bool
    private var dictionary = Dictionary()
    private var dataPages: [UInt8] = []
    private var uncompressedTotal = 0
    private(set) var encodingsUsed: Set<Encoding> = []

    init(spec: ColumnSpec, options: ParquetWriterOptions, compressor: GzipPageCompressor) {
        self.spec = spec
        self.options = options
        self.compressor = compressor
        precondition(!spec.isByteArray || !spec.candidates.contains(.deltaBinaryPacked), "\(spec.name): DELTA_BINARY_PACKED is for integers")
        splitsAtWideDeltas = spec.candidates.contains(.deltaBinaryPacked)
        pageValues.reserveCapacity(options.rowsPerPage)
    }

    /// A BYTE_ARRAY value `count` times over (the column must be `.byteArray`); its bytes are stored once.
    func append(bytes: [UInt8], count: Int) {
        precondition(spec.isByteArray, "\(spec.name) is not a BYTE_ARRAY column")
        let index = byteArrays.index(of: bytes)
        for _ in 0..<count {
            pageValues.append(index)
            if spec.optional { pageLevels.append(1) }
            endRow()
        }
    }

    func append(_ value: Int64) {
        precondition(spec.type != .int32 || Int32(exactly: value) != nil, "\(spec.name): \(value) does not fit INT32")
        precondition(!spec.isByteArray, "\(spec.name) takes bytes, not numbers")
        if splitsAtWideDeltas, let last = pageValues.last, (value &- last).magnitude >> (options.maxDeltaWidth - 1) != 0 {
            flushPage()
        }
        pageValues.append(value)
        if spec.optional { pageLevels.append(1) }
        if spec.isDouble {
            let double = Double(bitPattern: UInt64(bitPattern: value))
            precondition(!double.isNaN, "\(spec.name): NaN is written as a null, never as a value")
            minimumDouble = Swift.min(minimumDouble, double)
            maximumDouble = Swift.max(maximumDouble, double)
        } else {
            if value < minimum { minimum = value }
            if value > maximum { maximum = value }
        }
        endRow()
    }

    /// A DOUBLE value (the column must be `.double`).
    func append(double: Double) {
        precondition(spec.isDouble, "\(spec.name) is not a DOUBLE column")
        append(Int64(bitPattern: double.bitPattern))
    }

    func appendNull() {
        precondition(spec.optional, "\(spec.name) is required and cannot hold a null")
        pageLevels.append(0)
        nullCount += 1
        endRow()
    }

    @inline(__always)
    private func endRow() {
        pageRows += 1
        rows += 1
        if pageRows == options.rowsPerPage { flushPage() }
    }

    private func flushPage() {
        var levels = [UInt8]()
        if spec.optional {
            var hybrid = [UInt8]()
            RLEHybrid.encode(pageLevels, width: 1, into: &hybrid)
            appendLittleEndian(UInt64(hybrid.count), bytes: 4, into: &levels)
            levels += hybrid
        }
        let page: EncodedPage
        if let chosen {
            page = encode(chosen, levels: levels)
        } else {
            page = trial(levels: levels)
            chosen = page.encoding
        }
        if page.encoding == .rleDictionary, let grown = page.dictionary {
            dictionary = grown
        } else if chosen == .rleDictionary {
            chosen = .plain  // the dictionary outgrew its limit: the rest of the chunk is PLAIN
        }
        append(page)
        pageValues.removeAll(keepingCapacity: true)
        pageLevels.removeAll(keepingCapacity: true)
        pageRows = 0
    }

    /// Every candidate encodes and compresses the first page; the smallest result (dictionary page
    /// included) decides the encoding of the chunk.
    private func trial(levels: [UInt8]) -> EncodedPage {
        var best: EncodedPage?
        for candidate in spec.candidates {
            let page = encode(candidate, levels: levels)
            guard page.encoding == candidate else { continue }
            var size = page.compressed.count
            if let grown = page.dictionary { size += compressor.compress(plainBytes(grown.values)).count + 8 }
            if best.map({ size < $0.trialSize }) ?? true {
                best = page
                best!.trialSize = size
            }
        }
        return best ?? encode(.plain, levels: levels)
    }

    private struct EncodedPage {
        var encoding: Encoding
        var uncompressedSize: Int
        var compressed: [UInt8]
        var dictionary: Dictionary?
        var trialSize = 0
    }

    private func encode(_ encoding: Encoding, levels: [UInt8]) -> EncodedPage {
        var body = levels
        switch encoding {
        case .deltaBinaryPacked:
            let encoded = pageValues.withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, bitWidth: spec.bitWidth) }
            // Guaranteed by the page split in `append`: every |delta| < 2^(maxDeltaWidth - 1).
            assert(encoded.maxWidth <= options.maxDeltaWidth)
            body += encoded.bytes
        case .rleDictionary:
            var grown = dictionary
            var indices = [UInt64]()
            indices.reserveCapacity(pageValues.count)
            for value in pageValues {
                let index = grown.index(of: value)
                guard grown.count <= options.maxDictionaryEntries else { return encode(.plain, levels: levels) }
                indices.append(UInt64(index))
            }
            let width = max(1, BitPacking.width(of: UInt64(max(grown.count - 1, 0))))
            body.append(UInt8(width))
            RLEHybrid.encode(indices, width: width, into: &body)
            return EncodedPage(encoding: encoding, uncompressedSize: body.count, compressed: compressor.compress(body), dictionary: grown)
        default:
            body += plainBytes(pageValues)
            return EncodedPage(encoding: .plain, uncompressedSize: body.count, compressed: compressor.compress(body))
        }
        return EncodedPage(encoding: encoding, uncompressedSize: body.count, compressed: compressor.compress(body))
    }

    private func append(_ page: EncodedPage) {
        let header = PageHeader(type: .dataPage, uncompressedSize: Int32(page.uncompressedSize), compressedSize: Int32(page.compressed.count),
                                numValues: Int32(pageRows), encoding: page.encoding)
        let headerBytes = CompactWriter.encode(header)
        dataPages += headerBytes
        dataPages += page.compressed
        uncompressedTotal += headerBytes.count + page.uncompressedSize
        encodingsUsed.insert(page.encoding)
    }

    /// Closes the chunk: the last page, then the dictionary page that must precede the data pages.
    func finish() -> FinishedChunk {
        if pageRows > 0 || rows == 0 { flushPage() }
        var dictionaryPage: [UInt8]?
        var uncompressed = uncompressedTotal
        if encodingsUsed.contains(.rleDictionary) {
            let body = plainBytes(dictionary.values)
            let compressed = compressor.compress(body)
            let header = CompactWriter.encode(PageHeader(type: .dictionaryPage, uncompressedSize: Int32(body.count),
                                                         compressedSize: Int32(compressed.count), numValues: Int32(dictionary.count), encoding: .plain))
            dictionaryPage = header + compressed
            uncompressed += header.count + body.count
        }
        var encodings: [Encoding] = [.rle]
        if dictionaryPage != nil || encodingsUsed.contains(.plain) { encodings.append(.plain) }
        encodings += encodingsUsed.subtracting([.plain]).sorted { $0.rawValue < $1.rawValue }
        let hasValues = Int64(rows) > nullCount
        // Floating-point statistics compare as numbers, not bit patterns; the format asks that a zero minimum be
        // written -0.0 and a zero maximum +0.0, so a reader never skips a page holding the other zero.
        let statistics: Statistics
        if spec.isByteArray {
            // Byte arrays order as unsigned bytes, which is how `lexicographicallyPrecedes` compares [UInt8].
            let sorted = byteArrays.values.sorted { $0.lexicographicallyPrecedes($1) }
            statistics = Statistics(nullCount: nullCount, minValue: hasValues ? sorted.first : nil, maxValue: hasValues ? sorted.last : nil)
        } else {
            let low = spec.isDouble ? Int64(bitPattern: (minimumDouble == 0 ? -0.0 : minimumDouble).bitPattern) : minimum
            let high = spec.isDouble ? Int64(bitPattern: (maximumDouble == 0 ? 0.0 : maximumDouble).bitPattern) : maximum
            statistics = Statistics(nullCount: nullCount, minValue: hasValues ? plain(low) : nil, maxValue: hasValues ? plain(high) : nil)
        }
        return FinishedChunk(spec: spec, dictionaryPage: dictionaryPage, dataPages: dataPages, uncompressedSize: uncompressed,
                             rows: rows, encodings: encodings.sorted { $0.rawValue < $1.rawValue }, statistics: statistics)
    }

    /// PLAIN bytes of values: fixed-width little-endian numbers, or each byte array as a u32 length and its bytes.
    private func plainBytes(_ values: [Int64]) -> [UInt8] {
        var out = [UInt8]()
        if spec.isByteArray {
            for index in values {
                let bytes = byteArrays.values[Int(index)]
                appendLittleEndian(UInt64(bytes.count), bytes: 4, into: &out)
                out += bytes
            }
        } else {
            values.withUnsafeBufferPointer { PlainEncoding.encode($0, byteWidth: spec.byteWidth, into: &out) }
        }
        return out
    }

    private func plain(_ value: Int64) -> [UInt8] {
        var out = [UInt8]()
        appendLittleEndian(UInt64(bitPattern: value), bytes: spec.byteWidth, into: &out)
        return out
    }

    /// Distinct values in first-seen order, with their indices.
    struct Dictionary {
        private var indexByValue: [Int64: Int] = [:]
        private(set) var values: [Int64] = []

        var count: Int { values.count }

        mutating func index(of value: Int64) -> Int {
            if let index = indexByValue[value] { return index }
            values.append(value)
            indexByValue[value] = values.count - 1
            return values.count - 1
        }
    }

    /// The distinct byte arrays of a BYTE_ARRAY chunk in first-seen order; rows hold their indices.
    struct ByteArrayTable {
        private var indexByBytes: [[UInt8]: Int64] = [:]
        private(set) var values: [[UInt8]] = []

        mutating func index(of bytes: [UInt8]) -> Int64 {
            if let index = indexByBytes[bytes] { return index }
            values.append(bytes)
            indexByBytes[bytes] = Int64(values.count - 1)
            return Int64(values.count - 1)
        }
    }
}

struct FinishedChunk {
    var spec: ColumnSpec
    var dictionaryPage: [UInt8]?
    var dataPages: [UInt8]
    var uncompressedSize: Int
    var rows: Int
    var encodings: [Encoding]
    var statistics: Statistics

    var storedSize: Int { (dictionaryPage?.count ?? 0) + dataPages.count }
}
