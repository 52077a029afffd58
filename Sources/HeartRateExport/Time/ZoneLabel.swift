import Foundation

/// The names a time-zone history may hold: an IANA zone, or a fixed offset such as `UTC+05:30` when the
/// source gives only per-sample offsets (the Google Health API has no zone name).
public enum ZoneLabel {
    /// `UTC+05:30`, `UTC-07:00`, `UTC+00:00`: how a fixed offset (in seconds) is recorded.
    public static func fixed(offsetSeconds: Int) -> String {
        let minutes = abs(offsetSeconds) / 60
        return String(format: "UTC%@%02d:%02d", offsetSeconds < 0 ? "-" : "+", minutes / 60, minutes % 60)
    }

    /// The zone a label names, or nil when it is neither an IANA zone nor a fixed offset we wrote.
    public static func timeZone(_ label: String) -> TimeZone? {
        if let seconds = fixedOffsetSeconds(label) { return TimeZone(secondsFromGMT: seconds) }
        return TimeZone(identifier: label)
    }

    static func fixedOffsetSeconds(_ label: String) -> Int? {
        let bytes = Array(label.utf8)
        guard bytes.count == 9, label.hasPrefix("UTC"), bytes[3] == UInt8(ascii: "+") || bytes[3] == UInt8(ascii: "-"),
              bytes[6] == UInt8(ascii: ":"), let hours = Int(label.dropFirst(4).prefix(2)), let minutes = Int(label.suffix(2)),
              hours <= 14, minutes < 60 else { return nil }
        let seconds = hours * 3600 + minutes * 60
        return bytes[3] == UInt8(ascii: "-") ? -seconds : seconds
    }
}
