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
