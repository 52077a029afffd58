import Foundation

/// Why one API request failed after its retries. Carries the status, never a token.
public struct RequestFailure: Error, Sendable {
    public var status: Int?
    public var message: String
}

/// Fitbit's `{"errors":[{"errorType":...,"message":...}]}` and OAuth's `{"error":...,"error_description":...}`.
struct APIErrorBody {
    var types: [String] = []
    var messages: [String] = []

    init(_ body: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return }
        if let errors = object["errors"] as? [[String: Any]] {
            types = errors.compactMap { $0["errorType"] as? String }
            messages = errors.compactMap { $0["message"] as? String }
        }
        if let error = object["error"] as? String { types.append(error) }
        if let error = object["error"] as? [String: Any] {
            // Google's envelope: {"error":{"code","message","status","details":[{"reason"}]}}.
            if let status = error["status"] as? String { types.append(status) }
            types += (error["details"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
            if let message = error["message"] as? String { messages.append(message) }
        }
        if let description = object["error_description"] as? String { messages.append(description) }
    }

    /// What the server said, as it said it but with control characters escaped: it is text from outside.
    var summary: String {
        let parts = types + messages
        return parts.isEmpty ? "" : ": " + Printable.escaped(parts.joined(separator: ", "), limit: 200)
    }

    /// A transport error in a few words. Never the error's own description: an HTTP library's error may quote
    /// the request, and a request carries the bearer token in its headers.
    static func describe(transportError error: any Error) -> String {
        switch error {
        case let failure as TransportFailure: failure.description
        case is CancellationError: "cancelled"
        default: "connection failed (\(String(describing: type(of: error))))"
        }
    }
}

/// What every answer of a JSON API must at least be.
public enum ResponseShape {
    /// A cheap check that a body is one whole JSON object or array: the first and last non-space bytes match.
    /// A truncated body or an HTML page fails it; the decoder still checks everything else.
    public static func isWholeJSON(_ body: [UInt8]) -> Bool {
        let space: Set<UInt8> = [0x20, 0x0A, 0x0D, 0x09]
        guard let first = body.first(where: { !space.contains($0) }), let last = body.last(where: { !space.contains($0) }) else { return false }
        return (first == UInt8(ascii: "{") && last == UInt8(ascii: "}")) || (first == UInt8(ascii: "[") && last == UInt8(ascii: "]"))
    }
}
