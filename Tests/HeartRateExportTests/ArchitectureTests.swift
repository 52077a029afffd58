import Foundation
import Testing

/// The layout's promises, checked on the sources themselves, so that a change that breaks one turns a test red
/// instead of waiting for the next reader to notice.
@Suite("Architecture")
struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func files(_ folder: String) -> [(path: String, text: String)] {
        let base = root.appendingPathComponent(folder).path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.sorted().compactMap { relative in
            (try? String(contentsOfFile: base + "/" + relative, encoding: .utf8)).map { (folder + "/" + relative, $0) }
        }
    }

    /// Names of the types a folder declares.
    static func declaredTypes(_ folder: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: #"(?m)^\s*(?:public |package |private |fileprivate |final )*(?:struct|enum|class|actor|protocol) (\w+)"#)
        var names = Set<String>()
        for (_, text) in files(folder) {
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                names.insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        return names
    }

    /// The code of a file without its comments and string literals (a message may name anything).
    static func code(_ text: String) -> String {
        text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
            .replacingOccurrences(of: #""(?:[^"\\\n]|\\.)*""#, with: "\"\"", options: .regularExpression)
    }

    @Test("every path in ARCHITECTURE.md's concept table exists")
    func architecturePaths() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("ARCHITECTURE.md"), encoding: .utf8)
        let table = try #require(text.components(separatedBy: "## Concept → path").last)
        let paths = table.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("|"), let open = line.range(of: "`Sources/") else { return nil }
            let rest = line[open.upperBound...]
            return "Sources/" + rest.prefix { $0 != "`" }
        }
        #expect(paths.count >= 20)
        for path in paths { #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(path).path), "\(path) does not exist") }
    }

    @Test("no type of the Fitbit provider folder is used by Google code")
    func providersStayApart() {
        let fitbit = Self.declaredTypes("Sources/HeartRateExport/Providers/Fitbit")
        #expect(fitbit.contains("FitbitDayDecoder"))
        for (path, text) in Self.files("Sources/HeartRateExport/Providers/Google") {
            for name in fitbit where Self.code(text).range(of: #"\b\#(name)\b"#, options: .regularExpression) != nil {
                Issue.record("\(path) uses \(name) of the Fitbit provider")
            }
        }
    }

    @Test("no branch on the source outside the provider folders")
    func noSourceBranches() {
        for folder in ["Sources/HeartRateExport", "Sources/hrexport"] {
            for (path, text) in Self.files(folder) where !path.contains("/Providers/") {
                #expect(Self.code(text).range(of: #"[!=]= \.(google|fitbit|takeout)\b"#, options: .regularExpression) == nil, "\(path) branches on a source")
            }
        }
    }

    @Test("exactly one file initializes zlib, and one file holds the retry loop")
    func oneZlibWrapperOneRetryLoop() {
        let all = Self.files("Sources")
        #expect(all.filter { $0.text.contains("deflateInit2") || $0.text.contains("inflateInit2") }.map(\.path) == ["Sources/Gzip/Gzip.swift"])
        #expect(all.filter { Self.code($0.text).contains("sleep(beforeAttempt") }.map(\.path) == ["Sources/HeartRateExport/HTTP/RetryPolicy.swift"])
    }

    @Test("the sandbox uses nothing of the exporter's HTTP, OAuth or output code")
    func sandboxIsIndependent() {
        var exporter = Set<String>()
        for folder in ["HTTP", "OAuth", "Output"] { exporter.formUnion(Self.declaredTypes("Sources/HeartRateExport/" + folder)) }
        #expect(exporter.contains("CanonicalDigest") && exporter.contains("FormEncoding"))
        for (path, text) in Self.files("Sources/Sandbox") {
            for name in exporter where Self.code(text).range(of: #"\b\#(name)\b"#, options: .regularExpression) != nil {
                Issue.record("\(path) uses the exporter's \(name)")
            }
        }
    }

    @Test("the CLI holds only commands, their option groups and printing")
    func thinCLI() {
        let printing: Set<String> = ["Console", "ConsoleProgress", "LineLogHandler", "ExportRunner", "Flags", "Environment"]
        let pattern = try! NSRegularExpression(pattern: #"(?m)^(?:struct|enum|final class|class) (\w+)(?:: ([\w, @]+))?"#)
        for (path, text) in Self.files("Sources/hrexport") {
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let name = String(text[Range(match.range(at: 1), in: text)!])
                let conformances = match.range(at: 2).location == NSNotFound ? "" : String(text[Range(match.range(at: 2), in: text)!])
                let isCommand = conformances.contains("ParsableCommand") || conformances.contains("ParsableArguments")
                #expect(isCommand || printing.contains(name), "\(path): \(name) is neither a command, an option group nor printing")
            }
        }
    }
}
