import Foundation

extension LocalDate {
    /// The local day an instant falls in, in a zone (an IANA name or a fixed offset we recorded).
    public static func today(in zone: String, at instant: Date = Date()) -> LocalDate {
        let offset = ZoneLabel.timeZone(zone)?.secondsFromGMT(for: instant) ?? 0
        return LocalDate(containingSecond: Int64(instant.timeIntervalSince1970.rounded(.down)) + Int64(offset))
    }
}
