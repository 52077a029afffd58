import Foundation

/// ISO 8601 text of epoch milliseconds, appended to a byte buffer without Foundation formatters
/// (they dominate the cost of a CSV month otherwise).
public enum TimestampText {
    /// An instant to the second as ISO 8601 in UTC (`2026-11-27T07:34:42Z`): the manifest's and the logs' times.
    public static func iso(_ date: Date) -> String {
        var out = [UInt8]()
        append(millis: Int64(date.timeIntervalSince1970.rounded(.down)) * 1000, zulu: true, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.mmm]` followed by `Z` when `zulu`; milliseconds only when non-zero.
    static func append(millis: Int64, zulu: Bool, to out: inout [UInt8]) {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let ms = Int(millis - seconds * 1000)
        let days = LocalDate(containingSecond: seconds).daysSinceEpoch
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

    /// Parses what `append` writes (`YYYY-MM-DDTHH:MM:SS[.mmm]`, then `Z` exactly when `zulu`) back to
    /// epoch milliseconds; nil for anything else.
    static func parse(_ text: ArraySlice<UInt8>, zulu: Bool) -> Int64? {
        var bytes = Array(text)
        if zulu {
            guard bytes.last == UInt8(ascii: "Z") else { return nil }
            bytes.removeLast()
        }
        guard bytes.count == 19 || bytes.count == 23 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for b in bytes[range] {
                guard b >= 48 && b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")] + (bytes.count == 23 ? [(19, ".")] : [])
        guard separators.allSatisfy({ bytes[$0.0] == $0.1.asciiValue }),
              let y = number(0..<4), let m = number(5..<7), let d = number(8..<10), let date = LocalDate(year: y, month: m, day: d),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              hour < 24, minute < 60, second < 60 else { return nil }
        let ms = bytes.count == 23 ? number(20..<23) : 0
        guard let ms else { return nil }
        return (Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1000 + Int64(ms)
    }
}
