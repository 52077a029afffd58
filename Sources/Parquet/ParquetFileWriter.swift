import Gzip

/// Writes a flat Parquet file of INT32/INT64/DOUBLE/BYTE_ARRAY columns in one row group: data page v1, GZIP pages,
/// statistics per chunk, a TYPE_ORDER column order per leaf. Rows arrive column by column through
/// `column(_:)`; `finish` lays out the chunks and the footer and hands the bytes to a sink.
public final class ParquetFileWriter {
    public static let magic: [UInt8] = Array("PAR1".utf8)

    private let chunks: [ColumnChunkBuilder]
    private let options: ParquetWriterOptions

    public init(columns: [ColumnSpec], options: ParquetWriterOptions = ParquetWriterOptions()) {
        precondition(!columns.isEmpty, "a Parquet file needs at least one column")
        let compressor = GzipPageCompressor(level: options.compressionLevel)
        self.options = options
        chunks = columns.map { ColumnChunkBuilder(spec: $0, options: options, compressor: compressor) }
    }

    /// The appender of leaf `index`, in schema order.
    public func column(_ index: Int) -> ColumnAppender { ColumnAppender(builder: chunks[index]) }

    /// Emits the whole file. Every column must have received the same number of rows.
    public func finish<E: Error>(keyValues: [KeyValue], createdBy: String, into sink: ([UInt8]) throws(E) -> Void) throws(E) {
        let rows = chunks[0].rows
        precondition(chunks.allSatisfy { $0.rows == rows }, "every column of a row group must have the same number of rows")
        var offset = Int64(Self.magic.count)
        try sink(Self.magic)
        var columnChunks = [ColumnChunk]()
        for builder in chunks {
            let chunk = builder.finish()
            let dictionaryOffset = chunk.dictionaryPage == nil ? nil : offset
            if let page = chunk.dictionaryPage { try sink(page) }
            let dataOffset = offset + Int64(chunk.dictionaryPage?.count ?? 0)
            try sink(chunk.dataPages)
            columnChunks.append(ColumnChunk(metaData: ColumnMetaData(
                type: chunk.spec.type, encodings: chunk.encodings, path: [chunk.spec.name], codec: .gzip,
                numValues: Int64(chunk.rows), totalUncompressedSize: Int64(chunk.uncompressedSize),
                totalCompressedSize: Int64(chunk.storedSize), dataPageOffset: dataOffset,
                dictionaryPageOffset: dictionaryOffset, statistics: chunk.statistics)))
            offset += Int64(chunk.storedSize)
        }
        let schema = [SchemaElement(name: "schema", numChildren: Int32(chunks.count))] + chunks.map(\.spec.schemaElement)
        let footer = CompactWriter.encode(FileMetaData(
            schema: schema, numRows: Int64(rows), rowGroups: [RowGroup(columns: columnChunks, numRows: Int64(rows))],
            keyValues: keyValues, createdBy: createdBy))
        var tail = footer
        appendLittleEndian(UInt64(footer.count), bytes: 4, into: &tail)
        tail += Self.magic
        try sink(tail)
    }
}

/// Appends the values of one column, row by row.
public struct ColumnAppender {
    fileprivate let builder: ColumnChunkBuilder

    @inline(__always)
    public func append(_ value: Int64) { builder.append(value) }

    /// A DOUBLE, or a null: nil and NaN (a source's "no value") are both written as null.
    public func append(double value: Double?) {
        if let value, !value.isNaN { builder.append(double: value) } else { builder.appendNull() }
    }

    public func append(_ value: Int64?) {
        if let value { builder.append(value) } else { builder.appendNull() }
    }

    /// A UTF-8 text `count` times over, for a BYTE_ARRAY column (a file's constant `user_id`, say).
    public func append(text: String, count: Int = 1) { builder.append(bytes: Array(text.utf8), count: count) }
}
