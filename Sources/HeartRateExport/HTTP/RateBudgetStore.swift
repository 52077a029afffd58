import Foundation

/// `<state>/<source>-<user>.budget.json`: the rate window's reset time (wall clock) and what was left.
public struct RateBudgetStore: Sendable {
    public struct Saved: Codable, Sendable, Equatable {
        public var limit: Int
        public var remaining: Int
        /// Seconds since the Unix epoch.
        public var resetAt: Double

        enum CodingKeys: String, CodingKey {
            case limit, remaining
            case resetAt = "reset_at"
        }
    }

    public let path: String

    public init(stateFolder: String, source: SourceKind, user: String) {
        path = "\(stateFolder)/\(source.rawValue)-\(user).budget.json"
    }

    /// A missing or unreadable file is no budget knowledge, never an error: the headers teach it again.
    public func load() -> Saved? {
        guard let bytes = try? FileSystem.read(path, limit: 4096) else { return nil }
        return try? JSONDecoder().decode(Saved.self, from: Data(bytes))
    }

    public func save(_ saved: Saved) {
        guard let data = try? JSONEncoder().encode(saved) else { return }
        try? AtomicFile.write(Array(data), to: path)
    }
}
