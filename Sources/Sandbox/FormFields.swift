import Foundation

/// `application/x-www-form-urlencoded`, as servers read it (the WHATWG URL standard), written here rather than
/// taken from the exporter: the sandbox is the exporter's counterpart in tests, and a decoding bug shared by
/// both sides would pass every test. Query strings and form bodies are decoded alike: `+` is a space,
/// `%XX` a byte, and a `%` that starts no escape is itself.
struct FormFields: Sendable {
    private var pairs: [(String, String)] = []

    init(_ text: Substring) {
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let (name, value) = part.firstIndex(of: "=").map { (part[..<$0], part[part.index(after: $0)...]) } ?? (part, "")
            pairs.append((Self.decode(name), Self.decode(value)))
        }
    }

    init(_ text: String) { self.init(text[...]) }

    /// The first value of a field, as a client that sends it once means it.
    subscript(name: String) -> String? { pairs.first { $0.0 == name }?.1 }

    static func decode(_ text: Substring) -> String {
        var bytes = [UInt8]()
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%") where input.count >= 2:
                if let high = hex(input[input.startIndex]), let low = hex(input[input.startIndex + 1]) {
                    bytes.append(high << 4 | low)
                    input = input.dropFirst(2)
                } else {
                    bytes.append(byte)
                }
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters (for a value put into a redirect).
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || [0x2D, 0x2E, 0x5F, 0x7E].contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}
