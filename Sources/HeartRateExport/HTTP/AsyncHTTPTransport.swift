import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Platform

/// Why a request got no usable answer, in words that quote nothing of the request or the answer.
public struct TransportFailure: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }

    static func timeout(_ seconds: Double) -> TransportFailure {
        TransportFailure("no whole answer within \(seconds.formatted(.number.precision(.fractionLength(0...1)))) s")
    }
}

/// The real transport: async-http-client, no redirects, a cap on body size, and one deadline for the whole
/// answer. async-http-client's own deadline ends when the head arrives; a server that sends headers and then
/// one byte a minute (or nothing) would hold the body forever, so head and body race one timer here.
public final class AsyncHTTPTransport: HTTPTransport {
    static let maxBodyBytes = RawBody.maxBytes
    private let client: HTTPClient

    public init() {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func send(_ spec: HTTPRequestSpec, timeout: Duration) async throws -> HTTPResult {
        let client = self.client
        return try await withThrowingTaskGroup(of: HTTPResult?.self) { group in
            group.addTask {
                var request = HTTPClientRequest(url: spec.url)
                request.method = HTTPMethod(rawValue: spec.method)
                for (name, value) in spec.headers { request.headers.add(name: name, value: value) }
                if let body = spec.body { request.body = .bytes(ByteBuffer(bytes: body)) }
                do {
                    let response = try await client.execute(request, deadline: .now() + .nanoseconds(Int64(timeout.inSeconds * 1e9)))
                    let buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
                    return HTTPResult(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                                      body: Array(buffer.readableBytesView))
                } catch {
                    throw Self.failure(error, timeout: timeout)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else { throw TransportFailure.timeout(timeout.inSeconds) }
            return result
        }
    }

    /// The library's errors, told without their payload: some quote header values, and headers carry tokens.
    static func failure(_ error: any Error, timeout: Duration) -> any Error {
        switch error {
        case is CancellationError: return error
        case let error as HTTPClientError:
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout: return TransportFailure.timeout(timeout.inSeconds)
            case .remoteConnectionClosed: return TransportFailure("the server closed the connection")
            case .bodyLengthMismatch: return TransportFailure("the body was shorter or longer than its Content-Length")
            default: return TransportFailure("the HTTP exchange failed")
            }
        case is NIOTooManyBytesError:
            return TransportFailure("the answer is larger than \(maxBodyBytes >> 20) MB")
        case let error as IOError:
            return TransportFailure("connection failed: " + Platform.describe(error: error.errnoCode))
        default:
            return TransportFailure("connection failed")
        }
    }

    public func shutdown() async {
        try? await client.shutdown()
    }
}
