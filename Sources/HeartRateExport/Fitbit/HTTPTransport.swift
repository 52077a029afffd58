import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A request as the exporter sees it: small, value-typed, easy to log without secrets.
public struct HTTPRequestSpec: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct HTTPResult: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// The one door to the network, so that tests and fault injection can stand in front of it.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequestSpec, timeout: Duration) async throws -> HTTPResult
}

/// The real transport: async-http-client, no redirects, a cap on body size.
public final class AsyncHTTPTransport: HTTPTransport {
    /// A day of 1sec data is 1 to 3 MB; anything this large is not a heart-rate answer.
    public static let maxBodyBytes = 64 << 20
    private let client: HTTPClient

    public init() {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func send(_ spec: HTTPRequestSpec, timeout: Duration) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: spec.url)
        request.method = HTTPMethod(rawValue: spec.method)
        for (name, value) in spec.headers { request.headers.add(name: name, value: value) }
        if let body = spec.body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let deadline = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        let response = try await client.execute(request, timeout: deadline)
        let buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
        return HTTPResult(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                          body: Array(buffer.readableBytesView))
    }

    public func shutdown() async {
        try? await client.shutdown()
    }
}
