import Foundation

/// Decodes the body of `GET /1/user/-/activities/heart/date/{day}/1d/{detail}.json` into a typed day.
///
/// A malformed body fails that day only, with an error naming the day; the run goes on.
public struct HeartRateDecoder: Sendable {
    /// bpm values outside this range are sensor noise (0 is "no contact"); they are dropped, not stored.
    public static let plausibleBPM: ClosedRange<Int> = 20...250

    public init() {}

    public func decode(_ body: [UInt8], date: LocalDate, detail: Detail) throws(DayFailure) -> HeartRateDay {
        let response: WireResponse
        do {
            response = try JSONDecoder().decode(WireResponse.self, from: Data(body))
        } catch {
            throw DayFailure(date: date, kind: .decode, message: "malformed heart-rate body: \(Self.describe(error))")
        }
        var summary = DailySummary()
        if let entry = response.activitiesHeart?.first {
            guard entry.dateTime == date.description else {
                throw DayFailure(date: date, kind: .decode, message: "body is for \(entry.dateTime), not the requested day")
            }
            if let resting = entry.value?.restingHeartRate, Self.plausibleBPM.contains(resting) {
                summary.restingBPM = Int16(resting)
            }
            for zone in entry.value?.heartRateZones ?? [] {
                guard let index = Self.zoneIndex[zone.name ?? ""] else { continue }
                summary.zoneMinutes[index] = Int16(clamping: zone.minutes ?? 0)
            }
        }
        guard let intraday = response.intraday else {
            return HeartRateDay(date: date, detail: detail, samples: [], summary: summary, hasIntraday: false)
        }
        if let type = intraday.datasetType, type != Self.datasetType(detail) {
            throw DayFailure(date: date, kind: .decode, message: "dataset is of type \"\(type)\", expected \"\(Self.datasetType(detail))\" for \(detail.rawValue)")
        }
        var samples = [WallClockSample]()
        samples.reserveCapacity(intraday.dataset.count)
        for point in intraday.dataset {
            guard let second = WallClock.secondOfDay(point.time.utf8) else {
                throw DayFailure(date: date, kind: .decode, message: "sample time \"\(point.time)\" is not HH:mm:ss of one day")
            }
            guard Self.plausibleBPM.contains(point.value) else { continue }
            samples.append(WallClockSample(secondOfDay: Int32(second), bpm: Int16(point.value)))
        }
        return HeartRateDay(date: date, detail: detail, samples: samples, summary: summary)
    }

    static func datasetType(_ detail: Detail) -> String { detail == .oneSecond ? "second" : "minute" }

    static let zoneIndex = ["Out of Range": 0, "Fat Burn": 1, "Cardio": 2, "Peak": 3]

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return (path.isEmpty ? "" : path + ": ") + context.debugDescription
        case DecodingError.keyNotFound(let key, _):
            return "missing key \(key.stringValue)"
        default:
            return "not JSON"
        }
    }
}

private struct WireResponse: Decodable {
    var activitiesHeart: [DaySummary]?
    var intraday: Intraday?

    enum CodingKeys: String, CodingKey {
        case activitiesHeart = "activities-heart"
        case intraday = "activities-heart-intraday"
    }

    struct DaySummary: Decodable {
        var dateTime: String
        var value: Value?
    }

    struct Value: Decodable {
        var heartRateZones: [Zone]?
        var restingHeartRate: Int?
    }

    struct Zone: Decodable {
        var name: String?
        var minutes: Int?
    }

    struct Intraday: Decodable {
        var dataset: [Point]
        var datasetType: String?
    }

    struct Point: Decodable {
        var time: String
        var value: Int

        enum CodingKeys: String, CodingKey { case time, value }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            time = try container.decode(String.self, forKey: .time)
            // The time-window variant has been seen to send `value` as a numeric string.
            if let number = try? container.decode(Int.self, forKey: .value) {
                value = number
            } else if let double = try? container.decode(Double.self, forKey: .value), double.isFinite, double.rounded() == double {
                value = Int(double)
            } else {
                let text = try container.decode(String.self, forKey: .value)
                guard let number = Int(text) else {
                    throw DecodingError.dataCorruptedError(forKey: .value, in: container, debugDescription: "value \"\(text)\" is not a number")
                }
                value = number
            }
        }
    }
}
