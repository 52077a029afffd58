/// LSB-first bit packing, as used by the RLE/bit-packed hybrid and by DELTA_BINARY_PACKED miniblocks.
enum BitPacking {
    /// Packs `values` (each < 2^width) LSB-first, appending exactly ceil(count * width / 8) bytes.
    static func pack(_ values: UnsafeBufferPointer<UInt64>, width: Int, into out: inout [UInt8]) {
        guard width > 0 else { return }
        var accumulator: UInt64 = 0
        var bits = 0  // below 8 between values
        for value in values {
            accumulator |= value << UInt64(bits)
            let total = bits + width
            if total > 64 {
                // The accumulator is full: emit it whole and keep the bits of `value` that did not fit.
                appendLittleEndian(accumulator, bytes: 8, into: &out)
                accumulator = value >> UInt64(64 - bits)
                bits = total - 64
            } else {
                bits = total
            }
            while bits >= 8 {
                out.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator >>= 8
                bits -= 8
            }
        }
        if bits > 0 { out.append(UInt8(truncatingIfNeeded: accumulator)) }
    }

    /// Reads `count` values of `width` bits starting at byte `offset`.
    static func unpack(_ bytes: [UInt8], at offset: Int, count: Int, width: Int, into out: inout [UInt64]) throws(ParquetError) {
        let needed = (count * width + 7) / 8
        guard offset >= 0, offset + needed <= bytes.count else { throw .corrupt("bit-packed run runs past the end of the page") }
        guard width > 0 else {
            out.append(contentsOf: repeatElement(0, count: count))
            return
        }
        let mask: UInt64 = width == 64 ? .max : (1 << UInt64(width)) - 1
        var bitPosition = offset * 8
        for _ in 0..<count {
            var value: UInt64 = 0
            var got = 0
            while got < width {
                let byteIndex = bitPosition >> 3
                let shift = bitPosition & 7
                let available = min(8 - shift, width - got)
                let piece = (UInt64(bytes[byteIndex]) >> UInt64(shift)) & ((1 << UInt64(available)) - 1)
                value |= piece << UInt64(got)
                got += available
                bitPosition += available
            }
            out.append(value & mask)
        }
    }

    static func width(of value: UInt64) -> Int { 64 - value.leadingZeroBitCount }
}

/// The RLE/bit-packed hybrid: long runs of one value as RLE runs, the rest bit-packed in groups of 8.
enum RLEHybrid {
    /// Bit-packed runs are kept to 63 groups (504 values) so each run header is one byte, as Arrow writes them.
    private static let maxGroupsPerRun = 63

    static func encode(_ values: [UInt64], width: Int, into out: inout [UInt8]) {
        var pending = [UInt64]()
        pending.reserveCapacity(512)
        var i = 0
        while i < values.count {
            var run = 1
            while i + run < values.count, values[i + run] == values[i] { run += 1 }
            if run >= 8 {
                // Complete the pending group of 8 from the run, so only whole groups are bit-packed.
                let fill = (8 - pending.count % 8) % 8
                pending += repeatElement(values[i], count: fill)
                i += fill
                run -= fill
                if run >= 8 {
                    flushPacked(&pending, width: width, into: &out)
                    writeVarint(UInt64(run) << 1, into: &out)
                    appendLittleEndian(values[i], bytes: (width + 7) / 8, into: &out)
                    i += run
                    continue
                }
            }
            pending += values[i..<i + run]
            i += run
        }
        flushPacked(&pending, width: width, into: &out)
    }

    private static func flushPacked(_ pending: inout [UInt64], width: Int, into out: inout [UInt8]) {
        var start = 0
        while start < pending.count {
            let count = min(pending.count - start, maxGroupsPerRun * 8)
            let groups = (count + 7) / 8
            writeVarint(UInt64(groups) << 1 | 1, into: &out)
            // The last group is padded with zeros; readers stop at the page's value count.
            var chunk = Array(pending[start..<start + count])
            chunk += repeatElement(0, count: groups * 8 - count)
            chunk.withUnsafeBufferPointer { BitPacking.pack($0, width: width, into: &out) }
            start += count
        }
        pending.removeAll(keepingCapacity: true)
    }

    static func decode(_ bytes: [UInt8], from start: Int, to end: Int, count: Int, width: Int) throws(ParquetError) -> [UInt64] {
        var out = [UInt64]()
        out.reserveCapacity(count)
        var position = start
        let valueBytes = (width + 7) / 8
        while out.count < count {
            guard position < end else { throw .corrupt("RLE data ends after \(out.count) of \(count) values") }
            let header = try readVarint(bytes, &position, end: end)
            if header & 1 == 0 {
                let run = Int(clamping: header >> 1)
                guard position + valueBytes <= end else { throw .corrupt("RLE run value runs past the end") }
                var value: UInt64 = 0
                for k in 0..<valueBytes { value |= UInt64(bytes[position + k]) << UInt64(8 * k) }
                position += valueBytes
                out.append(contentsOf: repeatElement(value, count: min(run, count - out.count)))
            } else {
                let values = Int(clamping: header >> 1) * 8
                guard values <= (end - position) * 8 else { throw .corrupt("bit-packed run runs past the end") }
                var unpacked = [UInt64]()
                try BitPacking.unpack(bytes, at: position, count: values, width: width, into: &unpacked)
                position += values * width / 8
                out.append(contentsOf: unpacked.prefix(count - out.count))
            }
        }
        return out
    }
}

func writeVarint(_ value: UInt64, into out: inout [UInt8]) {
    var v = value
    while v >= 0x80 {
        out.append(UInt8(truncatingIfNeeded: v) | 0x80)
        v >>= 7
    }
    out.append(UInt8(v))
}

func readVarint(_ bytes: [UInt8], _ position: inout Int, end: Int) throws(ParquetError) -> UInt64 {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    while true {
        guard position < end, shift < 64 else { throw .corrupt("bad varint") }
        let b = bytes[position]
        position += 1
        result |= UInt64(b & 0x7F) << shift
        if b & 0x80 == 0 { return result }
        shift += 7
    }
}

func appendLittleEndian(_ value: UInt64, bytes count: Int, into out: inout [UInt8]) {
    for k in 0..<count { out.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * k))) }
}
