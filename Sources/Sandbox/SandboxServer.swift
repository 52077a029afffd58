import Foundation
import HeartRateExport
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The built-in Fitbit-compatible server: real endpoint shapes and errors, synthetic deterministic data,
/// bound to 127.0.0.1 only. Test routes under `/_sandbox/` expose the request log and the expected rows.
public final class SandboxServer: Sendable {
    public let baseURL: String
    public let port: Int
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        baseURL = "http://127.0.0.1:\(port)"
        self.task = task
    }

    /// Starts in the background (for tests and `make demo`); `stop()` ends it.
    public static func start(_ configuration: SandboxConfiguration) async throws -> SandboxServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = makeApplication(configuration) { continuation.yield($0) }
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        for await port in ports { return SandboxServer(port: port, task: task) }
        throw CancellationError()
    }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }

    /// Runs in the foreground until SIGINT or SIGTERM; `onRunning` receives the base URL once bound.
    public static func run(_ configuration: SandboxConfiguration, onRunning: @escaping @Sendable (String) -> Void) async throws {
        let app = makeApplication(configuration) { onRunning("http://127.0.0.1:\($0)") }
        try await app.runService()
    }

    static func makeApplication(_ configuration: SandboxConfiguration, onPort: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let routes = SandboxRoutes(state: SandboxState(configuration: configuration), configuration: configuration)
        let router = Router()
        routes.register(on: router)
        var logger = Logger(label: "hrexport.sandbox")
        logger.logLevel = .critical
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: configuration.port)),
                           onServerRunning: { channel in onPort(channel.localAddress?.port ?? configuration.port) }, logger: logger)
    }
}

struct SandboxRoutes: Sendable {
    let state: SandboxState
    let configuration: SandboxConfiguration
    let data: SyntheticHeartRate

    init(state: SandboxState, configuration: SandboxConfiguration) {
        self.state = state
        self.configuration = configuration
        data = SyntheticHeartRate(seed: configuration.seed, timeZone: configuration.timeZone, offWrist: configuration.offWrist)
    }

    var today: LocalDate { configuration.today ?? SandboxClock.today(in: configuration.timeZone) }
    var memberSince: LocalDate {
        let c = today.components
        return LocalDate(year: c.year - 2, month: c.month, day: min(c.day, 28))!
    }

    func register(on router: Router<BasicRequestContext>) {
        if configuration.api == .google {
            registerGoogle(on: router)
        } else {
            registerFitbit(on: router)
        }
        registerTestRoutes(on: router)
    }

    func registerFitbit(on router: Router<BasicRequestContext>) {
        router.get("/oauth2/authorize") { request, _ in await self.authorize(request) }
        router.post("/oauth2/token") { request, _ in await self.token(request) }
        router.post("/oauth2/revoke") { request, _ in await self.revoke(request) }
        router.get("/1/user/-/profile.json") { request, _ in
            await self.api(request) { user in self.json(["user": await self.profile(user)]) }
        }
        router.get("/1/user/-/devices.json") { request, _ in
            await self.api(request) { user in
                let sync = await self.state.lastSync(for: user)
                return self.json([["id": "1234567890", "deviceVersion": "Charge 6", "type": "TRACKER", "battery": "High",
                                   "batteryLevel": 80, "lastSyncTime": sync.description + ".000"]])
            }
        }
        router.get("/1/user/-/hrv/date/:first/:second") { request, context in
            await self.api(request) { user in
                await self.fitbitHRV(user: user, first: context.parameters.get("first") ?? "", second: context.parameters.get("second") ?? "")
            }
        }
        router.get("/1/user/-/activities/heart/date/:date/1d/:file") { request, context in
            await self.api(request) { user in
                await self.heartRate(user: user, date: context.parameters.get("date") ?? "", file: context.parameters.get("file") ?? "")
            }
        }
    }

