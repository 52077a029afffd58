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
        try await pages(type: "heart-rate", filter: Self.civilDay("heart_rate", date), date: date, what: "heart-rate").map(Self.array)
    }

    /// The day's heart-rate variability samples, as one JSON array of page bodies.
    public func fetchHRV(_ date: LocalDate) async throws -> Result<[UInt8], DayFailure> {
        try await pages(type: "heart-rate-variability", filter: Self.civilDay("heart_rate_variability", date), date: date, what: "HRV").map(Self.array)
    }

    /// A month of daily summaries: `daily-resting-heart-rate` and `daily-heart-rate-variability`, one request each
    /// for the whole range (not one per day), stored together as `{"resting":[pages],"hrv":[pages]}`.
    public func fetchDaily(_ days: ClosedRange<LocalDate>) async throws -> Result<[UInt8], DayFailure> {
        func range(_ snake: String) -> String {
            "\(snake).date >= \"\(days.lowerBound)\" AND \(snake).date < \"\(days.upperBound.adding(days: 1))\""
        }
        let resting = try await pages(type: "daily-resting-heart-rate", filter: range("daily_resting_heart_rate"), date: days.lowerBound, what: "daily resting heart-rate")
        let hrv = try await pages(type: "daily-heart-rate-variability", filter: range("daily_heart_rate_variability"), date: days.lowerBound, what: "daily HRV")
        switch (resting, hrv) {
        case (.success(let r), .success(let h)):
            return .success(Array("{\"resting\":".utf8) + Self.array(r) + Array(",\"hrv\":".utf8) + Self.array(h) + [UInt8(ascii: "}")])
        case (.failure(let failure), _), (_, .failure(let failure)):
            return .failure(failure)
        }
    }

    public var dailyRangeLimit: Int { 31 }

    static func civilDay(_ snake: String, _ date: LocalDate) -> String {
        "\(snake).sample_time.civil_time >= \"\(date)T00:00:00\" AND \(snake).sample_time.civil_time < \"\(date.adding(days: 1))T00:00:00\""
    }

    static func array(_ pages: [[UInt8]]) -> [UInt8] {
        var body: [UInt8] = [UInt8(ascii: "[")]
        for (i, page) in pages.enumerated() {
            if i > 0 { body.append(UInt8(ascii: ",")) }
            body += page
        }
        body.append(UInt8(ascii: "]"))
        return body
    }

    /// Every page of one query of a data type, following `nextPageToken` with `pageSize=10000`.
    private func pages(type: String, filter: String, date: LocalDate, what: String) async throws -> Result<[[UInt8]], DayFailure> {
        var pages = [[UInt8]]()
        var pageToken: String?
        repeat {
            var query = [("pageSize", String(Self.pageSize)), ("filter", filter)]
            if let pageToken { query.append(("pageToken", pageToken)) }
            let result: HTTPResult
            do {
                result = try await requester.get("/v4/users/me/dataTypes/\(type)/dataPoints?" + FormEncoding.encode(query))
            } catch let failure as RequestFailure {
                return .failure(DayFailure(date: date, kind: failure.status == nil ? .network : .http, httpStatus: failure.status, message: failure.message))
            }
            guard result.status == 200 else {
                try Self.stopIfFatal(result, endpoint: "\(type) dataPoints")
                return .failure(DayFailure(date: date, kind: .http, httpStatus: result.status, message: "\(what) request refused" + APIErrorBody(result.body).summary))
            }
            pages.append(result.body)
            guard pages.count <= 1_000 else {
                return .failure(DayFailure(date: date, kind: .http, httpStatus: 200, message: "more than 1000 pages for one \(what) query; the API keeps answering nextPageToken"))
            }
            pageToken = Self.nextPageToken(result.body)
        } while pageToken != nil
        return .success(pages)
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
