import Foundation

/// What the profile tells us: the user, their zone today, and the first day data can exist.
public struct Profile: Sendable, Equatable {
    public var encodedID: String
    public var timeZone: String
    public var memberSince: LocalDate?
}

/// The Fitbit Web API as the exporter uses it: bearer token, budget, 401 refresh, 429 wait, 5xx retries.
public struct FitbitClient: HeartRateSource {
    public let requester: AuthorizedRequester
    public var kind: SourceKind { .fitbit }

    public init(requester: AuthorizedRequester) {
        self.requester = requester
    }

    public func account() async throws -> SourceAccount {
        let profile = try await profile()
        return SourceAccount(user: profile.encodedID, timeZone: profile.timeZone, zoneIsAccountSetting: true,
                             memberSince: profile.memberSince, lastSync: try await lastSync())
    }

    public func fetchDay(_ date: LocalDate, rawDetail: Detail) async throws -> Result<[UInt8], DayFailure> {
        try await heartRateDay(date, detail: rawDetail)
    }

    /// The night that ends on `date`, window by window.
    public func fetchHRV(_ date: LocalDate) async throws -> Result<[UInt8], DayFailure> {
        try await body("/1/user/-/hrv/date/\(date)/all.json", date: date, what: "HRV")
    }

    /// The nightly HRV summaries of up to 30 days in one request.
    public func fetchDaily(_ days: ClosedRange<LocalDate>) async throws -> Result<[UInt8], DayFailure> {
        try await body("/1/user/-/hrv/date/\(days.lowerBound)/\(days.upperBound).json", date: days.lowerBound, what: "daily HRV")
    }

    public var dailyRangeLimit: Int { 30 }

    public func requestsSent() async -> Int { await requester.budget.requestsSent }

    func get(_ path: String) async throws -> HTTPResult { try await requester.get(path) }

    public func profile() async throws -> Profile {
        let body = try await requireOK("/1/user/-/profile.json", endpoint: "profile.json")
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let user = object["user"] as? [String: Any], let id = user["encodedId"] as? String,
              let zone = user["timezone"] as? String else {
            throw ExportError.http(endpoint: "profile.json", status: 200, message: "answer lacks user.encodedId or user.timezone")
        }
        guard TimeZone(identifier: zone) != nil else {
            throw ExportError.http(endpoint: "profile.json", status: 200, message: "unknown time zone \(Printable.quoted(zone))")
        }
        return Profile(encodedID: try UserID.checked(answer: id, endpoint: "profile.json"), timeZone: zone, memberSince: (user["memberSince"] as? String).flatMap { LocalDate($0) })
    }

    /// The latest `lastSyncTime` over the user's devices (local wall clock), nil when there is no device.
    public func lastSync() async throws -> LocalDateTime? {
        let body = try await requireOK("/1/user/-/devices.json", endpoint: "devices.json")
        guard let devices = try? JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else {
            throw ExportError.http(endpoint: "devices.json", status: 200, message: "answer is not a list of devices")
        }
        return devices.compactMap { ($0["lastSyncTime"] as? String).flatMap { LocalDateTime($0) } }.max()
    }

    /// The raw body of one day, or why it could not be had.
    public func heartRateDay(_ date: LocalDate, detail: Detail) async throws -> Result<[UInt8], DayFailure> {
        try await body("/1/user/-/activities/heart/date/\(date)/1d/\(detail.rawValue).json", date: date, what: "heart-rate")
    }

    /// One GET of a day's data: the body, or the day's failure; a 403 (the heartrate scope, which HRV needs too)
    /// ends the run.
    private func body(_ path: String, date: LocalDate, what: String) async throws -> Result<[UInt8], DayFailure> {
        do {
            let result = try await get(path)
            switch result.status {
            case 200:
                return .success(result.body)
            case 403:
                throw ExportError.authorizationNeeded("the \(what) endpoint answered 403 (\(APIErrorBody(result.body).types.first ?? "insufficient_scope")): the token lacks the heartrate scope")
            default:
                let body = APIErrorBody(result.body)
                return .failure(DayFailure(date: date, kind: .http, httpStatus: result.status, message: "\(what) request refused" + body.summary))
            }
        } catch let failure as RequestFailure {
            return .failure(DayFailure(date: date, kind: failure.status == nil ? .network : .http, httpStatus: failure.status, message: failure.message))
        }
    }

    private func requireOK(_ path: String, endpoint: String) async throws -> [UInt8] {
        do {
            let result = try await get(path)
            guard result.status == 200 else {
                if result.status == 403 {
                    throw ExportError.authorizationNeeded("\(endpoint) answered 403: the token lacks a scope (\(FitbitProvider.scopes) are needed)")
                }
                throw ExportError.http(endpoint: endpoint, status: result.status, message: "request refused" + APIErrorBody(result.body).summary)
            }
            return result.body
        } catch let failure as RequestFailure {
            throw ExportError.http(endpoint: endpoint, status: failure.status, message: failure.message)
        }
    }
}