    func registerTestRoutes(on router: Router<BasicRequestContext>) {
        router.post("/_sandbox/expire-refresh") { request, _ in
            let user = Self.query(request)["user"].map { String($0) } ?? configuration.authorizingUser
            await self.state.expireRefreshToken(for: user)
            return self.json(["user": user, "expired": true])
        }
        router.get("/_sandbox/requests") { _, _ in
            let log = await self.state.log
            return self.json(log.map { entry in
                var fields: [String: Any] = ["time": entry.time, "method": entry.method, "path": entry.path, "status": entry.status, "user": entry.user ?? "-"]
                if let fault = entry.fault { fields["fault"] = fault }
                return fields
            })
        }
        router.get("/_sandbox/truth") { request, _ in await self.truth(request) }
        router.get("/_sandbox/token") { request, _ in
            let user = Self.query(request)["user"] ?? configuration.authorizingUser
            let token = await self.state.currentRefreshToken(for: user)
            let fingerprint: Any = token.map { TruthDigest.fingerprint($0) as Any } ?? NSNull()
            return self.json(["user": user, "fingerprint": fingerprint])
        }
        router.post("/_sandbox/timezone") { request, _ in
            guard let zone = Self.query(request)["zone"], TimeZone(identifier: zone) != nil,
                  let from = Self.query(request)["from"].flatMap({ LocalDate($0) }) else {
                return self.error(400, "validation", "zone must be an IANA zone and from YYYY-MM-DD")
            }
            await self.state.move(to: zone, from: from)
            return self.json(["zone": zone, "from": from.description])
        }
        router.post("/_sandbox/forbid") { request, _ in
            guard let part = Self.query(request)["path"], !part.isEmpty else { return self.error(400, "validation", "path must name a part of the paths to refuse") }
            await self.state.forbid(part)
            return self.json(["forbidden": part])
        }
        router.post("/_sandbox/last-sync") { request, _ in
            let user = Self.query(request)["user"] ?? configuration.authorizingUser
            guard let value = Self.query(request)["value"].flatMap({ LocalDateTime($0) }) else {
                return self.error(400, "validation", "value must be YYYY-MM-DDTHH:MM:SS")
            }
            await self.state.setLastSync(value, for: user)
            return self.json(["user": user, "last_sync": value.description])
        }
    }

    // MARK: OAuth

    static let fitbitScopes = "heartrate profile settings"
    static let googleScope = "https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly"

    /// A request's query, decoded as a server does (`+` is a space): OAuth clients send `scope=a+b+c`.
    static func query(_ request: Request) -> FormFields { FormFields(request.uri.query ?? "") }

    func authorize(_ request: Request) async -> Response {
        let q = Self.query(request)
        guard q["response_type"] == "code", let clientID = q["client_id"], !clientID.isEmpty,
              let redirect = q["redirect_uri"], !redirect.isEmpty else {
            return error(400, "invalid_request", "response_type=code, client_id and redirect_uri are required")
        }
        let challenge = q["code_challenge"]
        if challenge != nil && q["code_challenge_method"] != "S256" {
            return error(400, "invalid_request", "code_challenge_method must be S256")
        }
        let scope = q["scope"] ?? (configuration.api == .google ? Self.googleScope : Self.fitbitScopes)
        // `login_hint` (as Google's authorize endpoint takes it) picks which sandbox user approves, so that tests
        // and demos can enroll many users; without it, the configured user does.
        var user = configuration.authorizingUser
        if let hint = q["login_hint"] {
            guard configuration.isUser(hint) else { return error(400, "invalid_request", "login_hint must name a sandbox user SANDBOX1..SANDBOX\(configuration.users)") }
            user = hint
        }
        let code = await state.issueCode(user: user, clientID: clientID, redirectURI: redirect, challenge: challenge, scope: scope)
        var location = redirect + (redirect.contains("?") ? "&" : "?") + "code=" + code
        if let stateValue = q["state"] { location += "&state=" + FormFields.encode(stateValue) }
        await state.record(.init(time: SandboxState.now(), method: "GET", path: request.uri.path, status: 302, user: user))
        return Response(status: .found, headers: [.location: location])
    }

