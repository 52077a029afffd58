import Foundation

/// `GET /v4/users/me/identity` → `{healthUserId, legacyUserId}`: the user a Google token belongs to. One lookup,
/// however it is sent (through the run's budgeted requester, or at authorization with a fresh access token).
enum GoogleIdentity {
    static let path = "/v4/users/me/identity"

    /// `legacyUserId` when the account was a Fitbit account (its history continues in the same folder), else
    /// `healthUserId`; checked as every user id is.
    static func user(through get: (String) async throws -> HTTPResult) async throws -> String {
        let result = try await get(path)
        guard result.status == 200 else {
            try GoogleClient.stopIfFatal(result, endpoint: "identity")
            throw ExportError.http(endpoint: "identity", status: result.status, message: "request refused" + APIErrorBody(result.body).summary)
        }
        return try userID(identity: result.body)
    }

    static func userID(identity body: [UInt8]) throws(ExportError) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw ExportError.http(endpoint: "identity", status: 200, message: "answer is not a JSON object")
        }
        if let legacy = object["legacyUserId"] as? String, !legacy.isEmpty { return try UserID.checked(answer: legacy, endpoint: "identity") }
        guard let health = object["healthUserId"] as? String, !health.isEmpty else {
            throw ExportError.http(endpoint: "identity", status: 200, message: "answer lacks healthUserId")
        }
        return try UserID.checked(answer: health, endpoint: "identity")
    }
}
