import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Listens on 127.0.0.1 for the one OAuth redirect: `/callback?code=...&state=...`.
/// Only a request with the expected `state` is accepted; anything else is answered and ignored.
public final class CallbackListener: Sendable {
    public let port: Int
    private let channel: any Channel
    private let results: AsyncStream<[String: String]>

    public var redirectURI: String { "http://127.0.0.1:\(port)/callback" }

    private init(port: Int, channel: any Channel, results: AsyncStream<[String: String]>) {
        self.port = port
        self.channel = channel
        self.results = results
    }

    public static func bind(port: Int, expectedState: String) async throws -> CallbackListener {
        let (stream, continuation) = AsyncStream<[String: String]>.makeStream()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(CallbackHandler(expectedState: expectedState, continuation: continuation))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
        } catch {
            throw ExportError.usage("cannot listen on 127.0.0.1:\(port) for the OAuth callback (\(error)); choose another with --port, or --port 0")
        }
        return CallbackListener(port: channel.localAddress?.port ?? port, channel: channel, results: stream)
    }

    /// The callback's query parameters, or an error after `timeout`.
    public func wait(timeout: Duration) async throws -> [String: String] {
        let results = self.results
        return try await withThrowingTaskGroup(of: [String: String]?.self) { group in
            group.addTask {
                for await query in results { return query }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let query = first else {
                throw ExportError.authorizationNeeded("no authorization arrived within \(timeout.components.seconds) seconds")
            }
            return query
        }
    }

    public func close() async {
        try? await channel.close()
    }
}

private final class CallbackHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let expectedState: String
    let continuation: AsyncStream<[String: String]>.Continuation
    var uri = ""

    init(expectedState: String, continuation: AsyncStream<[String: String]>.Continuation) {
        self.expectedState = expectedState
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): uri = head.uri
        case .body: break
        case .end:
            let parts = uri.split(separator: "?", maxSplits: 1)
            let query = parts.count > 1 ? FormEncoding.decode(String(parts[1])) : [:]
            let status: HTTPResponseStatus
            let text: String
            if parts.first != "/callback" {
                (status, text) = (.notFound, "Not found.")
            } else if query["state"] != expectedState {
                (status, text) = (.badRequest, "This authorization does not belong to the waiting hrexport (state mismatch). Start `hrexport auth` again.")
            } else if let error = query["error"] {
                (status, text) = (.ok, "Authorization was refused (\(error)). You can close this window.")
                continuation.yield(query)
            } else {
                (status, text) = (.ok, "hrexport is authorized. You can close this window.")
                continuation.yield(query)
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            headers.add(name: "Content-Length", value: String(text.utf8.count))
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
