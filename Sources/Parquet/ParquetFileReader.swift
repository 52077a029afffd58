import Gzip

/// The values of one column as read back. Nulls (optional columns only) hold 0 in `values`.
public struct ColumnData: Equatable, Sendable {
    public var name: String
    public var values: [Int64] = []
    /// nil for a column without nulls.
    public var nulls: [Bool]?
    /// A BYTE_ARRAY column's distinct values as text; its `values` are indices into them.
    public var texts: [String] = []

    public func value(at row: Int) -> Int64? { nulls?[row] == true ? nil : values[row] }

    /// A BYTE_ARRAY column's value as UTF-8 text, nil for a null.
    public func text(at row: Int) -> String? { value(at: row).map { texts[Int($0)] } }

    /// A DOUBLE column's value (stored as its bit pattern), nil for a null.
    public func double(at row: Int) -> Double? { value(at: row).map { Double(bitPattern: UInt64(bitPattern: $0)) } }

    mutating func append(_ other: ColumnData) {
        if other.nulls != nil || nulls != nil {
            var merged = nulls ?? [Bool](repeating: false, count: values.count)
            merged += other.nulls ?? [Bool](repeating: false, count: other.values.count)
            nulls = merged
        }
        let shift = Int64(texts.count)
        texts += other.texts
        values += other.texts.isEmpty ? other.values : other.values.map { $0 + shift }
    }
}

/// Reads back the files `ParquetFileWriter` produces (flat INT32/INT64/DOUBLE/BYTE_ARRAY columns, data page v1, GZIP or
/// uncompressed, PLAIN / DELTA_BINARY_PACKED / RLE_DICTIONARY) and checks every size and count on the way.
/// It exists to verify our own output, not to be a general Parquet reader.
public struct ParquetFileReader {
    public let metadata: FileMetaData
    private let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(ParquetError) {
        let magic = ParquetFileWriter.magic
        guard bytes.count >= 12, Array(bytes.prefix(4)) == magic, Array(bytes.suffix(4)) == magic else {
            throw .corrupt("no PAR1 magic at both ends (\(bytes.count) bytes)")
        }
        var length = 0
        for k in 0..<4 { length |= Int(bytes[bytes.count - 8 + k]) << (8 * k) }
        let footerStart = bytes.count - 8 - length
        guard length > 0, footerStart >= 4 else { throw .corrupt("footer length \(length) does not fit the file") }
        var reader = CompactReader(bytes, from: footerStart, to: bytes.count - 8)
        do {
            metadata = try FileMetaData(thrift: try reader.readStruct())
        } catch {
            throw .corrupt("footer: \(error.description)")
        }
        guard reader.position == bytes.count - 8 else { throw .corrupt("footer has \(bytes.count - 8 - reader.position) bytes left over") }
        self.bytes = bytes
    }

    public var leaves: [SchemaElement] { Array(metadata.schema.dropFirst()) }

    /// Every column of every row group, concatenated per column.
    public func readColumns() throws(ParquetError) -> [ColumnData] {
        let leaves = self.leaves
        guard metadata.schema.first?.numChildren == Int32(leaves.count) else { throw .corrupt("schema root does not count its leaves") }
        var columns = leaves.map { ColumnData(name: $0.name) }
        var total: Int64 = 0
        for group in metadata.rowGroups {
            guard group.columns.count == leaves.count else { throw .corrupt("row group has \(group.columns.count) chunks for \(leaves.count) leaves") }
            for (index, chunk) in group.columns.enumerated() {
                let data = try readChunk(chunk.metaData, leaf: leaves[index])
                guard data.values.count == group.numRows else {
                    throw .corrupt("column \(leaves[index].name) has \(data.values.count) values, its row group \(group.numRows) rows")
                }
                columns[index].append(data)
            }
            total += group.numRows
        }
        guard total == metadata.numRows else { throw .corrupt("row groups hold \(total) rows, the footer says \(metadata.numRows)") }
        return columns
    }

    private func readChunk(_ meta: ColumnMetaData, leaf: SchemaElement) throws(ParquetError) -> ColumnData {
        guard meta.path == [leaf.name] else { throw .corrupt("chunk path \(meta.path) does not match leaf \(leaf.name)") }
        guard meta.type == leaf.type else { throw .corrupt("chunk type of \(leaf.name) differs from the schema") }
        let optional = leaf.repetition == .optional
        let start = Int(meta.chunkOffset)
        let end = start + Int(meta.totalCompressedSize)
        guard start >= 4, end <= bytes.count - 8, start <= end else { throw .corrupt("chunk of \(leaf.name) lies outside the file") }
        var position = start
        var dictionary: [Int64]?
        var column = ColumnData(name: leaf.name)
        column.values.reserveCapacity(Int(clamping: meta.numValues))
        var uncompressedTotal = 0
        while position < end {
            var headerReader = CompactReader(bytes, from: position, to: end)
            let header: PageHeader
            do { header = try PageHeader(thrift: try headerReader.readStruct()) } catch { throw .corrupt("page header of \(leaf.name): \(error)") }
            uncompressedTotal += headerReader.position - position + Int(header.uncompressedSize)
            let bodyStart = headerReader.position
            let bodyEnd = bodyStart + Int(header.compressedSize)
            guard header.compressedSize >= 0, header.uncompressedSize >= 0, bodyEnd <= end else { throw .corrupt("page of \(leaf.name) runs past its chunk") }
            let body: [UInt8]
            switch meta.codec {
            case .gzip:
                do { body = try GzipPageDecompressor.decompress(bytes[bodyStart..<bodyEnd], expectedSize: Int(header.uncompressedSize)) } catch {
                    if case .corrupt(let why) = error { throw .corrupt(why) }
                    throw .corrupt(error.description)
                }
            case .uncompressed: body = Array(bytes[bodyStart..<bodyEnd])
            }
            position = bodyEnd
            if header.type == .dictionaryPage {
                guard dictionary == nil, column.values.isEmpty else { throw .corrupt("dictionary page of \(leaf.name) is not first") }
                dictionary = try decodePlain(body, from: 0, count: Int(header.numValues), type: meta.type, texts: &column.texts, leaf: leaf.name)
                continue
            }
            // The page's byte arrays go into the chunk's table; the page carries only indices into it.
            column.append(try decodeDataPage(body, header: header, optional: optional, type: meta.type, dictionary: dictionary, texts: &column.texts, leaf: leaf.name))
        }
        guard column.values.count == Int(meta.numValues) else { throw .corrupt("column \(leaf.name) has \(column.values.count) values, its metadata says \(meta.numValues)") }
        guard uncompressedTotal == Int(meta.totalUncompressedSize) else {
            throw .corrupt("column \(leaf.name) is \(uncompressedTotal) bytes uncompressed, its metadata says \(meta.totalUncompressedSize)")
        }
        return column
    }

