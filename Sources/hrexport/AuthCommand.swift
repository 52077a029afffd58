import ArgumentParser
import Foundation
import HeartRateExport

struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Authorize hrexport to read your heart rate (OAuth 2.0 with PKCE).",
        discussion: """
        Opens the provider's consent page and waits on 127.0.0.1 for the redirect to /callback. Register \
        http://127.0.0.1:8189/callback as the redirect URI of your app (a "Personal" app for intraday access). \
        The refresh token is stored in <state-dir>/credentials/<source>-<user>.json (0600) the moment it is issued. On a machine \
        without a browser: `hrexport auth --no-listen` prints the URL to open elsewhere, then \
        `hrexport auth --code -` takes the address the browser ended on. With --source google: a Desktop OAuth \
        client of the Google Health API (scope googlehealth.health_metrics_and_measurements.readonly), Google's \
        installed-app flow with access_type=offline and prompt=consent; the user id comes from /v4/users/me/identity \
        (legacyUserId, so a Fitbit history continues in the same folder, else healthUserId).
        """
    )

    @OptionGroup var location: LocationOptions
    @OptionGroup var api: APIOptions

    @Option(help: "Port of the local callback listener; 0 picks a free one.")
    var port: Int = 8189

    @Flag(help: "Do not open a browser: print the authorize URL alone on one line of stdout, then wait.")
    var noBrowser = false

    @Option(help: ArgumentHelp("Import a refresh token instead of the browser flow; only `-` (read it from stdin) is accepted, so it never shows in `ps`.", valueName: "-"))
    var refreshToken: String?

    @Option(help: "Seconds to wait for the browser's redirect.")
    var timeout: Int = 300

    @Flag(help: "For a machine without a browser: print the authorize URL (to open anywhere) and exit; finish with `--code -`.")
    var noListen = false

    @Option(help: ArgumentHelp("Finish a `--no-listen` authorization: paste the address the browser ended on (or the bare code) on stdin. Only `-` is accepted.", valueName: "-"))
    var code: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        if let refreshToken, refreshToken != "-" { throw ValidationError("--refresh-token takes only `-`: pass the token on stdin") }
        if let code, code != "-" { throw ValidationError("--code takes only `-`: paste the address or code on stdin") }
        if [noListen, code != nil, refreshToken != nil].filter({ $0 }).count > 1 {
            throw ValidationError("choose one of --no-listen, --code - and --refresh-token -")
        }
        guard (1...86_400).contains(timeout) else { throw ValidationError("--timeout must be from 1 to 86400 seconds") }
    }

    func run() async throws {
        try await reportingErrors {
            let configuration = try api.configuration(stored: nil)
            let transport = AsyncHTTPTransport()
            defer { Task { await transport.shutdown() } }
            let authorization = Authorization(configuration: configuration, store: CredentialsStore(stateFolder: location.resolve().stateFolder), transport: transport,
                                              retry: api.retryPolicy)
            let credential: Credential
            if noListen {
                let url = try authorization.start(redirectURI: "http://127.0.0.1:\(port)/callback")
                Console.line(url)
                Console.info("Open that URL in any browser and approve. It then lands on an address starting http://127.0.0.1:\(port)/callback "
                             + "(the page fails to load: that is expected); within ten minutes run `hrexport auth --code -` here and paste that address.")
                return
            } else if code != nil {
                guard let pasted = readLine(strippingNewline: true), !pasted.isEmpty else {
                    throw ExportError.usage("--code -: nothing on stdin")
                }
                credential = try await authorization.finish(pasted: pasted)
            } else if refreshToken != nil {
                guard let token = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !token.isEmpty else {
                    throw ExportError.usage("--refresh-token -: no token on stdin")
                }
                credential = try await authorization.importRefreshToken(token)
            } else {
                let noBrowser = self.noBrowser
                credential = try await authorization.authorize(port: port, timeout: .seconds(timeout)) { url in
                    if noBrowser {
                        Console.line(url)
                    } else {
                        Console.info("Open this URL to authorize hrexport:\n\(url)")
                        Self.openBrowser(url)
                    }
                }
            }
            Console.info("Authorized \(credential.user); token \(credential.fingerprint) stored in \(authorization.store.path(source: credential.source, user: credential.user))")
        }
    }

    static func openBrowser(_ url: String) {
        for opener in ["/usr/bin/xdg-open", "/usr/bin/open"] where FileManager.default.isExecutableFile(atPath: opener) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: opener)
            process.arguments = [url]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            if (try? process.run()) != nil { return }
        }
    }
}
