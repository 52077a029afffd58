import CZlibSystem

/// GZIP as Parquet means it: one RFC 1952 member per page (zlib windowBits 15 + 16), which DuckDB,
/// polars and fastparquet insist on; a zlib stream or raw deflate is refused by all but pyarrow.
/// One deflate state serves every page of a file, reset between pages.
final class GzipPageCompressor {
    private var stream = z_stream()

    init(level: Int32) {
        let status = deflateInit2_(&stream, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
    }

    deinit { deflateEnd(&stream) }

    func compress(_ input: [UInt8]) -> [UInt8] {
        deflateReset(&stream)
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        let produced = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target -> Int in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate did not finish within deflateBound: \(status)")
                return target.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(produced...)
        return output
    }
}

enum GzipPageDecompressor {
    /// Inflates one page body to exactly `expectedSize` bytes, as its header promises.
    static func decompress(_ bytes: ArraySlice<UInt8>, expectedSize: Int) throws(ParquetError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 31, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw .corrupt("inflateInit2 failed") }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: expectedSize + 1)
        let (status, produced) = bytes.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target -> (Int32, Int) in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                let status = inflate(&stream, Z_FINISH)
                return (status, target.count - Int(stream.avail_out))
            }
        }
        guard status == Z_STREAM_END else { throw .corrupt("page body does not inflate (zlib status \(status))") }
        guard produced == expectedSize else { throw .corrupt("page inflates to \(produced) bytes, its header says \(expectedSize)") }
        output.removeLast()
        return output
    }
}
