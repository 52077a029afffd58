import Crypto

/// The manifest's `sha256`: rows as `<epoch_ms>,<utc_offset_min>,<bpm>\n`, sorted by time, hashed.
/// It is the same for CSV and Parquet, so a file can be checked against the manifest in any format.
public enum CanonicalDigest {
    public static func sha256(of samples: [Sample]) -> String {
        var hasher = SHA256()
        var line = [UInt8]()
        line.reserveCapacity(1 << 16)
        for s in samples {
            TimestampText.appendInteger(Int(s.epochMillis), &line)
            line.append(UInt8(ascii: ","))
            TimestampText.appendInteger(Int(s.utcOffsetMinutes), &line)
            line.append(UInt8(ascii: ","))
            TimestampText.appendInteger(Int(s.bpm), &line)
            line.append(UInt8(ascii: "\n"))
            if line.count >= 1 << 16 - 64 {
                hasher.update(data: line)
                line.removeAll(keepingCapacity: true)
            }
        }
        hasher.update(data: line)
        return hex(hasher.finalize())
    }

    /// `hrv`: `<epoch_ms>,<utc_offset_min>,<rmssd_ms>,<coverage>,<lf>,<hf>,<sdnn_ms>\n` per window, sorted; a null is empty.
    public static func sha256(hrv samples: [HRVSample]) -> String {
        var hasher = SHA256()
        for s in samples.sorted(by: { $0.epochMillis < $1.epochMillis }) {
            let fields = [String(s.epochMillis), String(s.utcOffsetMinutes)] + [s.rmssd, s.coverage, s.lf, s.hf, s.sdnn].map(DailyCanonical.text)
            hasher.update(data: Array((fields.joined(separator: ",") + "\n").utf8))
        }
        return hex(hasher.finalize())
    }

    /// `daily`: one line per day, sorted, as `DailyCanonical.line` writes it.
    public static func sha256(daily rows: [DailyRow]) -> String {
        var hasher = SHA256()
        for row in rows.sorted(by: { $0.date < $1.date }) { hasher.update(data: Array(DailyCanonical.line(row).utf8)) }
        return hex(hasher.finalize())
    }

    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The daily row as text: the CSV's rows and the design's canonical line alike,
/// `<YYYY-MM-DD>,<resting_bpm>,<zone_out_of_range_min>,<zone_fat_burn_min>,<zone_cardio_min>,<zone_peak_min>,<samples>,
/// <hrv_rmssd_ms>,<hrv_deep_rmssd_ms>,<hrv_nrem_bpm>,<hrv_entropy>\n`, a null as the empty string.
public enum DailyCanonical {
    public static func line(_ row: DailyRow) -> String {
        let v = row.values
        let zones: [String] = v.zoneMinutes.map { $0.map { String($0) } } ?? ["", "", "", ""]
        let fields = [row.date.description, v.restingBPM.map { String($0) } ?? ""] + zones + [String(row.samples)]
            + [v.hrvRMSSD, v.hrvDeepRMSSD, v.hrvNREMBPM, v.hrvEntropy].map(text)
        return fields.joined(separator: ",") + "\n"
    }

    /// The shortest decimal that reads back as the same double (`30.0`, `0.935`, `1e-05`, as Python's `repr`).
    public static func text(_ value: Double?) -> String { value.map { $0.description } ?? "" }
}
