import Crypto

/// The manifest's `sha256`: rows as `<epoch_ms>,<utc_offset_min>,<bpm>\n`, sorted by time, hashed.
/// It is the same for CSV and Parquet, so a file can be checked against the manifest in any format.
public enum CanonicalDigest {
    public static func sha256(of samples: [Sample]) -> String {
        var hasher = SHA256()
        var line = [UInt8]()
        line.reserveCapacity(1 << 16)
        for s in samples {
            TimestampText.appendInteger(Int(s.epochMillis), &line)
            line.append(UInt8(ascii: ","))
            TimestampText.appendInteger(Int(s.utcOffsetMinutes), &line)
            line.append(UInt8(ascii: ","))
            TimestampText.appendInteger(Int(s.bpm), &line)
            line.append(UInt8(ascii: "\n"))
            if line.count >= 1 << 16 - 64 {
                hasher.update(data: line)
                line.removeAll(keepingCapacity: true)
            }
        }
        hasher.update(data: line)
        return hex(hasher.finalize())
    }

    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
