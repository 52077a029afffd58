/// The days one run fetches, in order, and which of them must not be served from the raw archive.
public struct DayPlan: Sendable, Equatable {
    public enum Reason: String, Sendable {
        case requested, failed, synced, new, lookback
    }

    public var days: [LocalDate] = []
    public var refetch: Set<LocalDate> = []
    public var reasons: [LocalDate: Reason] = [:]

    public var isEmpty: Bool { days.isEmpty }

    /// A backfill's range: every day not yet settled, failed days refetched.
    public static func range(from: LocalDate, to: LocalDate, entries: [LocalDate: Manifest.DayEntry]) -> DayPlan {
        var plan = DayPlan()
        for date in DateRange(from: from, to: to, skipping: Set(entries.filter { $0.value.status.isSettled }.keys)) {
            plan.days.append(date)
            plan.reasons[date] = entries[date]?.status == .failed ? .failed : .requested
        }
        plan.refetch = Set(plan.days.filter { entries[$0]?.status == .failed })
        return plan
    }
}

/// What a nightly sync fetches, worked out from the manifest and the device's `lastSyncTime`:
/// failed days; partial days the device has synced further into; new days up to the last sync; and the
/// last `lookback` complete days when the device has synced since they were fetched (a watch can upload
/// old data late). With the device's last sync unchanged and nothing failed, the plan is empty.
public enum SyncPlanner {
    public static func plan(entries: [LocalDate: Manifest.DayEntry], lastSync: LocalDateTime?, firstDay: LocalDate,
                            today: LocalDate, lookback: Int) -> DayPlan {
        var reasons = [LocalDate: DayPlan.Reason]()
        var refetch = Set<LocalDate>()
        func seenBefore(_ entry: Manifest.DayEntry) -> LocalDateTime? { entry.lastSync.flatMap { LocalDateTime($0) } }
        let advanced: (Manifest.DayEntry) -> Bool = { entry in
            guard let lastSync else { return false }
            return seenBefore(entry).map { lastSync > $0 } ?? true
        }

        for (date, entry) in entries {
            switch entry.status {
            case .failed:
                reasons[date] = .failed
                refetch.insert(date)
            case .partial where advanced(entry) && lastSync.map({ $0 > LocalDateTime(date: date, secondOfDay: 0) }) == true:
                reasons[date] = .synced
            default:
                break
            }
        }
        if let lastSync {
            var date = entries.keys.max().map { $0.adding(days: 1) } ?? firstDay
            while date <= min(lastSync.date, today) {
                reasons[date] = .new
                date = date.adding(days: 1)
            }
        }
        let complete = entries.filter { $0.value.status == .complete }.keys.sorted().suffix(max(0, lookback))
        for date in complete where reasons[date] == nil && advanced(entries[date]!) {
            reasons[date] = .lookback
            refetch.insert(date)
        }

        // Months holding failed days go first, so a short budget is spent where data is missing; all the days
        // of a month stay together, because the month file is written once per run from all of them.
        let failedMonths = Set(reasons.filter { $0.value == .failed }.keys.map(\.month))
        let days = reasons.keys.sorted { a, b in
            let (fa, fb) = (failedMonths.contains(a.month), failedMonths.contains(b.month))
            return fa != fb ? fa : a < b
        }
        return DayPlan(days: days, refetch: refetch, reasons: reasons)
    }
}