    /// PLAIN values of the chunk's type; byte arrays are added to `texts` and come back as their indices there.
    private func decodePlain(_ body: [UInt8], from start: Int, count: Int, type: PhysicalType, texts: inout [String], leaf: String) throws(ParquetError) -> [Int64] {
        guard type == .byteArray else { return try PlainEncoding.decode(body, from: start, count: count, byteWidth: type == .int32 ? 4 : 8) }
        var indices = [Int64]()
        indices.reserveCapacity(count)
        var position = start
        for _ in 0..<count {
            guard position + 4 <= body.count else { throw .corrupt("BYTE_ARRAY length of \(leaf) runs past the page") }
            var length = 0
            for k in 0..<4 { length |= Int(body[position + k]) << (8 * k) }
            position += 4
            guard length <= body.count - position else { throw .corrupt("BYTE_ARRAY value of \(leaf) runs past the page") }
            guard let text = String(validating: body[position..<position + length], as: UTF8.self) else {
                throw .corrupt("BYTE_ARRAY value of \(leaf) is not UTF-8")
            }
            position += length
            indices.append(Int64(texts.count))
            texts.append(text)
        }
        return indices
    }

    private func decodeDataPage(_ body: [UInt8], header: PageHeader, optional: Bool, type: PhysicalType, dictionary: [Int64]?,
                                texts: inout [String], leaf: String) throws(ParquetError) -> ColumnData {
        let count = Int(header.numValues)
        var position = 0
        var defined = [Bool](repeating: true, count: count)
        if optional {
            guard body.count >= 4 else { throw .corrupt("page of \(leaf) lacks its definition levels") }
            var length = 0
            for k in 0..<4 { length |= Int(body[k]) << (8 * k) }
            guard 4 + length <= body.count else { throw .corrupt("definition levels of \(leaf) run past the page") }
            let levels = try RLEHybrid.decode(body, from: 4, to: 4 + length, count: count, width: 1)
            for (i, level) in levels.enumerated() { defined[i] = level == 1 }
            position = 4 + length
        }
        let present = defined.reduce(0) { $0 + ($1 ? 1 : 0) }
        let decoded: [Int64]
        switch header.encoding {
        case .plain:
            decoded = try decodePlain(body, from: position, count: present, type: type, texts: &texts, leaf: leaf)
        case .deltaBinaryPacked:
            guard type != .byteArray else { throw .unsupported("DELTA_BINARY_PACKED byte arrays in \(leaf)") }
            decoded = try DeltaBinaryPacked.decode(body, from: position, to: body.count, bitWidth: type == .int32 ? 32 : 64).values
            guard decoded.count == present else { throw .corrupt("DELTA page of \(leaf) holds \(decoded.count) values for \(present)") }
        case .rleDictionary:
            guard let dictionary else { throw .corrupt("dictionary-encoded page of \(leaf) without a dictionary") }
            guard position < body.count || present == 0 else { throw .corrupt("dictionary page of \(leaf) lacks its index width") }
            let width = present == 0 ? 0 : Int(body[position])
            guard width <= 32 else { throw .corrupt("dictionary index width \(width)") }
            let indices = present == 0 ? [] : try RLEHybrid.decode(body, from: position + 1, to: body.count, count: present, width: width)
            var out = [Int64]()
            out.reserveCapacity(present)
            for index in indices {
                guard index < UInt64(dictionary.count) else { throw .corrupt("dictionary index \(index) of \(leaf) out of range") }
                out.append(dictionary[Int(index)])
            }
            decoded = out
        case .rle:
            throw .unsupported("RLE-encoded values in \(leaf)")
        }
        guard optional else { return ColumnData(name: leaf, values: decoded) }
        var result = ColumnData(name: leaf, values: [], nulls: defined.map { !$0 })
        result.values.reserveCapacity(count)
        var next = 0
        for isDefined in defined {
            if isDefined {
                result.values.append(decoded[next])
                next += 1
            } else {
                result.values.append(0)
            }
        }
        return result
    }
}
