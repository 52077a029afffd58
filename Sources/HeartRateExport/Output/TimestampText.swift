/// ISO 8601 text of epoch milliseconds, appended to a byte buffer without Foundation formatters
/// (they dominate the cost of a CSV month otherwise).
enum TimestampText {
    /// `YYYY-MM-DDTHH:MM:SS[.mmm]` followed by `Z` when `zulu`; milliseconds only when non-zero.
    static func append(millis: Int64, zulu: Bool, to out: inout [UInt8]) {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let ms = Int(millis - seconds * 1000)
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let (y, m, d) = LocalDate(daysSinceEpoch: days).components
        appendDigits(y, 4, &out); out.append(UInt8(ascii: "-"))
        appendDigits(m, 2, &out); out.append(UInt8(ascii: "-"))
        appendDigits(d, 2, &out); out.append(UInt8(ascii: "T"))
        appendDigits(secondOfDay / 3600, 2, &out); out.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay / 60 % 60, 2, &out); out.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay % 60, 2, &out)
        if ms != 0 {
            out.append(UInt8(ascii: "."))
            appendDigits(ms, 3, &out)
        }
        if zulu { out.append(UInt8(ascii: "Z")) }
    }

    static func appendDigits(_ value: Int, _ width: Int, _ out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        while divisor > 0 {
            out.append(UInt8(48 + v / divisor % 10))
            v %= divisor
            divisor /= 10
        }
    }

    static func appendInteger(_ value: Int, _ out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var v = value.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(48 + v % 10))
            v /= 10
        } while v > 0
        out[start..<out.count].reverse()
    }
}
