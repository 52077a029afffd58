import Platform

/// Why one day could not be exported. The run records it in the manifest and goes on with the next day.
public struct DayFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case http, network, decode
    }

    public var date: LocalDate
    public var kind: Kind
    public var httpStatus: Int?
    public var message: String

    public init(date: LocalDate, kind: Kind, httpStatus: Int? = nil, message: String) {
        self.date = date
        self.kind = kind
        self.httpStatus = httpStatus
        self.message = message
    }

    public var description: String {
        "\(date): " + (httpStatus.map { "HTTP \($0): " } ?? "") + message
    }
}

/// Errors that stop a command. Each maps to one exit code of the design's table and prints as one line.
/// None of them ever carries a token, code, verifier or secret.
public enum ExportError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Bad flags, environment or configuration; nothing was written.
    case usage(String)
    /// The refresh token is missing, revoked or unusable.
    case authorizationNeeded(String)
    /// Another process holds the user's lock.
    case locked(path: String, pid: Int32?)
    /// HTTP 410 from any endpoint: the Fitbit Web API was turned off on 2 Nov 2026.
    case apiGone(endpoint: String)
    /// An endpoint the whole run depends on (profile, devices, token) failed.
    case http(endpoint: String, status: Int?, message: String)
    /// A file operation failed.
    case io(path: String, operation: String, errno: Int32)
    /// A file exists but is not what we wrote, or is damaged.
    case corrupt(path: String, message: String)

    public var exitCode: Int32 {
        switch self {
        case .usage: 2
        case .authorizationNeeded: 3
        case .locked: 4
        case .apiGone: 5
        case .http, .io, .corrupt: 1
        }
    }

    public var description: String {
        switch self {
        case .usage(let message):
            return message
        case .authorizationNeeded(let message):
            return message + "; run `hrexport auth` again"
        case .locked(let path, let pid):
            return "another hrexport run" + (pid.map { " (pid \($0))" } ?? "") + " holds the lock \(path)"
        case .apiGone(let endpoint):
            return "\(endpoint) answered 410 Gone: the Fitbit Web API was turned off on 2 November 2026; export from Google Takeout or the Google Health API instead"
        case .http(let endpoint, let status, let message):
            return "\(endpoint)" + (status.map { " answered HTTP \($0)" } ?? " failed") + ": \(message)"
        case .io(let path, let operation, let code):
            return "cannot \(operation) \(path): \(Platform.describe(error: code))"
        case .corrupt(let path, let message):
            return "\(path): \(message)"
        }
    }
}
