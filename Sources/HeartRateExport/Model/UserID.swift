/// The one definition of a user id. An id becomes a folder name (`<out>/<user>`) and part of lock and
/// credentials file names, so every id from outside (a flag, a token response, a profile, Google's identity,
/// the credentials file) is checked here before it is used: a letter or digit, then letters, digits, `_`
/// and `-`, at most 128 in all. That fits Fitbit's `encodedId` (`2ABC3D`) and Google's numeric ids, and
/// leaves no `.`, `/`, space or control character that could turn a name into a path.
public enum UserID {
    public static let maxLength = 128
    public static let rule = "a letter or digit, then letters, digits, _ or -, at most 128 characters"

    public static func isValid(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard let first = bytes.first, bytes.count <= maxLength, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// A user id given on the command line or in a roster: a bad one is a usage error (exit 2).
    public static func checked(flag id: String, name: String = "--user") throws(ExportError) -> String {
        guard isValid(id) else { throw .usage("\(name) \(Printable.quoted(id)) is not a user id (\(rule))") }
        return id
    }

    /// A user id a server answered: a bad one ends the command (exit 1) before anything is written.
    public static func checked(answer id: String, endpoint: String) throws(ExportError) -> String {
        guard isValid(id) else {
            throw .http(endpoint: endpoint, status: 200, message: "the answer names the user \(Printable.quoted(id)), which is not a user id hrexport accepts (\(rule)); nothing was written")
        }
        return id
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
    }
}

/// Text from outside (a server's message, an id we refuse) made safe for one line of a terminal or a log:
/// control characters are escaped, so no answer can forge a line, move the cursor or hide what follows.
public enum Printable {
    public static func escaped(_ text: some StringProtocol, limit: Int = 200) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            guard count < limit else {
                out += "…"
                break
            }
            count += 1
            switch scalar.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00..<0x20, 0x7F..<0xA0, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `"<escaped text>"`, for ids and names inside a message.
    public static func quoted(_ text: some StringProtocol) -> String { "\"" + escaped(text, limit: 140) + "\"" }
}
