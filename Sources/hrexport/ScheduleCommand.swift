import ArgumentParser
import Foundation
import HeartRateExport

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Print (or write) a nightly schedule that runs `hrexport sync`.",
        discussion: """
        The job runs at a fixed minute after 03:00 local time, chosen from the user id so that users spread out. \
        It passes --state-dir and --out explicitly and logs to <state>/sync.log (rotated at 1 MiB, 3 kept). \
        No secret is embedded: a confidential client puts HREXPORT_CLIENT_SECRET in <state>/environment (0600), \
        which the job reads if it exists. See the result with `hrexport status`, the exit code in the log, or \
        `journalctl --user -u hrexport-sync` (systemd).
        """
    )

    @OptionGroup var location: LocationOptions

    @Flag(help: "A systemd user service and timer (the default).")
    var systemd = false

    @Flag(help: "A crontab line.")
    var cron = false

    @Flag(help: "A launchd agent plist (macOS).")
    var launchd = false

    @Option(help: ArgumentHelp("Write the systemd unit files into this folder instead of printing them.", valueName: "dir"))
    var writeTo: String?

    func validate() throws {
        guard [systemd, cron, launchd].filter({ $0 }).count <= 1 else { throw ValidationError("choose one of --systemd, --cron, --launchd") }
        if writeTo != nil && (cron || launchd) { throw ValidationError("--write-to writes systemd units only") }
    }

    func run() throws {
        try withExitCodes {
            let state = location.resolvedStateDir
            let out = location.resolvedOut
            let user = location.storedCredential?.user ?? "hrexport"
            let plan = Schedule(binary: Self.executablePath(), stateDir: state, out: out, minute: Schedule.minute(for: user))
            if cron {
                Console.line(plan.crontab)
            } else if launchd {
                Console.line(plan.launchdPlist)
            } else if let writeTo {
                for (name, text) in plan.systemdUnits {
                    try AtomicFile.write(Array(text.utf8), to: writeTo + "/" + name, permissions: .groupReadable)
                    Console.line("wrote \(writeTo)/\(name)")
                }
            } else {
                for (name, text) in plan.systemdUnits { Console.line("# \(name)\n" + text) }
            }
        }
    }

    /// The absolute path of this binary, so that the schedule does not depend on PATH.
    static func executablePath() -> String {
        // Foundation asks the system (Linux: /proc/self/exe; macOS: the loader), not PATH.
        if let resolved = Bundle.main.executableURL?.resolvingSymlinksInPath().path { return resolved }
        let argument = CommandLine.arguments[0]
        return argument.hasPrefix("/") ? argument : FileManager.default.currentDirectoryPath + "/" + argument
    }
}

/// The texts of a nightly schedule; values only, so that tests can read them.
struct Schedule {
    var binary: String
    var stateDir: String
    var out: String
    var minute: Int

    /// A stable minute in 0..<60 from the user id: users spread out, a user's schedule never moves.
    static func minute(for user: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in user.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash % 60)
    }

    var command: [String] { [binary, "sync", "--state-dir", stateDir, "--out", out, "--log", stateDir + "/sync.log"] }
    var environmentFile: String { stateDir + "/environment" }

    var systemdUnits: [(String, String)] {
        [("hrexport-sync.service", """
          [Unit]
          Description=hrexport: nightly export of Fitbit heart rate
          Wants=network-online.target
          After=network-online.target

          [Service]
          Type=oneshot
          EnvironmentFile=-\(environmentFile)
          ExecStart=\(command.map(Self.quoted).joined(separator: " "))

          """),
         ("hrexport-sync.timer", """
          [Unit]
          Description=Run hrexport sync every night

          [Timer]
          OnCalendar=*-*-* 03:\(String(format: "%02d", minute)):00
          Persistent=true

          [Install]
          WantedBy=timers.target

          """)]
    }

    var crontab: String {
        "\(minute) 3 * * * set -a; [ -f \(Self.quoted(environmentFile)) ] && . \(Self.quoted(environmentFile)); set +a; "
            + command.map(Self.quoted).joined(separator: " ") + " >/dev/null 2>&1"
    }

    var launchdPlist: String {
        let arguments = command.map { "        <string>\(Self.xmlEscaped($0))</string>" }.joined(separator: "\n")
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
        <plist version="1.0">
        <dict>
            <key>Label</key>
            <string>org.hrexport.sync</string>
            <key>ProgramArguments</key>
            <array>
        \(arguments)
            </array>
            <key>StartCalendarInterval</key>
            <dict>
                <key>Hour</key>
                <integer>3</integer>
                <key>Minute</key>
                <integer>\(minute)</integer>
            </dict>
        </dict>
        </plist>
        """
    }

    static func quoted(_ text: String) -> String {
        text.allSatisfy { $0.isLetter || $0.isNumber || "/._-+=:@".contains($0) } ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func xmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
