// The footer and page-header structs of parquet.thrift that a flat INT32/INT64/DOUBLE/BYTE_ARRAY file needs, with the
// field ids of the IDL. Each writes itself in ascending field order and reads itself back from a
// decoded Thrift struct, so tests can round-trip every one of them.

public enum PhysicalType: Int32, Sendable {
    case int32 = 1, int64 = 2, double = 5, byteArray = 6
}

public enum Repetition: Int32, Sendable {
    case required = 0, optional = 1
}

public enum Encoding: Int32, Sendable, CustomStringConvertible {
    case plain = 0, rle = 3, deltaBinaryPacked = 5, rleDictionary = 8

    public var description: String {
        switch self {
        case .plain: "PLAIN"
        case .rle: "RLE"
        case .deltaBinaryPacked: "DELTA_BINARY_PACKED"
        case .rleDictionary: "RLE_DICTIONARY"
        }
    }
}

public enum CompressionCodec: Int32, Sendable {
    case uncompressed = 0, gzip = 2
}

public enum PageType: Int32, Sendable {
    case dataPage = 0, dictionaryPage = 2
}

/// The legacy annotation; readers that predate logical types (and DuckDB, fastparquet) rely on it.
public enum ConvertedType: Int32, Sendable {
    case utf8 = 0, date = 6, timestampMillis = 9, int16 = 16, int32 = 17
}

/// The logical type union; only the members our columns use.
public enum LogicalType: Equatable, Sendable, ThriftWritable {
    case string
    case date
    case timestampMillis(adjustedToUTC: Bool)
    case integer(bitWidth: Int8, signed: Bool)

    public func write(to writer: inout CompactWriter) {
        switch self {
        case .string:
            writer.field(1, struct: EmptyStruct())
        case .date:
            writer.field(6, struct: EmptyStruct())
        case .timestampMillis(let utc):
            writer.field(8, struct: TimestampType(adjustedToUTC: utc))
        case .integer(let width, let signed):
            writer.field(10, struct: IntType(bitWidth: width, signed: signed))
        }
    }

    private struct TimestampType: ThriftWritable {
        var adjustedToUTC: Bool
        func write(to writer: inout CompactWriter) {
            writer.field(1, bool: adjustedToUTC)
            writer.field(2, struct: MillisUnit())
        }
    }

    /// TimeUnit union with MILLIS (field 1) set.
    private struct MillisUnit: ThriftWritable {
        func write(to writer: inout CompactWriter) { writer.field(1, struct: EmptyStruct()) }
    }

    private struct IntType: ThriftWritable {
        var bitWidth: Int8
        var signed: Bool
        func write(to writer: inout CompactWriter) {
            writer.field(1, i8: bitWidth)
            writer.field(2, bool: signed)
        }
    }

    init?(thrift fields: [Int16: ThriftValue]) {
        if fields[1] != nil {
            self = .string
        } else if fields[6] != nil {
            self = .date
        } else if let ts = fields[8]?.fields, let utc = ts[1]?.bool, let unit = ts[2]?.fields, unit[1] != nil {
            self = .timestampMillis(adjustedToUTC: utc)
        } else if let int = fields[10]?.fields, let width = int[1]?.int, let signed = int[2]?.bool, let narrow = Int8(exactly: width) {
            self = .integer(bitWidth: narrow, signed: signed)
        } else {
            return nil
        }
    }
}

public struct SchemaElement: Equatable, Sendable, ThriftWritable {
    public var name: String
    public var type: PhysicalType?
    public var repetition: Repetition?
    public var numChildren: Int32?
    public var convertedType: ConvertedType?
    public var logicalType: LogicalType?

    public init(name: String, type: PhysicalType? = nil, repetition: Repetition? = nil, numChildren: Int32? = nil,
                convertedType: ConvertedType? = nil, logicalType: LogicalType? = nil) {
        self.name = name
        self.type = type
        self.repetition = repetition
        self.numChildren = numChildren
        self.convertedType = convertedType
        self.logicalType = logicalType
    }

    public func write(to writer: inout CompactWriter) {
        if let type { writer.field(1, i32: type.rawValue) }
        if let repetition { writer.field(3, i32: repetition.rawValue) }
        writer.field(4, string: name)
        if let numChildren { writer.field(5, i32: numChildren) }
        if let convertedType { writer.field(6, i32: convertedType.rawValue) }
        if let logicalType { writer.field(10, struct: logicalType) }
    }

