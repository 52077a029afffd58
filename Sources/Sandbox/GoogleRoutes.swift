import Foundation
import HeartRateExport
import HTTPTypes
import Hummingbird
import NIOCore

/// The Google Health API v4 side of the sandbox: Google's OAuth paths, the identity endpoint, and
/// heart-rate data points with the AIP-160 filter, paging and newest-first order of the real API.
extension SandboxRoutes {
    func registerGoogle(on router: Router<BasicRequestContext>) {
        router.get("/o/oauth2/v2/auth") { request, _ in await self.authorize(request) }
        router.post("/token") { request, _ in await self.token(request) }
        router.post("/revoke") { request, _ in await self.revoke(request) }
        router.get("/v4/users/me/identity") { request, _ in
            await self.api(request) { user in
                // SANDBOX2 stands for an account created on Google only: no legacy Fitbit id.
                user == "SANDBOX2" ? self.json(["healthUserId": user]) : self.json(["healthUserId": "h-" + user.lowercased(), "legacyUserId": user])
            }
        }
        router.get("/v4/users/me/dataTypes/:type/dataPoints") { request, context in
            await self.api(request) { user in
                let type = context.parameters.get("type") ?? ""
                guard ["heart-rate", "heart-rate-variability", "daily-resting-heart-rate", "daily-heart-rate-variability"].contains(type) else {
                    return self.googleError(400, "INVALID_ARGUMENT", "Unknown data type \(type)", reason: "INVALID_DATA_TYPE")
                }
                if user == "SANDBOX3" {
                    return self.googleError(403, "PERMISSION_DENIED", "The account is not linked to a Fitbit account", reason: "ACCOUNT_NOT_LINKED")
                }
                if type != "heart-rate" { return await self.googleHeartSeries(user: user, type: type, query: Self.query(request)) }
                return await self.dataPoints(user: user, query: Self.query(request))
            }
        }
    }

    /// A closed-open range from the filter, in civil (local wall clock) or physical (UTC) seconds.
    enum TimeRange {
        case civil(Int, Int)
        case physical(Int, Int)
    }

