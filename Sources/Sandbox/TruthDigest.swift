import Crypto
import Foundation
import HeartRateExport

/// The design's definitions, computed by the sandbox itself and not by the exporter's code, so that a test
/// comparing the two compares two independent readings of the contract.
enum TruthDigest {
    /// "sha256 of the canonical rows: one line per row, `<epoch_ms>,<utc_offset_min>,<bpm>\n`, sorted" (design, Manifest).
    static func rows(_ rows: [(epochMillis: Int64, offsetMinutes: Int, bpm: Int)]) -> String {
        let text = rows.sorted { $0.epochMillis < $1.epochMillis }.map { "\($0.epochMillis),\($0.offsetMinutes),\($0.bpm)\n" }.joined()
        return hex(SHA256.hash(data: Array(text.utf8)))
    }

    typealias HRVRow = (epochMillis: Int64, offsetMinutes: Int, values: [Double?])

    /// "`hrv`: `<epoch_ms>,<utc_offset_min>,<rmssd_ms>,<coverage>,<lf>,<hf>,<sdnn_ms>`, numbers in the shortest decimal
    /// that round-trips a double, null as the empty string", one line per row, sorted (design, Heart series).
    static func hrv(_ rows: [HRVRow]) -> String {
        let text = rows.sorted { $0.epochMillis < $1.epochMillis }
            .map { row in ([String(row.epochMillis), String(row.offsetMinutes)] + row.values.map { $0.map { "\($0)" } ?? "" }).joined(separator: ",") + "\n" }
            .joined()
        return hex(SHA256.hash(data: Array(text.utf8)))
    }

    /// A refresh token's short fingerprint: the first 12 hex digits of its SHA-256 (what manifests record).
    static func fingerprint(_ token: String) -> String { String(hex(SHA256.hash(data: Array(token.utf8))).prefix(12)) }

    /// RFC 7636's S256: base64url, without padding, of the SHA-256 of the verifier.
    static func pkceChallenge(_ verifier: String) -> String {
        Data(SHA256.hash(data: Array(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

/// The sandbox's calendar: today in a zone, from the system clock.
enum SandboxClock {
    static func today(in zone: String) -> LocalDate {
        let offset = TimeZone(identifier: zone)?.secondsFromGMT() ?? 0
        return LocalDate(containingSecond: Int64(Date().timeIntervalSince1970.rounded(.down)) + Int64(offset))
    }
}