    init(thrift f: [Int16: ThriftValue]) throws(ThriftDecodingError) {
        name = try f.required(4, "SchemaElement.name").string ?? ""
        type = try f.enumValue(1, PhysicalType.self)
        repetition = try f.enumValue(3, Repetition.self)
        numChildren = f[5]?.int.flatMap { Int32(exactly: $0) }
        convertedType = try f.enumValue(6, ConvertedType.self)
        logicalType = f[10]?.fields.flatMap(LogicalType.init(thrift:))
    }
}

public struct Statistics: Equatable, Sendable, ThriftWritable {
    public var nullCount: Int64
    /// PLAIN bytes of the physical type (4 for INT32, 8 for INT64), absent when every value is null.
    public var minValue: [UInt8]?
    public var maxValue: [UInt8]?

    public init(nullCount: Int64, minValue: [UInt8]?, maxValue: [UInt8]?) {
        self.nullCount = nullCount
        self.minValue = minValue
        self.maxValue = maxValue
    }

    public func write(to writer: inout CompactWriter) {
        writer.field(3, i64: nullCount)
        if let maxValue { writer.field(5, binary: maxValue) }
        if let minValue { writer.field(6, binary: minValue) }
        if maxValue != nil { writer.field(7, bool: true) }
        if minValue != nil { writer.field(8, bool: true) }
    }

    init(thrift f: [Int16: ThriftValue]) {
        nullCount = f[3]?.int ?? 0
        maxValue = f[5]?.binary
        minValue = f[6]?.binary
    }
}

public struct ColumnMetaData: Equatable, Sendable, ThriftWritable {
    public var type: PhysicalType
    public var encodings: [Encoding]
    public var path: [String]
    public var codec: CompressionCodec
    public var numValues: Int64
    public var totalUncompressedSize: Int64
    public var totalCompressedSize: Int64
    public var dataPageOffset: Int64
    public var dictionaryPageOffset: Int64?
    public var statistics: Statistics?

    public func write(to writer: inout CompactWriter) {
        writer.field(1, i32: type.rawValue)
        writer.field(2, i32List: encodings.map(\.rawValue))
        writer.field(3, stringList: path)
        writer.field(4, i32: codec.rawValue)
        writer.field(5, i64: numValues)
        writer.field(6, i64: totalUncompressedSize)
        writer.field(7, i64: totalCompressedSize)
        writer.field(9, i64: dataPageOffset)
        if let dictionaryPageOffset { writer.field(11, i64: dictionaryPageOffset) }
        if let statistics { writer.field(12, struct: statistics) }
    }

    init(thrift f: [Int16: ThriftValue]) throws(ThriftDecodingError) {
        type = try f.enumValue(1, PhysicalType.self, required: "ColumnMetaData.type")!
        encodings = try (f.required(2, "ColumnMetaData.encodings").list ?? []).map { (v) throws(ThriftDecodingError) in
            guard let raw = v.int.flatMap({ Int32(exactly: $0) }), let e = Encoding(rawValue: raw) else {
                throw ThriftDecodingError(description: "unsupported encoding \(v)")
            }
            return e
        }
        path = (try f.required(3, "ColumnMetaData.path_in_schema").list ?? []).compactMap(\.string)
        codec = try f.enumValue(4, CompressionCodec.self, required: "ColumnMetaData.codec")!
        numValues = try f.int(5, "ColumnMetaData.num_values")
        totalUncompressedSize = try f.int(6, "ColumnMetaData.total_uncompressed_size")
        totalCompressedSize = try f.int(7, "ColumnMetaData.total_compressed_size")
        dataPageOffset = try f.int(9, "ColumnMetaData.data_page_offset")
        dictionaryPageOffset = f[11]?.int
        statistics = f[12]?.fields.map(Statistics.init(thrift:))
    }

