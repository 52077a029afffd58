/// A strict JSON reader over the body's bytes, for the one shape the decoder needs: the small parts of a
/// heart-rate body become `JSONValue`s, and the `dataset` array, which holds up to 86,400 samples, is read
/// element by element without a dictionary per sample. Anything that is not JSON is an error naming the
/// byte offset; nothing is ever read past the end.
struct JSONScanner {
    struct Failure: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "\(reason) at byte \(offset)" }
    }

    private let bytes: [UInt8]
    private(set) var position = 0
    private var depth = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    // MARK: structure

    /// Calls `field` for each key of the object that starts here; `field` must consume the value.
    mutating func object(_ field: (inout JSONScanner, String) throws(Failure) -> Void) throws(Failure) {
        try enter()
        defer { depth -= 1 }
        try expect(UInt8(ascii: "{"))
        if try peek() == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try field(&self, key)
            switch try next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return
            default: throw fail("expected , or } in an object")
            }
        }
    }

    /// Calls `element` for each element of the array that starts here; `element` must consume it.
    mutating func array(_ element: (inout JSONScanner) throws(Failure) -> Void) throws(Failure) {
        try enter()
        defer { depth -= 1 }
        try expect(UInt8(ascii: "["))
        if try peek() == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            try element(&self)
            switch try next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"): return
            default: throw fail("expected , or ] in an array")
            }
        }
    }

    /// The whole document must be one value and nothing after it but whitespace.
    mutating func end() throws(Failure) {
        skipWhitespace()
        guard position == bytes.count else { throw fail("unexpected data after the JSON value") }
    }

    // MARK: values

    /// A generic value, for the small parts of the body.
    mutating func value() throws(Failure) -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "{"):
            var fields = [String: JSONValue]()
            try object { (scanner, key) throws(Failure) in fields[key] = try scanner.value() }
            return .object(fields)
        case UInt8(ascii: "["):
            var elements = [JSONValue]()
            try array { (scanner) throws(Failure) in elements.append(try scanner.value()) }
            return .array(elements)
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default:
            return .number(try number())
        }
    }

    /// Skips one value of any kind.
    mutating func skip() throws(Failure) {
        _ = try value()
    }

    mutating func string() throws(Failure) -> String {
        String(decoding: try stringBytes(), as: UTF8.self)
    }

    /// A string read by `parse`; when it does not parse, the failure (at `start`, the enclosing record) names the
    /// field, the text and the form it should have.
    mutating func string<T>(_ field: String, expected: String, at start: Int, _ parse: (ArraySlice<UInt8>) -> T?) throws(Failure) -> T {
        let text = try stringBytes()
        guard let parsed = parse(text) else {
            throw Failure(offset: start, reason: "\(field) \"\(String(decoding: text, as: UTF8.self))\" is not \(expected)")
        }
        return parsed
    }

    /// The raw bytes of a string without escapes, or its unescaped UTF-8 when it has some.
    mutating func stringBytes() throws(Failure) -> ArraySlice<UInt8> {
        try expect(UInt8(ascii: "\""))
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                defer { position += 1 }
                return bytes[start..<position]
            }
            if byte == UInt8(ascii: "\\") { return try escapedString(from: start) }
            guard byte >= 0x20 else { throw fail("control character in a string") }
            position += 1
        }
        throw fail("unterminated string")
    }

    mutating func number() throws(Failure) -> Double {
        skipWhitespace()
        let start = position
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        var digits = 0
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            position += 1
            digits += 1
        }
        guard digits > 0 else { throw fail("expected a value") }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        }
        guard let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)) else { throw fail("malformed number") }
        return value
    }

    /// An integer written as a plain number, fast: the dataset's bpm values are all of this kind.
    mutating func smallInteger() throws(Failure) -> Int? {
        skipWhitespace()
        var index = position
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var value = 0
        var digits = 0
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]), digits < 9 {
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
            digits += 1
        }
        // Anything else (a fraction, an exponent, a string) takes the general path.
        guard digits > 0, index < bytes.count else { return nil }
        let after = bytes[index]
        guard after == UInt8(ascii: ",") || after == UInt8(ascii: "}") || after == 0x20 || after == 0x0A || after == 0x0D || after == 0x09 else { return nil }
        position = index
        return negative ? -value : value
    }

    /// The common form of a dataset element, `{"time":"HH:MM:SS","value":N}` exactly, read in one pass:
    /// (second of the day, value). Anything else returns nil and consumes nothing, for the general path.
    mutating func compactSample() -> (second: Int, value: Int)? {
        skipWhitespace()
        let prefix = Self.timePrefix, middle = Self.valuePrefix
        let timeStart = position + prefix.count
        let valueStart = timeStart + 8 + middle.count
        guard valueStart < bytes.count else { return nil }
        for k in 0..<prefix.count where bytes[position + k] != prefix[k] { return nil }
        for k in 0..<middle.count where bytes[timeStart + 8 + k] != middle[k] { return nil }
        func digit(_ index: Int) -> Int? {
            let d = Int(bytes[index]) - 48
            return d >= 0 && d <= 9 ? d : nil
        }
        guard bytes[timeStart + 2] == UInt8(ascii: ":"), bytes[timeStart + 5] == UInt8(ascii: ":"),
              let h1 = digit(timeStart), let h2 = digit(timeStart + 1), let m1 = digit(timeStart + 3), let m2 = digit(timeStart + 4),
              let s1 = digit(timeStart + 6), let s2 = digit(timeStart + 7) else { return nil }
        let hour = h1 * 10 + h2, minute = m1 * 10 + m2, second = s1 * 10 + s2
        guard hour < 24, minute < 60, second < 60 else { return nil }
        var index = valueStart
        var value = 0
        var digits = 0
        while index < bytes.count, let d = digit(index), digits < 6 {
            value = value * 10 + d
            index += 1
            digits += 1
        }
        guard digits > 0, index < bytes.count, bytes[index] == UInt8(ascii: "}") else { return nil }
        position = index + 1
        return (hour * 3600 + minute * 60 + second, value)
    }

    private static let timePrefix = Array(#"{"time":""#.utf8)
    private static let valuePrefix = Array(#"","value":"#.utf8)

    // MARK: primitives

    mutating func peek() throws(Failure) -> UInt8 {
        skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end of data") }
        return bytes[position]
    }

    private mutating func next() throws(Failure) -> UInt8 {
        let byte = try peek()
        position += 1
        return byte
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard try next() == byte else {
            position -= 1
            throw fail("expected \(Character(Unicode.Scalar(byte)))")
        }
    }

    private mutating func literal(_ word: String) throws(Failure) {
        skipWhitespace()
        let expected = Array(word.utf8)
        guard position + expected.count <= bytes.count, bytes[position..<position + expected.count].elementsEqual(expected) else {
            throw fail("expected \(word)")
        }
        position += expected.count
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while position < bytes.count {
            let byte = bytes[position]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            position += 1
        }
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        guard depth <= 64 else { throw fail("nested too deeply") }
    }

    private mutating func escapedString(from start: Int) throws(Failure) -> ArraySlice<UInt8> {
        var out = Array(bytes[start..<position])
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return out[...]
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard position + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16) else {
                        throw fail("bad \\u escape")
                    }
                    position += 4
                    // Surrogates are not needed for heart-rate bodies; an unpaired one becomes U+FFFD.
                    out += Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8)
                default:
                    throw fail("bad escape")
                }
            default:
                guard byte >= 0x20 else { throw fail("control character in a string") }
                out.append(byte)
            }
        }
        throw fail("unterminated string")
    }

    private func fail(_ reason: String) -> Failure { Failure(offset: position, reason: reason) }
}

/// The small parts of a body, as read by `JSONScanner.value()`.
indirect enum JSONValue: Equatable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { fields[key] } else { nil }
    }

    var array: [JSONValue]? { if case .array(let v) = self { v } else { nil } }
    var string: String? { if case .string(let v) = self { v } else { nil } }
    /// A whole number, also when sent as a numeric string.
    var integer: Int? {
        switch self {
        case .number(let v) where v.isFinite && v.rounded() == v && abs(v) < 1e15: Int(v)
        case .string(let text): Int(text)
        default: nil
        }
    }
}