    func token(_ request: Request) async -> Response {
        var request = request
        let body = (try? await request.collectBody(upTo: 1 << 16)).map { String(buffer: $0) } ?? ""
        let form = FormFields(body)
        var clientID = form["client_id"] ?? ""
        var secret = form["client_secret"]
        if let header = request.headers[.authorization], header.hasPrefix("Basic "),
           let decoded = Data(base64Encoded: String(header.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
           let colon = decoded.firstIndex(of: ":") {
            clientID = String(decoded[..<colon])
            secret = String(decoded[decoded.index(after: colon)...])
        }
        if let secret, secret != configuration.clientSecret {
            return await logged(error(401, "invalid_client", "Invalid client secret"), "POST", "/oauth2/token", nil)
        }
        guard !clientID.isEmpty else { return await logged(error(401, "invalid_client", "client_id is required"), "POST", "/oauth2/token", nil) }
        let answer: SandboxState.TokenAnswer
        switch form["grant_type"] {
        case "authorization_code":
            answer = await state.redeemCode(form["code"] ?? "", clientID: clientID, redirectURI: form["redirect_uri"], verifier: form["code_verifier"], confidential: secret != nil)
        case "refresh_token":
            let fault = await state.tokenFault()
            if fault == .beforeRotation {
                return await logged(error(503, "system", "Synthetic fault"), "POST", "/oauth2/token", nil, fault: "token5xx")
            }
            answer = await state.refresh(form["refresh_token"] ?? "", clientID: clientID)
            if fault == .afterRotation {
                // The refresh happened, but its answer is lost: the client must come back with the same token.
                return await logged(error(503, "system", "Synthetic fault"), "POST", "/oauth2/token", nil, fault: "token5xx")
            }
        default:
            answer = .error(status: 400, type: "unsupported_grant_type", message: "grant_type must be authorization_code or refresh_token")
        }
        switch answer {
        case .ok(let tokens):
            return await logged(json(tokens), "POST", "/oauth2/token", tokens["user_id"] as? String)
        case .error(let status, let type, let message):
            return await logged(error(status, type, message), "POST", "/oauth2/token", nil)
        }
    }

    func revoke(_ request: Request) async -> Response {
        var request = request
        let body = (try? await request.collectBody(upTo: 1 << 16)).map { String(buffer: $0) } ?? ""
        if let token = FormFields(body)["token"] { await state.revoke(token) }
        return await logged(json([String: String]()), "POST", request.uri.path, nil)
    }

    // MARK: API

    /// Authentication, rate limit and faults, as every data endpoint has them.
    func api(_ request: Request, _ handler: (String) async -> Response) async -> Response {
        let path = request.uri.path
        let google = configuration.api == .google
        let user: String
        switch await state.authenticate(request.headers[.authorization]) {
        case .expired:
            return await logged(google ? googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.") : error(401, "expired_token", "Access token expired"), "GET", path, nil)
        case .invalid:
            return await logged(google ? googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.") : error(401, "invalid_token", "Access token invalid"), "GET", path, nil)
        case .user(let u): user = u
        }
        let budget = await state.spend(user: user)
        var response: Response
        var fault: SandboxState.Fault?
        let tooMany = { google ? self.googleError(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests per user per minute'") : self.error(429, "system", "Too Many Requests") }
        if !budget.allowed {
            response = tooMany()
        } else if await state.forbidden.contains(where: { path.contains($0) }) {
            response = google ? googleError(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.", reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT")
                : error(403, "insufficient_scope", "This application does not have permission to access \(path)")
        } else {
            fault = await state.fault(for: user)
            switch fault {
            case .serverError:
                let status = await state.serverErrorStatus()
                response = google ? googleError(status, status == 503 ? "UNAVAILABLE" : "INTERNAL", "Synthetic fault") : error(status, "system", "Synthetic fault")
            case .burst429:
                response = tooMany()
            case .html:
                response = Response(status: .ok, headers: [.contentType: "text/html"],
                                    body: .init(byteBuffer: ByteBuffer(string: "<html><body><h1>502 Bad Gateway</h1><p>upstream timed out</p></body></html>")))
            case .slow:
                try? await Task.sleep(for: .seconds(configuration.slowSeconds))
                response = await handler(user)
            case .truncated, .reset:
                response = await handler(user)
                if response.status == .ok, let bytes = await Self.collect(response) {
                    let half = ByteBuffer(bytes: bytes.prefix(bytes.count / 2))
                    if fault == .truncated {
                        response = Response(status: .ok, headers: [.contentType: "application/json;charset=UTF-8"], body: .init(byteBuffer: half))
                    } else {
                        // Promise the whole body, send half, then drop the connection.
                        response = Response(status: .ok, headers: [.contentType: "application/json;charset=UTF-8"],
                                            body: ResponseBody(contentLength: bytes.count) { writer in
                                                try await writer.write(half)
                                                throw SandboxFault.connectionReset
                                            })
                    }
                }
            case nil:
                response = await handler(user)
            }
        }
        if !google {
            // Google sends no rate headers: its client paces itself.
            response.headers[HTTPField.Name("Fitbit-Rate-Limit-Limit")!] = String(budget.limit)
            response.headers[HTTPField.Name("Fitbit-Rate-Limit-Remaining")!] = String(budget.remaining)
            response.headers[HTTPField.Name("Fitbit-Rate-Limit-Reset")!] = budget.reset
        }
        return await logged(response, "GET", path, user, fault: fault?.rawValue)
    }

    /// The bytes of a response built from one buffer (all of ours are).
    static func collect(_ response: Response) async -> [UInt8]? {
        let collector = BodyCollector()
        do { try await response.body.write(collector) } catch { return nil }
        return collector.bytes
    }

    func profile(_ user: String) async -> [String: Any] {
        let name = await state.zone(on: today)
        let zone = TimeZone(identifier: name)!
        return ["encodedId": user, "displayName": "Sandbox \(user.dropFirst(7))", "fullName": "Sandbox User \(user.dropFirst(7))",
                "timezone": name, "offsetFromUTCMillis": zone.secondsFromGMT() * 1000, "memberSince": memberSince.description]
    }

    func heartRate(user: String, date text: String, file: String) async -> Response {
        guard let date = LocalDate(text) else { return error(400, "validation", "Invalid date:\(text)") }
        guard file.hasSuffix(".json"), let detail = Detail(rawValue: String(file.dropLast(5))) else {
            return error(400, "validation", "Invalid detail-level: \(file)")
        }
        let day = await served(user: user, date: date, detail: detail)
        var out = [UInt8]()
        out.reserveCapacity(day.points.count * 32 + 512)
        out += Array("{\"activities-heart\":[{\"dateTime\":\"\(date)\",\"value\":{\"customHeartRateZones\":[],\"heartRateZones\":[".utf8)
        let names = ["Out of Range", "Fat Burn", "Cardio", "Peak"], bounds = [(30, 94), (94, 132), (132, 160), (160, 220)]
        for i in 0..<4 {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += Array("{\"caloriesOut\":0,\"max\":\(bounds[i].1),\"min\":\(bounds[i].0),\"minutes\":\(day.zoneMinutes[i]),\"name\":\"\(names[i])\"}".utf8)
        }
        out += Array("]".utf8)
        if let resting = day.restingBPM { out += Array(",\"restingHeartRate\":\(resting)".utf8) }
        out += Array("}}],\"activities-heart-intraday\":{\"dataset\":[".utf8)
        for (i, p) in day.points.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += Array("{\"time\":\"".utf8)
            out += Array(WallClock.format(p.wallSecond).utf8)
            out += Array("\",\"value\":\(p.bpm)}".utf8)
        }
        let interval = detail.bucketSeconds.map { $0 / 60 } ?? 1
        out += Array("],\"datasetInterval\":\(interval),\"datasetType\":\"\(detail == .oneSecond ? "second" : "minute")\"}}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json;charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(bytes: out)))
    }

    /// What the API serves for a day right now: nothing outside membership, nothing after the last sync.
    func served(user: String, date: LocalDate, detail: Detail) async -> SyntheticHeartRate.Day {
        let sync = await state.lastSync(for: user)
        guard date >= memberSince, date <= today, sync >= LocalDateTime(date: date, secondOfDay: 0) else {
            return SyntheticHeartRate.Day(points: [], restingBPM: nil, zoneMinutes: [0, 0, 0, 0])
        }
        let cutoff = sync.date == date ? sync.secondOfDay : nil
        return data.day(user: user, date: date, detail: detail, cutoffSecond: cutoff, zone: TimeZone(identifier: await state.zone(on: date)))
    }

    func truth(_ request: Request) async -> Response {
        let q = Self.query(request)
        let user = q["user"] ?? configuration.authorizingUser
        guard let date = q["date"].flatMap({ LocalDate($0) }) else { return error(400, "validation", "date=YYYY-MM-DD is required") }
        if let series = q["series"], series == "hrv" || series == "daily" { return await seriesTruth(user: user, date: date, series: series) }
        let detail = q["detail"].flatMap { Detail(rawValue: $0) } ?? .oneMinute
        let day = await served(user: user, date: date, detail: detail)
        let truth = day.points.map { (epochMillis: Int64($0.epochSeconds) * 1000, offsetMinutes: $0.offsetSeconds / 60, bpm: $0.bpm) }
        let rows: [[String: Any]] = truth.map { ["epoch_ms": $0.epochMillis, "utc_offset_min": $0.offsetMinutes, "bpm": $0.bpm] }
        let resting: Any = day.restingBPM.map { $0 as Any } ?? NSNull()
        return json(["user": user, "date": date.description, "detail": detail.rawValue, "rows": rows,
                     "sha256": TruthDigest.rows(truth), "resting_bpm": resting])
    }

    // MARK: Responses

    func json(_ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json;charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func error(_ status: Int, _ type: String, _ message: String) -> Response {
        var response = json(["errors": [["errorType": type, "fieldName": "n/a", "message": message]], "success": false] as [String: Any])
        if type.hasPrefix("invalid_") || type == "unsupported_grant_type" {
            // OAuth clients read RFC 6749's `error` member; Fitbit's own shape rides along.
            response = json(["error": type, "error_description": message, "errors": [["errorType": type, "message": message]], "success": false] as [String: Any])
        }
        response.status = HTTPResponse.Status(code: status)
        return response
    }

    func logged(_ response: Response, _ method: String, _ path: String, _ user: String?, fault: String? = nil) async -> Response {
        await state.record(.init(time: SandboxState.now(), method: method, path: path, status: Int(response.status.code), user: user, fault: fault))
        return response
    }
}

enum SandboxFault: Error {
    case connectionReset
}

/// Gathers a response body's buffers.
final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
    var bytes: [UInt8] = []

    func write(_ buffer: ByteBuffer) async throws {
        bytes += buffer.readableBytesView
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