    public init(type: PhysicalType, encodings: [Encoding], path: [String], codec: CompressionCodec, numValues: Int64,
                totalUncompressedSize: Int64, totalCompressedSize: Int64, dataPageOffset: Int64,
                dictionaryPageOffset: Int64?, statistics: Statistics?) {
        self.type = type
        self.encodings = encodings
        self.path = path
        self.codec = codec
        self.numValues = numValues
        self.totalUncompressedSize = totalUncompressedSize
        self.totalCompressedSize = totalCompressedSize
        self.dataPageOffset = dataPageOffset
        self.dictionaryPageOffset = dictionaryPageOffset
        self.statistics = statistics
    }

    /// Where the chunk's first page starts: the dictionary page when there is one.
    public var chunkOffset: Int64 { dictionaryPageOffset ?? dataPageOffset }
}

public struct ColumnChunk: Equatable, Sendable, ThriftWritable {
    public var metaData: ColumnMetaData

    public init(metaData: ColumnMetaData) { self.metaData = metaData }

    public func write(to writer: inout CompactWriter) {
        // file_offset is deprecated but required by the IDL: pyarrow and DuckDB reject a chunk without it.
        writer.field(2, i64: 0)
        writer.field(3, struct: metaData)
    }

    init(thrift f: [Int16: ThriftValue]) throws(ThriftDecodingError) {
        guard let meta = f[3]?.fields else { throw ThriftDecodingError(description: "ColumnChunk without meta_data") }
        metaData = try ColumnMetaData(thrift: meta)
    }
}

public struct RowGroup: Equatable, Sendable, ThriftWritable {
    public var columns: [ColumnChunk]
    public var numRows: Int64

    public init(columns: [ColumnChunk], numRows: Int64) {
        self.columns = columns
        self.numRows = numRows
    }

    public func write(to writer: inout CompactWriter) {
        writer.field(1, list: columns)
        writer.field(2, i64: columns.reduce(0) { $0 + $1.metaData.totalUncompressedSize })
        writer.field(3, i64: numRows)
        if let first = columns.first { writer.field(5, i64: first.metaData.chunkOffset) }
        writer.field(6, i64: columns.reduce(0) { $0 + $1.metaData.totalCompressedSize })
        writer.field(7, i16: 0)
    }

    init(thrift f: [Int16: ThriftValue]) throws(ThriftDecodingError) {
        columns = try (f.required(1, "RowGroup.columns").list ?? []).map { (v) throws(ThriftDecodingError) in
            try ColumnChunk(thrift: v.fields ?? [:])
        }
        numRows = try f.int(3, "RowGroup.num_rows")
    }
}

public struct KeyValue: Equatable, Sendable, ThriftWritable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }

    public func write(to writer: inout CompactWriter) {
        writer.field(1, string: key)
        writer.field(2, string: value)
    }
}

/// ColumnOrder union with TYPE_ORDER set: without it Arrow ignores min_value/max_value.
struct TypeDefinedOrder: ThriftWritable {
    func write(to writer: inout CompactWriter) { writer.field(1, struct: EmptyStruct()) }
}

public struct FileMetaData: Equatable, Sendable, ThriftWritable {
    /// Root first, then the leaves.
    public var schema: [SchemaElement]
    public var numRows: Int64
    public var rowGroups: [RowGroup]
    public var keyValues: [KeyValue]
    public var createdBy: String

    public init(schema: [SchemaElement], numRows: Int64, rowGroups: [RowGroup], keyValues: [KeyValue], createdBy: String) {
        self.schema = schema
        self.numRows = numRows
        self.rowGroups = rowGroups
        self.keyValues = keyValues
        self.createdBy = createdBy
    }

    public func write(to writer: inout CompactWriter) {
        writer.field(1, i32: 1)
        writer.field(2, list: schema)
        writer.field(3, i64: numRows)
        writer.field(4, list: rowGroups)
        if !keyValues.isEmpty { writer.field(5, list: keyValues) }
        writer.field(6, string: createdBy)
        writer.field(7, list: Array(repeating: TypeDefinedOrder(), count: max(0, schema.count - 1)))
    }

