/// RFC 3339 instants in UTC (`2026-09-25T10:04:59Z`, with any fraction of a second), to epoch milliseconds.
enum RFC3339 {
    static func millis(_ text: ArraySlice<UInt8>) -> Int64? {
        let bytes = Array(text)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z"),
              let whole = TimestampText.parse(bytes[0..<19] + [UInt8(ascii: "Z")], zulu: true) else { return nil }
        guard bytes.count > 20 else { return whole }
        guard bytes[19] == UInt8(ascii: "."), bytes.count > 21 else { return nil }
        var fraction = 0, digits = 0
        for b in bytes[20..<(bytes.count - 1)] {
            guard b >= 48 && b <= 57 else { return nil }
            if digits < 3 { fraction = fraction * 10 + Int(b - 48) }
            digits += 1
        }
        if digits < 3 { for _ in digits..<3 { fraction *= 10 } }
        return whole + Int64(fraction)
    }
}
