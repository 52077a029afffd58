import Foundation

/// The Google Health API v4 as a heart-rate source: identity, the newest sample, and one local day of
/// heart-rate data points (every page of it) per request sequence.
public struct GoogleClient: HeartRateSource {
    static let dataPoints = "/v4/users/me/dataTypes/heart-rate/dataPoints"
    public static let pageSize = 10_000

    public let requester: AuthorizedRequester
    public var kind: SourceKind { .google }

    public init(requester: AuthorizedRequester) {
        self.requester = requester
    }

    public func requestsSent() async -> Int { await requester.budget.requestsSent }

    /// `legacyUserId` when the account was a Fitbit account (its history continues in the same folder), else
    /// `healthUserId`; today's offset and how far the data reaches come from the newest data point.
    public func account() async throws -> SourceAccount {
        let identity = try await identity()
        let newest = try await requireOK(Self.dataPoints + "?pageSize=1", endpoint: "dataPoints")
        let points = try GoogleDayDecoder.points(of: [newest])
        let latest = points.max { $0.epochMillis < $1.epochMillis }
        let lastSync = latest.map { LocalDateTime(secondsAsIfUTC: $0.localMillis / 1000) }
        return SourceAccount(user: identity, timeZone: latest.map { ZoneLabel.fixed(offsetSeconds: Int($0.utcOffsetMinutes) * 60) },
                             zoneIsAccountSetting: false, memberSince: nil, lastSync: lastSync)
    }

    public func identity() async throws -> String {
        do {
            return try await GoogleIdentity.user { try await requester.get($0) }
        } catch let failure as RequestFailure {
            throw ExportError.http(endpoint: "identity", status: failure.status, message: failure.message)
        }
    }

    /// Every page of one local day (`civil_time` filter, the API knows no zone names), kept together as one
    /// JSON array of page bodies: the raw archive's file for the day.
    public func fetchDay(_ date: LocalDate, rawDetail: Detail) async throws -> Result<[UInt8], DayFailure> {
        let filter = "heart_rate.sample_time.civil_time >= \"\(date)T00:00:00\" AND heart_rate.sample_time.civil_time < \"\(date.adding(days: 1))T00:00:00\""
        var pages = [[UInt8]]()
        var pageToken: String?
        repeat {
            var query = [("pageSize", String(Self.pageSize)), ("filter", filter)]
            if let pageToken { query.append(("pageToken", pageToken)) }
            let result: HTTPResult
            do {
                result = try await requester.get(Self.dataPoints + "?" + FormEncoding.encode(query))
            } catch let failure as RequestFailure {
                return .failure(DayFailure(date: date, kind: failure.status == nil ? .network : .http, httpStatus: failure.status, message: failure.message))
            }
            guard result.status == 200 else {
                try Self.stopIfFatal(result, endpoint: "dataPoints")
                return .failure(DayFailure(date: date, kind: .http, httpStatus: result.status, message: "heart-rate request refused" + APIErrorBody(result.body).summary))
            }
            pages.append(result.body)
            guard pages.count <= 1_000 else {
                return .failure(DayFailure(date: date, kind: .http, httpStatus: 200, message: "more than 1000 pages for one day; the API keeps answering nextPageToken"))
            }
            pageToken = Self.nextPageToken(result.body)
        } while pageToken != nil
        var body: [UInt8] = [UInt8(ascii: "[")]
        for (i, page) in pages.enumerated() {
            if i > 0 { body.append(UInt8(ascii: ",")) }
            body += page
        }
        body.append(UInt8(ascii: "]"))
        return .success(body)
    }

    static func nextPageToken(_ body: [UInt8]) -> String? {
        var scanner = JSONScanner(body)
        var token: String?
        try? scanner.object { (s, key) throws(JSONScanner.Failure) in
            if key == "nextPageToken" { token = try s.string() } else { try s.skip() }
        }
        return token.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Errors that end the run whatever the day: an account without Fitbit data, or a missing scope.
    static func stopIfFatal(_ result: HTTPResult, endpoint: String) throws {
        let error = APIErrorBody(result.body)
        if error.types.contains("ACCOUNT_NOT_LINKED") {
            throw ExportError.authorizationNeeded("this Google account is not linked to a Fitbit account (ACCOUNT_NOT_LINKED): sign in with the Google account your Fitbit data moved to")
        }
        if result.status == 403 {
            throw ExportError.authorizationNeeded("\(endpoint) answered 403 (\(error.types.first ?? "PERMISSION_DENIED")): the token lacks the scope \(GoogleProvider.scope)")
        }
    }

    private func requireOK(_ path: String, endpoint: String) async throws -> [UInt8] {
        do {
            let result = try await requester.get(path)
            guard result.status == 200 else {
                try Self.stopIfFatal(result, endpoint: endpoint)
                throw ExportError.http(endpoint: endpoint, status: result.status, message: "request refused" + APIErrorBody(result.body).summary)
            }
            return result.body
        } catch let failure as RequestFailure {
            throw ExportError.http(endpoint: endpoint, status: failure.status, message: failure.message)
        }
    }
}

/// Decodes a day's pages of Google heart-rate data points into instants with their own offsets.
/// `beatsPerMinute` is an int64 and so arrives as a string; `utcOffset` is a duration such as `"-25200s"`.
public struct GoogleDayDecoder: DayDecoder {
    public init() {}

