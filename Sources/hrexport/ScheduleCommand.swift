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
            let place = location.resolve()
            let (state, out) = (place.stateFolder, place.out)
            let user = place.credential?.user ?? "hrexport"
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

