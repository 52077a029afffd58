/// DELTA_BINARY_PACKED for INT32 and INT64: blocks of 128 deltas in 4 miniblocks of 32, each miniblock
/// bit-packed at the width its largest (delta - block minimum) needs.
enum DeltaBinaryPacked {
    static let blockSize = 128
    static let miniblocks = 4
    static let miniblockSize = blockSize / miniblocks

    struct Encoded {
        var bytes: [UInt8]
        /// The widest miniblock: fastparquet misdecodes miniblocks that are very wide.
        var maxWidth: Int
    }

    /// `bitWidth` is the physical type's width (32 or 64): deltas wrap in it, as the spec requires.
    static func encode(_ values: UnsafeBufferPointer<Int64>, bitWidth: Int) -> Encoded {
        var out = [UInt8]()
        out.reserveCapacity(values.count + 16)
        writeVarint(UInt64(blockSize), into: &out)
        writeVarint(UInt64(miniblocks), into: &out)
        writeVarint(UInt64(values.count), into: &out)
        guard let first = values.first else {
            writeVarint(0, into: &out)
            return Encoded(bytes: out, maxWidth: 0)
        }
        writeZigzag(first, into: &out)
        var maxWidth = 0
        var deltas = [Int64](repeating: 0, count: blockSize)
        var packed = [UInt64](repeating: 0, count: miniblockSize)
        var index = 1
        while index < values.count {
            let count = min(blockSize, values.count - index)
            var minDelta = Int64.max
            for k in 0..<count {
                let delta = wrap(values[index + k] &- values[index + k - 1], bitWidth: bitWidth)
                deltas[k] = delta
                minDelta = min(minDelta, delta)
            }
            writeZigzag(minDelta, into: &out)
            var widths = [Int](repeating: 0, count: miniblocks)
            let used = (count + miniblockSize - 1) / miniblockSize
            for m in 0..<used {
                var widest: UInt64 = 0
                for k in m * miniblockSize..<min(count, (m + 1) * miniblockSize) {
                    widest |= stored(deltas[k], minDelta, bitWidth: bitWidth)
                }
                widths[m] = BitPacking.width(of: widest)
                maxWidth = max(maxWidth, widths[m])
            }
            for width in widths { out.append(UInt8(width)) }
            for m in 0..<used {
                for k in 0..<miniblockSize {
                    let position = m * miniblockSize + k
                    packed[k] = position < count ? stored(deltas[position], minDelta, bitWidth: bitWidth) : 0
                }
                packed.withUnsafeBufferPointer { BitPacking.pack($0, width: widths[m], into: &out) }
            }
            index += count
        }
        return Encoded(bytes: out, maxWidth: maxWidth)
    }

    static func decode(_ bytes: [UInt8], from start: Int, to end: Int, bitWidth: Int) throws(ParquetError) -> (values: [Int64], end: Int) {
        var position = start
        let blockSize = Int(clamping: try readVarint(bytes, &position, end: end))
        let miniblockCount = Int(clamping: try readVarint(bytes, &position, end: end))
        let total = Int(clamping: try readVarint(bytes, &position, end: end))
        guard blockSize > 0, blockSize % 128 == 0, miniblockCount > 0, blockSize % miniblockCount == 0,
              (blockSize / miniblockCount) % 32 == 0 else { throw .corrupt("bad DELTA_BINARY_PACKED header") }
        guard total <= (end - start) * 64 + 1 else { throw .corrupt("DELTA_BINARY_PACKED count \(total) is impossible for its size") }
        let perMiniblock = blockSize / miniblockCount
        var values = [Int64]()
        values.reserveCapacity(total)
        let firstRaw = try readVarint(bytes, &position, end: end)
        guard total > 0 else { return (values, position) }
        var previous = Int64(bitPattern: firstRaw >> 1) ^ -Int64(bitPattern: firstRaw & 1)
        values.append(previous)
        var unpacked = [UInt64]()
        while values.count < total {
            let minRaw = try readVarint(bytes, &position, end: end)
            let minDelta = Int64(bitPattern: minRaw >> 1) ^ -Int64(bitPattern: minRaw & 1)
            guard position + miniblockCount <= end else { throw .corrupt("DELTA block header runs past the end") }
            let widths = bytes[position..<position + miniblockCount].map(Int.init)
            position += miniblockCount
            for width in widths where values.count < total {
                guard width <= bitWidth else { throw .corrupt("miniblock width \(width) exceeds \(bitWidth) bits") }
                unpacked.removeAll(keepingCapacity: true)
                try BitPacking.unpack(bytes, at: position, count: perMiniblock, width: width, into: &unpacked)
                position += perMiniblock * width / 8
                for raw in unpacked where values.count < total {
                    previous = wrap(previous &+ minDelta &+ Int64(bitPattern: raw), bitWidth: bitWidth)
                    values.append(previous)
                }
            }
        }
        return (values, position)
    }

    /// Arithmetic in the physical width: an INT32 delta wraps at 32 bits.
    @inline(__always)
    private static func wrap(_ value: Int64, bitWidth: Int) -> Int64 {
        bitWidth == 32 ? Int64(Int32(truncatingIfNeeded: value)) : value
    }

    /// delta - minDelta as an unsigned number of the physical width.
    @inline(__always)
    private static func stored(_ delta: Int64, _ minDelta: Int64, bitWidth: Int) -> UInt64 {
        let difference = UInt64(bitPattern: delta &- minDelta)
        return bitWidth == 32 ? difference & 0xFFFF_FFFF : difference
    }

    private static func writeZigzag(_ value: Int64, into out: inout [UInt8]) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)), into: &out)
    }
}

/// PLAIN for INT32 and INT64: little-endian two's complement, 4 or 8 bytes per value.
enum PlainEncoding {
    static func encode(_ values: UnsafeBufferPointer<Int64>, byteWidth: Int, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + values.count * byteWidth)
        for value in values { appendLittleEndian(UInt64(bitPattern: value), bytes: byteWidth, into: &out) }
    }

    static func decode(_ bytes: [UInt8], from start: Int, count: Int, byteWidth: Int) throws(ParquetError) -> [Int64] {
        guard start + count * byteWidth <= bytes.count else { throw .corrupt("PLAIN values run past the end of the page") }
        var values = [Int64]()
        values.reserveCapacity(count)
        var position = start
        for _ in 0..<count {
            var raw: UInt64 = 0
            for k in 0..<byteWidth { raw |= UInt64(bytes[position + k]) << UInt64(8 * k) }
            position += byteWidth
            values.append(byteWidth == 4 ? Int64(Int32(truncatingIfNeeded: raw)) : Int64(bitPattern: raw))
        }
        return values
    }
}

public enum ParquetError: Error, Equatable, CustomStringConvertible {
    case corrupt(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .corrupt(let why): "not a valid Parquet file: \(why)"
        case .unsupported(let what): "unsupported Parquet feature: \(what)"
        }
    }
}
