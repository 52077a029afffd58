/// A calendar day without a zone: the user's local day, which decides the month file.
///
/// Stored as days since 1970-01-01 so that ranges, ordering and month keys are integer arithmetic
/// (Howard Hinnant's civil-date algorithms), independent of Foundation's calendars.
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let daysSinceEpoch: Int

    public init(daysSinceEpoch: Int) { self.daysSinceEpoch = daysSinceEpoch }

    /// The day holding a second counted from 1970-01-01T00:00 (of UTC, or of a wall clock), also before 1970.
    public init(containingSecond second: Int64) {
        daysSinceEpoch = Int(second.floorDivided(by: 86_400))
    }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...LocalDate.daysIn(year: year, month: month)).contains(day) else { return nil }
        daysSinceEpoch = LocalDate.days(year: year, month: month, day: day)
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let y = Self.digits(bytes[0..<4]), let m = Self.digits(bytes[5..<7]), let d = Self.digits(bytes[8..<10])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var components: (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    public var month: YearMonth {
        let c = components
        return YearMonth(year: c.year, month: c.month)
    }

    public func adding(days: Int) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + days) }

    public var description: String {
        let c = components
        return Self.pad(c.year, 4) + "-" + Self.pad(c.month, 2) + "-" + Self.pad(c.day, 2)
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for b in bytes {
            guard b >= 48, b <= 57 else { return nil }
            value = value * 10 + Int(b - 48)
        }
        return value
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

extension LocalDate: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a YYYY-MM-DD date: \(text)"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A calendar month, the unit of one output file.
public struct YearMonth: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// `YYYY-MM`, as in month file names and `--month`.
    public init?(_ text: some StringProtocol) {
        guard text.count == 7, let date = LocalDate(text + "-01") else { return nil }
        self = date.month
    }

    public var firstDay: LocalDate { LocalDate(year: year, month: month, day: 1)! }
    public var days: [LocalDate] { (0..<LocalDate.daysIn(year: year, month: month)).map { firstDay.adding(days: $0) } }
    public var lastDay: LocalDate { LocalDate(year: year, month: month, day: LocalDate.daysIn(year: year, month: month))! }
    public var description: String { LocalDate.pad(year, 4) + "-" + LocalDate.pad(month, 2) }

    public static func < (a: YearMonth, b: YearMonth) -> Bool { (a.year, a.month) < (b.year, b.month) }
}

/// A wall-clock date and time without a zone, as Fitbit reports `lastSyncTime` (`2019-11-07T12:00:58.000`).
public struct LocalDateTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let date: LocalDate
    public let secondOfDay: Int

    public init(date: LocalDate, secondOfDay: Int) {
        self.date = date
        self.secondOfDay = secondOfDay
    }

    /// Accepts `YYYY-MM-DDTHH:MM:SS` with optional fractional seconds, which are dropped.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
              let date = LocalDate(String(decoding: bytes[0..<10], as: UTF8.self)),
              let second = WallClock.secondOfDay(bytes[11..<19]) else { return nil }
        if bytes.count > 19 {
            guard bytes[19] == UInt8(ascii: "."), bytes[20...].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        }
        self.init(date: date, secondOfDay: second)
    }

    /// The wall clock read as if it were UTC: the arithmetic base of zone conversion.
    public var secondsAsIfUTC: Int { date.daysSinceEpoch * 86_400 + secondOfDay }

    /// The wall clock of a count of seconds since 1970-01-01T00:00:00 on the same wall clock.
    public init(secondsAsIfUTC seconds: Int64) {
        let date = LocalDate(containingSecond: seconds)
        self.init(date: date, secondOfDay: Int(seconds - Int64(date.daysSinceEpoch) * 86_400))
    }

    public var description: String { date.description + "T" + WallClock.format(secondOfDay) }

    public static func < (a: LocalDateTime, b: LocalDateTime) -> Bool {
        (a.date, a.secondOfDay) < (b.date, b.secondOfDay)
    }
}

/// `HH:mm:ss` wall-clock times of one day.
public enum WallClock {
    /// Parses `HH:mm:ss` (or `HH:mm`) into seconds since local midnight; nil when malformed or out of range.
    public static func secondOfDay(_ bytes: some Collection<UInt8>) -> Int? {
        let b = Array(bytes)
        guard b.count == 8 || b.count == 5 else { return nil }
        guard b[2] == UInt8(ascii: ":"), let h = LocalDate.digits(b[0..<2]), let m = LocalDate.digits(b[3..<5]) else { return nil }
        var s = 0
        if b.count == 8 {
            guard b[5] == UInt8(ascii: ":"), let sec = LocalDate.digits(b[6..<8]) else { return nil }
            s = sec
        }
        guard h < 24, m < 60, s < 60 else { return nil }
        return h * 3600 + m * 60 + s
    }

    public static func format(_ secondOfDay: Int) -> String {
        LocalDate.pad(secondOfDay / 3600, 2) + ":" + LocalDate.pad(secondOfDay / 60 % 60, 2) + ":" + LocalDate.pad(secondOfDay % 60, 2)
    }
}
