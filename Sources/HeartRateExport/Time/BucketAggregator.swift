/// Coarser series from irregular samples: the mean bpm of each local bucket, rounded half up, stamped at the
/// bucket's local start (the rule of Fitbit's own 1min/5min/15min aggregates).
public enum BucketAggregator {
    public static func aggregate(_ samples: [Sample], bucketSeconds: Int) -> [Sample] {
        let bucketMillis = Int64(bucketSeconds) * 1000
        var sums = [Int64: (sum: Int, count: Int, offset: Int16)]()
        for s in samples {
            let local = s.localMillis
            let bucket = local.floorDivided(by: bucketMillis)
            if let held = sums[bucket] {
                sums[bucket] = (held.sum + Int(s.bpm), held.count + 1, held.offset)
            } else {
                sums[bucket] = (Int(s.bpm), 1, s.utcOffsetMinutes)
            }
        }
        var out = sums.map { bucket, value in
            Sample(epochMillis: bucket * bucketMillis - Int64(value.offset) * 60_000, utcOffsetMinutes: value.offset,
                   bpm: Int16((2 * value.sum + value.count) / (2 * value.count)))
        }
        out.sort { $0.epochMillis < $1.epochMillis }
        return out
    }
}