    public func decode(_ body: RawBody, date: LocalDate, detail: Detail) throws(DayFailure) -> HeartRateDay {
        var points: [Sample]
        let dropped: Int
        do { (points, dropped) = try Self.pages(body.bytes) } catch {
            throw DayFailure(date: date, kind: .decode, message: "malformed data points: \(error.description)")
        }
        // The civil_time filter chose the day; a point outside it would belong to another day's file.
        let dayStart = Int64(date.daysSinceEpoch) * 86_400_000
        points.removeAll { $0.localMillis < dayStart || $0.localMillis >= dayStart + 86_400_000 }
        // Newest first from the API; the normalizer sorts.
        let zone = points.max { $0.epochMillis < $1.epochMillis }.map { ZoneLabel.fixed(offsetSeconds: Int($0.utcOffsetMinutes) * 60) }
        var day = HeartRateDay(date: date, detail: detail, instants: points, observedZone: zone)
        day.droppedValues = dropped
        return day
    }

    /// The data points of a JSON array of page bodies.
    static func pages(_ bytes: [UInt8]) throws(JSONScanner.Failure) -> (samples: [Sample], dropped: Int) {
        var scanner = JSONScanner(bytes)
        var samples = [Sample]()
        var dropped = 0
        try scanner.array { (s) throws(JSONScanner.Failure) in try page(&s, into: &samples, dropped: &dropped) }
        try scanner.end()
        return (samples, dropped)
    }

    /// The data points of single pages (the newest-sample query).
    static func points(of pages: [[UInt8]]) throws(ExportError) -> [Sample] {
        var samples = [Sample]()
        var dropped = 0
        for bytes in pages {
            var scanner = JSONScanner(bytes)
            do {
                try page(&scanner, into: &samples, dropped: &dropped)
                try scanner.end()
            } catch {
                throw .http(endpoint: "dataPoints", status: 200, message: "malformed answer: \(error.description)")
            }
        }
        return samples
    }

    private static func page(_ s: inout JSONScanner, into samples: inout [Sample], dropped: inout Int) throws(JSONScanner.Failure) {
        try s.object { (s, key) throws(JSONScanner.Failure) in
            guard key == "dataPoints" else { return try s.skip() }
            try s.array { (s) throws(JSONScanner.Failure) in
                let start = s.position
                var sample: Sample??
                try s.object { (s, key) throws(JSONScanner.Failure) in
                    guard key == "heartRate" else { return try s.skip() }
                    sample = .some(try heartRate(&s, start: start))
                }
                guard let found = sample else { throw JSONScanner.Failure(offset: start, reason: "a data point lacks heartRate") }
                guard let point = found else {
                    dropped += 1
                    return
                }
                if BPMValue.plausible.contains(Int(point.bpm)) { samples.append(point) }
            }
        }
    }

    /// One point's sample; nil when its bpm is not a number an integer can hold (dropped and counted).
    private static func heartRate(_ s: inout JSONScanner, start: Int) throws(JSONScanner.Failure) -> Sample? {
        var instant: Int64?
        var offset: Int?
        var bpm: Int?
        var unrepresentable = false
        try s.object { (s, key) throws(JSONScanner.Failure) in
            switch key {
            case "sampleTime":
                try s.object { (s, key) throws(JSONScanner.Failure) in
                    switch key {
                    case "physicalTime":
                        instant = try s.string("physicalTime", expected: "an RFC 3339 UTC time", at: start) { RFC3339.millis($0) }
                    case "utcOffset":
                        let text = try s.string()
                        guard text.hasSuffix("s"), let seconds = Double(text.dropLast()), abs(seconds) <= 18 * 3600 else {
                            throw JSONScanner.Failure(offset: start, reason: "utcOffset \"\(text)\" is not a duration in seconds")
                        }
                        offset = Int(seconds)
                    default:
                        try s.skip()
                    }
                }
            case "beatsPerMinute":
                // An int64, so usually a string; a number outside what any integer holds is dropped and counted.
                let value = try s.value()
                let number: BPMValue.Number
                switch value {
                case .number(let v): number = BPMValue.number(v)
                case .string(let text): number = Int(text).map { .whole($0) } ?? Double(text).map { BPMValue.number($0) } ?? .fraction
                default: number = .fraction
                }
                switch number {
                case .whole(let whole): bpm = whole
                case .unrepresentable: unrepresentable = true
                case .fraction: throw JSONScanner.Failure(offset: start, reason: "beatsPerMinute \(Printable.escaped(String(describing: value), limit: 40)) is not a whole number")
                }
            default:
                try s.skip()
            }
        }
        if unrepresentable, instant != nil { return nil }
        guard let instant, let bpm else { throw JSONScanner.Failure(offset: start, reason: "a heart-rate point lacks physicalTime or beatsPerMinute") }
        // A zero offset may be omitted, as zero fields are.
        return Sample(epochMillis: instant, utcOffsetMinutes: Int16((offset ?? 0) / 60), bpm: Int16(clamping: bpm))
    }
}

/// RFC 3339 instants in UTC (`2026-09-25T10:04:59Z`, with any fraction of a second), to epoch milliseconds.
enum RFC3339 {
    static func millis(_ text: ArraySlice<UInt8>) -> Int64? {
        let bytes = Array(text)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z"),
              let whole = TimestampText.parse(bytes[0..<19] + [UInt8(ascii: "Z")], zulu: true) else { return nil }
        guard bytes.count > 20 else { return whole }
        guard bytes[19] == UInt8(ascii: "."), bytes.count > 21 else { return nil }
        var fraction = 0, digits = 0
        for b in bytes[20..<(bytes.count - 1)] {
            guard b >= 48 && b <= 57 else { return nil }
            if digits < 3 { fraction = fraction * 10 + Int(b - 48) }
            digits += 1
        }
        if digits < 3 { for _ in digits..<3 { fraction *= 10 } }
        return whole + Int64(fraction)
    }
}
