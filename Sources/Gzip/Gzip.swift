import CZlibSystem

// The one wrapper of zlib's deflate and inflate: the raw archive and CSV months (gzip files with our own
// header) and Parquet pages (one gzip member per page) both come here, so exactly this file initializes zlib.

/// A deflate stream. `.gzipMember`: zlib writes the RFC 1952 header and trailer itself (windowBits 15 + 16), as
/// Parquet's GZIP pages need it. `.raw`: bare deflate (windowBits -15) under a header the caller writes.
final class Deflater {
    enum Framing { case gzipMember, raw }

    private var stream = z_stream()

    init(level: Int32, framing: Framing) {
        let status = deflateInit2_(&stream, level, Z_DEFLATED, framing == .raw ? -15 : 31, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
    }

    deinit { deflateEnd(&stream) }

    func reset() { deflateReset(&stream) }

    func bound(_ count: Int) -> Int { Int(deflateBound(&stream, uLong(count))) }

    /// Feeds `input`, appending what deflate produces to `output`; with `finish`, ends the stream.
    func deflate(_ input: UnsafeRawBufferPointer, finish: Bool, into output: inout [UInt8]) {
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        while true {
            let (status, produced) = chunk.withUnsafeMutableBufferPointer { buffer -> (Int32, Int) in
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(buffer.count)
                let status = CZlibSystem.deflate(&stream, flush)
                return (status, buffer.count - Int(stream.avail_out))
            }
            precondition(status != Z_STREAM_ERROR, "deflate stream error")
            output.append(contentsOf: chunk[0..<produced])
            if finish ? status == Z_STREAM_END : stream.avail_in == 0 && stream.avail_out != 0 { break }
        }
    }
}

/// An inflate stream for gzip members (windowBits 15 + 32 + ... = 31: gzip only, CRC and size checked by zlib).
final class Inflater {
    private(set) var stream = z_stream()
    let ready: Bool

    init() {
        ready = inflateInit2_(&stream, 31, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
    }

    deinit { if ready { inflateEnd(&stream) } }

    /// Inflates from `input` into `output`, returning zlib's status and the bytes produced.
    func inflate(_ input: UnsafeBufferPointer<UInt8>?, into output: UnsafeMutableBufferPointer<UInt8>, flush: Int32) -> (status: Int32, produced: Int) {
        if let input {
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
        }
        stream.next_out = output.baseAddress
        stream.avail_out = uInt(output.count)
        let status = CZlibSystem.inflate(&stream, flush)
        return (status, output.count - Int(stream.avail_out))
    }

    var inputLeft: Int { Int(stream.avail_in) }
    var message: String? { stream.msg.map { String(cString: $0) } }
    func reset() -> Bool { inflateReset(&stream) == Z_OK }
}

/// gzip (RFC 1952) on zlib's raw deflate. We write the member header ourselves so that the raw archive can
/// carry fetch metadata in the standard FCOMMENT field, which every gzip reader skips.
public final class GzipEncoder {
    private let deflater: Deflater
    private var crc: UInt = crc32(0, nil, 0)
    private var inputSize: UInt32 = 0
    /// Compressed bytes produced so far and not yet taken by `drain()`.
    public private(set) var output: [UInt8] = []
    private var finished = false

    public init(level: Int32 = 6, comment: String? = nil) {
        deflater = Deflater(level: level, framing: .raw)
        let flags: UInt8 = comment == nil ? 0 : 0x10
        output = [0x1F, 0x8B, 8, flags, 0, 0, 0, 0, level >= 9 ? 2 : 0, 255]
        if let comment {
            // FCOMMENT is zero-terminated ISO 8859-1: keep it to printable ASCII.
            output += comment.utf8.filter { $0 >= 0x20 && $0 < 0x7F }
            output.append(0)
        }
    }

    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        precondition(!finished)
        crc = crc32(crc, bytes.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(bytes.count))
        inputSize &+= UInt32(truncatingIfNeeded: bytes.count)
        deflater.deflate(bytes, finish: false, into: &output)
    }

    public func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Ends the member: flushes deflate and appends CRC-32 and size (little-endian).
    public func finish() {
        guard !finished else { return }
        finished = true
        deflater.deflate(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, into: &output)
        for value in [UInt32(truncatingIfNeeded: crc), inputSize] {
            for shift in stride(from: 0, to: 32, by: 8) { output.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
        }
    }

    /// Takes the compressed bytes produced so far.
    public func drain() -> [UInt8] {
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }

    /// Compresses a whole buffer into one gzip member.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6, comment: String? = nil) -> [UInt8] {
        let encoder = GzipEncoder(level: level, comment: comment)
        encoder.append(bytes)
        encoder.finish()
        return encoder.drain()
    }
}

public enum GzipError: Error, Equatable, CustomStringConvertible {
    case notGzip
    case truncated
    case corrupt(String)
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .notGzip: "not a gzip file"
        case .truncated: "gzip data is truncated"
        case .corrupt(let why): "gzip data is corrupt (\(why))"
        case .tooLarge(let limit): "gzip data expands beyond \(limit) bytes"
        }
    }
}