    public init(thrift f: [Int16: ThriftValue]) throws(ThriftDecodingError) {
        schema = try (f.required(2, "FileMetaData.schema").list ?? []).map { (v) throws(ThriftDecodingError) in
            try SchemaElement(thrift: v.fields ?? [:])
        }
        numRows = try f.int(3, "FileMetaData.num_rows")
        rowGroups = try (f.required(4, "FileMetaData.row_groups").list ?? []).map { (v) throws(ThriftDecodingError) in
            try RowGroup(thrift: v.fields ?? [:])
        }
        keyValues = (f[5]?.list ?? []).compactMap { v in
            guard let kv = v.fields, let key = kv[1]?.string else { return nil }
            return KeyValue(key, kv[2]?.string ?? "")
        }
        createdBy = f[6]?.string ?? ""
    }

    public func value(forKey key: String) -> String? { keyValues.first { $0.key == key }?.value }
}

public struct PageHeader: Equatable, Sendable, ThriftWritable {
    public var type: PageType
    public var uncompressedSize: Int32
    public var compressedSize: Int32
    /// Values in the page (nulls included) for a data page, entries for a dictionary page.
    public var numValues: Int32
    public var encoding: Encoding

    public init(type: PageType, uncompressedSize: Int32, compressedSize: Int32, numValues: Int32, encoding: Encoding) {
        self.type = type
        self.uncompressedSize = uncompressedSize
        self.compressedSize = compressedSize
        self.numValues = numValues
        self.encoding = encoding
    }

    public func write(to writer: inout CompactWriter) {
        writer.field(1, i32: type.rawValue)
        writer.field(2, i32: uncompressedSize)
        writer.field(3, i32: compressedSize)
        switch type {
        case .dataPage: writer.field(5, struct: DataPageHeader(numValues: numValues, encoding: encoding))
        case .dictionaryPage: writer.field(7, struct: DictionaryPageHeader(numValues: numValues))
        }
    }

    private struct DataPageHeader: ThriftWritable {
        var numValues: Int32
        var encoding: Encoding
        func write(to writer: inout CompactWriter) {
            writer.field(1, i32: numValues)
            writer.field(2, i32: encoding.rawValue)
            // Level encodings are required even when no levels are stored; RLE is what every writer puts.
            writer.field(3, i32: Encoding.rle.rawValue)
            writer.field(4, i32: Encoding.rle.rawValue)
        }
    }

    private struct DictionaryPageHeader: ThriftWritable {
        var numValues: Int32
        func write(to writer: inout CompactWriter) {
            writer.field(1, i32: numValues)
            writer.field(2, i32: Encoding.plain.rawValue)
        }
    }

    init(thrift f: [Int16: ThriftValue]) throws(ThriftDecodingError) {
        guard let raw = f[1]?.int.flatMap({ Int32(exactly: $0) }), let type = PageType(rawValue: raw) else {
            throw ThriftDecodingError(description: "unsupported page type \(String(describing: f[1]))")
        }
        self.type = type
        uncompressedSize = Int32(clamping: try f.int(2, "PageHeader.uncompressed_page_size"))
        compressedSize = Int32(clamping: try f.int(3, "PageHeader.compressed_page_size"))
        guard let inner = f[type == .dataPage ? 5 : 7]?.fields else { throw ThriftDecodingError(description: "page header lacks its \(type) header") }
        numValues = Int32(clamping: try inner.int(1, "page num_values"))
        encoding = try inner.enumValue(2, Encoding.self, required: "page encoding")!
    }
}

extension Dictionary where Key == Int16, Value == ThriftValue {
    func required(_ id: Int16, _ name: String) throws(ThriftDecodingError) -> ThriftValue {
        guard let value = self[id] else { throw ThriftDecodingError(description: "\(name) is missing") }
        return value
    }

    func int(_ id: Int16, _ name: String) throws(ThriftDecodingError) -> Int64 {
        guard let value = try required(id, name).int else { throw ThriftDecodingError(description: "\(name) is not an integer") }
        return value
    }

    func enumValue<E: RawRepresentable>(_ id: Int16, _ type: E.Type, required name: String? = nil) throws(ThriftDecodingError) -> E? where E.RawValue == Int32 {
        guard let value = self[id] else {
            if let name { throw ThriftDecodingError(description: "\(name) is missing") }
            return nil
        }
        guard let raw = value.int.flatMap({ Int32(exactly: $0) }), let e = E(rawValue: raw) else {
            throw ThriftDecodingError(description: "unsupported \(E.self) value \(value)")
        }
        return e
    }
}