    static func parseFilter(_ filter: String) -> TimeRange? {
        var lower: (civil: Bool, value: Int)?
        var upper: (civil: Bool, value: Int)?
        for clause in filter.components(separatedBy: " AND ") {
            let parts = clause.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 2).map { String($0) }
            guard parts.count == 3, parts[2].hasPrefix("\""), parts[2].hasSuffix("\""), parts[2].count >= 2 else { return nil }
            let text = String(parts[2].dropFirst().dropLast())
            let civil: Bool
            let value: Int
            switch parts[0] {
            case "heart_rate.sample_time.civil_time":
                civil = true
                if let date = LocalDate(text) { value = date.daysSinceEpoch * 86_400 }
                else if let time = LocalDateTime(text) { value = time.secondsAsIfUTC }
                else { return nil }
            case "heart_rate.sample_time.physical_time":
                civil = false
                guard text.hasSuffix("Z"), let time = LocalDateTime(text.dropLast()) else { return nil }
                value = time.secondsAsIfUTC
            default:
                return nil
            }
            switch parts[1] {
            case ">=": lower = (civil, value)
            case "<": upper = (civil, value)
            default: return nil
            }
        }
        guard let lower, let upper, lower.civil == upper.civil else { return nil }
        return lower.civil ? .civil(lower.value, upper.value) : .physical(lower.value, upper.value)
    }

    func dataPoints(user: String, query: FormFields) async -> Response {
        let pageSize = query["pageSize"].flatMap { Int($0) } ?? 1440
        guard pageSize > 0 else { return googleError(400, "INVALID_ARGUMENT", "pageSize must be positive") }
        var range: TimeRange?
        if let filter = query["filter"], !filter.isEmpty {
            guard let parsed = Self.parseFilter(filter) else {
                return googleError(400, "INVALID_ARGUMENT", "Invalid filter: \(filter)", reason: "INVALID_FILTER_FORMAT")
            }
            range = parsed
        }
        // Days whose points may fall in the range; without a filter, the last week up to the device's sync.
        let dates: [LocalDate]
        switch range {
        case .civil(let from, let to):
            dates = Array(stride(from: from / 86_400, through: (to - 1) / 86_400, by: 1)).map { LocalDate(daysSinceEpoch: $0) }
        case .physical(let from, let to):
            dates = Array(stride(from: from / 86_400 - 1, through: (to - 1) / 86_400 + 1, by: 1)).map { LocalDate(daysSinceEpoch: $0) }
        case nil:
            let last = await state.lastSync(for: user).date
            dates = (0..<8).map { last.adding(days: -$0) }
        }
        guard dates.count <= 62 else { return googleError(400, "INVALID_ARGUMENT", "The range may span at most 62 days") }
        var points = [SyntheticHeartRate.Point]()
        for date in dates {
            let day = await served(user: user, date: date, detail: .oneSecond)
            for p in day.points {
                switch range {
                case .civil(let from, let to):
                    let civil = date.daysSinceEpoch * 86_400 + p.wallSecond
                    if civil >= from && civil < to { points.append(p) }
                case .physical(let from, let to):
                    if p.epochSeconds >= from && p.epochSeconds < to { points.append(p) }
                case nil:
                    points.append(p)
                }
            }
        }
        points.sort { $0.epochSeconds > $1.epochSeconds }
        let offset = query["pageToken"].flatMap { $0.hasPrefix("p") ? Int($0.dropFirst()) : nil } ?? 0
        guard offset <= points.count else { return googleError(400, "INVALID_ARGUMENT", "Invalid page token") }
        let end = min(points.count, offset + min(pageSize, 10_000))
        var out = [UInt8]()
        out.reserveCapacity((end - offset) * 360 + 64)
        out += Array("{\"dataPoints\":[".utf8)
        for (i, p) in points[offset..<end].enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            Self.appendPoint(p, to: &out)
        }
        out += Array("]".utf8)
        if end < points.count { out += Array(",\"nextPageToken\":\"p\(end)\"".utf8) }
        out += Array("}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(bytes: out)))
    }

    /// One data point as the API shapes it; zero fields are left out, as proto3 JSON does.
    static func appendPoint(_ p: SyntheticHeartRate.Point, to out: inout [UInt8]) {
        var instant = [UInt8]()
        let local = LocalDateTime(secondsAsIfUTC: Int64(p.epochSeconds + p.offsetSeconds))
        let c = local.date.components
        let h = local.secondOfDay / 3600, m = local.secondOfDay / 60 % 60, s = local.secondOfDay % 60
        instant += Array(LocalDateTime(secondsAsIfUTC: Int64(p.epochSeconds)).description.utf8)
        var time = [String]()
        if h > 0 { time.append("\"hours\":\(h)") }
        if m > 0 { time.append("\"minutes\":\(m)") }
        if s > 0 { time.append("\"seconds\":\(s)") }
        let offset = p.offsetSeconds == 0 ? "" : "\"utcOffset\":\"\(p.offsetSeconds)s\","
        out += Array(("{\"dataSource\":{\"recordingMethod\":\"PASSIVELY_MEASURED\",\"platform\":\"FITBIT\",\"device\":{},\"application\":{}},"
            + "\"heartRate\":{\"sampleTime\":{\"physicalTime\":\"" + String(decoding: instant, as: UTF8.self) + "Z\"," + offset
            + "\"civilTime\":{\"date\":{\"year\":\(c.year),\"month\":\(c.month),\"day\":\(c.day)},\"time\":{" + time.joined(separator: ",") + "}}},"
            + "\"beatsPerMinute\":\"\(p.bpm)\",\"metadata\":{\"motionContext\":\"SEDENTARY\",\"sensorLocation\":\"WRIST\"}}}").utf8)
    }

    /// Google's error envelope.
    func googleError(_ status: Int, _ code: String, _ message: String, reason: String? = nil) -> Response {
        var error: [String: Any] = ["code": status, "message": message, "status": code]
        if let reason {
            error["details"] = [["@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "health.googleapis.com"]]
        }
        var response = json(["error": error])
        response.status = HTTPResponse.Status(code: status)
        return response
    }
}