public enum GzipDecoder {
    /// Decompresses every member of a gzip file, checking each CRC and size (zlib does with windowBits 31).
    public static func decompress(_ data: [UInt8], limit: Int = 1 << 30) throws(GzipError) -> [UInt8] {
        guard data.count >= 18, data[0] == 0x1F, data[1] == 0x8B else { throw .notGzip }
        let inflater = Inflater()
        guard inflater.ready else { throw .corrupt("inflateInit2") }
        var output = [UInt8]()
        output.reserveCapacity(data.count * 4)
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        try data.withUnsafeBufferPointer { (input) throws(GzipError) in
            var pending: UnsafeBufferPointer<UInt8>? = input
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { inflater.inflate(pending, into: $0, flush: Z_NO_FLUSH) }
                pending = nil
                output.append(contentsOf: chunk[0..<produced])
                guard output.count <= limit else { throw .tooLarge(limit: limit) }
                switch status {
                case Z_STREAM_END:
                    // Concatenated members are valid gzip; start the next one if bytes remain.
                    guard inflater.inputLeft > 0 else { return }
                    guard inflater.reset() else { throw .corrupt("reset") }
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    if inflater.inputLeft == 0 { throw .truncated }
                case Z_DATA_ERROR:
                    throw .corrupt(inflater.message ?? "data error")
                default:
                    throw .corrupt("zlib status \(status)")
                }
            }
        }
        return output
    }

    /// The first `count` bytes a gzip file inflates to (fewer if it is shorter), or nil if it is not gzip.
    public static func head(_ data: [UInt8], count: Int) -> [UInt8]? {
        guard data.count >= 18, data[0] == 0x1F, data[1] == 0x8B else { return nil }
        let inflater = Inflater()
        guard inflater.ready else { return nil }
        var output = [UInt8](repeating: 0, count: count)
        let (status, produced) = data.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { inflater.inflate(input, into: $0, flush: Z_SYNC_FLUSH) }
        }
        guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else { return nil }
        return Array(output.prefix(produced))
    }

    /// The FCOMMENT field of the first member's header, if it has one.
    public static func comment(of data: [UInt8]) -> String? {
        guard data.count >= 10, data[0] == 0x1F, data[1] == 0x8B, data[2] == 8 else { return nil }
        let flags = data[3]
        var i = 10
        if flags & 0x04 != 0 {  // FEXTRA
            guard i + 2 <= data.count else { return nil }
            i += 2 + Int(data[i]) + Int(data[i + 1]) << 8
        }
        if flags & 0x08 != 0 {  // FNAME
            while i < data.count, data[i] != 0 { i += 1 }
            i += 1
        }
        guard flags & 0x10 != 0, i < data.count else { return nil }
        guard let end = data[i...].firstIndex(of: 0) else { return nil }
        return String(decoding: data[i..<end], as: UTF8.self)
    }
}

/// GZIP as Parquet means it: one RFC 1952 member per page (zlib windowBits 15 + 16), which DuckDB,
/// polars and fastparquet insist on; a zlib stream or raw deflate is refused by all but pyarrow.
/// One deflate state serves every page of a file, reset between pages.
public final class GzipPageCompressor {
    private let deflater: Deflater

    public init(level: Int32) {
        deflater = Deflater(level: level, framing: .gzipMember)
    }

    public func compress(_ input: [UInt8]) -> [UInt8] {
        deflater.reset()
        var output = [UInt8]()
        output.reserveCapacity(deflater.bound(input.count) + 32)
        input.withUnsafeBytes { deflater.deflate($0, finish: true, into: &output) }
        return output
    }
}

public enum GzipPageDecompressor {
    /// Inflates one page body to exactly `expectedSize` bytes, as its header promises.
    public static func decompress(_ bytes: ArraySlice<UInt8>, expectedSize: Int) throws(GzipError) -> [UInt8] {
        let inflater = Inflater()
        guard inflater.ready else { throw .corrupt("inflateInit2 failed") }
        var output = [UInt8](repeating: 0, count: expectedSize + 1)
        let (status, produced) = bytes.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { inflater.inflate(source, into: $0, flush: Z_FINISH) }
        }
        guard status == Z_STREAM_END else { throw .corrupt("page body does not inflate (zlib status \(status))") }
        guard produced == expectedSize else { throw .corrupt("page inflates to \(produced) bytes, its header says \(expectedSize)") }
        output.removeLast()
        return output
    }
}
