import Foundation

/// The zones a user lived in, each from the first local day it applies: the manifest's `timezones`.
public struct TimeZoneHistory: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var zone: String
        public var from: LocalDate

        public init(zone: String, from: LocalDate) {
            self.zone = zone
            self.from = from
        }
    }

    public private(set) var entries: [Entry]

    public init(entries: [Entry] = []) {
        self.entries = entries.sorted { $0.from < $1.from }
    }

    /// The zone in force on a day; days before the first entry use the first zone.
    public func zone(on date: LocalDate) -> String? {
        entries.last(where: { $0.from <= date })?.zone ?? entries.first?.zone
    }

    /// Records the zone the profile reports now. The first zone seen applies from `since` (the member's
    /// first day); a change applies from `changeDay`, since the API cannot tell when the user moved.
    public mutating func record(currentZone: String, since: LocalDate, changeDay: LocalDate) {
        guard let last = entries.last else {
            entries = [Entry(zone: currentZone, from: since)]
            return
        }
        if last.zone != currentZone {
            entries.append(Entry(zone: currentZone, from: max(changeDay, last.from.adding(days: 1))))
        }
    }

    /// Records the zone a source observed on one day (Google: the fixed offset of its samples). A zone already
    /// in force with the same offset that day (an IANA zone) is kept, being the more telling name.
    public mutating func observe(zone: String, on date: LocalDate) {
        let covered = entries.first.map { $0.from <= date } ?? false
        if covered, let current = self.zone(on: date), current == zone || Self.offset(current, date) == Self.offset(zone, date) { return }
        declare(zone: zone, from: date, to: entries.contains { $0.from > date } ? date : nil)
    }

    private static func offset(_ label: String, _ date: LocalDate) -> Int? {
        ZoneLabel.timeZone(label)?.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(date.daysSinceEpoch * 86_400 + 43_200)))
    }

    /// Declares what the API cannot tell: `zone` was in force from `from` through `to` (then the zone in force
    /// before comes back), or, without `to`, until the next recorded change.
    public mutating func declare(zone: String, from: LocalDate, to: LocalDate? = nil) {
        let after = to?.adding(days: 1)
        let resumed = after.flatMap { self.zone(on: $0) }
        entries.removeAll { entry in
            entry.from == from || (after.map { end in entry.from > from && entry.from <= end } ?? false)
        }
        entries.append(Entry(zone: zone, from: from))
        if let after, let resumed { entries.append(Entry(zone: resumed, from: after)) }
        entries.sort { $0.from < $1.from }
        // An entry repeating the zone before it says nothing new.
        var merged = [Entry]()
        for entry in entries where merged.last?.zone != entry.zone { merged.append(entry) }
        entries = merged
    }

    public init(from decoder: any Decoder) throws {
        entries = try [Entry](from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try entries.encode(to: encoder)
    }
}
