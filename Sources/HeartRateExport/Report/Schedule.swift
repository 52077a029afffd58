import Foundation

/// The texts of a nightly schedule; values only, so that tests can read them.
public struct Schedule: Sendable {
    public var binary: String
    public var stateDir: String
    public var out: String
    public var minute: Int

    public init(binary: String, stateDir: String, out: String, minute: Int) {
        self.binary = binary
        self.stateDir = stateDir
        self.out = out
        self.minute = minute
    }

    /// A stable minute in 0..<60 from the user id: users spread out, a user's schedule never moves.
    public static func minute(for user: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in user.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash % 60)
    }

    public var command: [String] { [binary, "sync", "--state-dir", stateDir, "--out", out, "--log", stateDir + "/sync.log"] }
    public var environmentFile: String { stateDir + "/environment" }

    public var systemdUnits: [(String, String)] {
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

    public var crontab: String {
        "\(minute) 3 * * * set -a; [ -f \(Self.quoted(environmentFile)) ] && . \(Self.quoted(environmentFile)); set +a; "
            + command.map(Self.quoted).joined(separator: " ") + " >/dev/null 2>&1"
    }

    public var launchdPlist: String {
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
