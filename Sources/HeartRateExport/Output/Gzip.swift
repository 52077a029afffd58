import CZlibSystem

/// gzip (RFC 1952) on zlib's raw deflate. We write the member header ourselves so that the raw archive can
/// carry fetch metadata in the standard FCOMMENT field, which every gzip reader skips.
public final class GzipEncoder {
    private var stream = z_stream()
    private var crc: UInt = crc32(0, nil, 0)
    private var inputSize: UInt32 = 0
    /// Compressed bytes produced so far and not yet taken by `drain()`.
    public private(set) var output: [UInt8] = []
    private var finished = false

    public init(level: Int32 = 6, comment: String? = nil) {
        let status = deflateInit2_(&stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
        let flags: UInt8 = comment == nil ? 0 : 0x10
        output = [0x1F, 0x8B, 8, flags, 0, 0, 0, 0, level >= 9 ? 2 : 0, 255]
        if let comment {
            // FCOMMENT is zero-terminated ISO 8859-1: keep it to printable ASCII.
            output += comment.utf8.filter { $0 >= 0x20 && $0 < 0x7F }
            output.append(0)
        }
    }

    deinit { deflateEnd(&stream) }

    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        precondition(!finished)
        crc = crc32(crc, bytes.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(bytes.count))
        inputSize &+= UInt32(truncatingIfNeeded: bytes.count)
        deflate(bytes, flush: Z_NO_FLUSH)
    }

    public func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Ends the member: flushes deflate and appends CRC-32 and size (little-endian).
    public func finish() {
        guard !finished else { return }
        finished = true
        deflate(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
        for value in [UInt32(truncatingIfNeeded: crc), inputSize] {
            for shift in stride(from: 0, to: 32, by: 8) { output.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
        }
    }

    /// Takes the compressed bytes produced so far.
    public func drain() -> [UInt8] {
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }

    private func deflate(_ input: UnsafeRawBufferPointer, flush: Int32) {
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let (status, produced) = chunk.withUnsafeMutableBufferPointer { buffer -> (Int32, Int) in
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(buffer.count)
                let status = CZlibSystem.deflate(&stream, flush)
                return (status, buffer.count - Int(stream.avail_out))
            }
            precondition(status != Z_STREAM_ERROR, "deflate stream error")
            output.append(contentsOf: chunk[0..<produced])
            if flush == Z_FINISH ? status == Z_STREAM_END : stream.avail_in == 0 && stream.avail_out != 0 { break }
        }
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
        var stream = z_stream()
        guard inflateInit2_(&stream, 31, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw .corrupt("inflateInit2") }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(data.count * 4)
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        var status: Int32 = Z_OK
        try data.withUnsafeBufferPointer { (input) throws(GzipError) in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
            while true {
                let produced = chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return buffer.count - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
                guard output.count <= limit else { throw .tooLarge(limit: limit) }
                switch status {
                case Z_STREAM_END:
                    // Concatenated members are valid gzip; start the next one if bytes remain.
                    guard stream.avail_in > 0 else { return }
                    guard inflateReset(&stream) == Z_OK else { throw .corrupt("reset") }
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    if stream.avail_in == 0 { throw .truncated }
                case Z_DATA_ERROR:
                    throw .corrupt(stream.msg.map { String(cString: $0) } ?? "data error")
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
        var stream = z_stream()
        guard inflateInit2_(&stream, 31, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: count)
        let produced = data.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { buffer -> Int? in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(buffer.count)
                let status = inflate(&stream, Z_SYNC_FLUSH)
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else { return nil }
                return buffer.count - Int(stream.avail_out)
            }
        }
        guard let produced else { return nil }
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
