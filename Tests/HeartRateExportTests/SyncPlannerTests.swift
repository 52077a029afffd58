import Testing
@testable import HeartRateExport

@Suite("Sync plan")
struct SyncPlannerTests {
    private func d(_ text: String) -> LocalDate { LocalDate(text)! }
    private func t(_ text: String) -> LocalDateTime { LocalDateTime(text)! }

    private func entry(_ status: DayStatus, lastSync: String) -> Manifest.DayEntry {
        Manifest.DayEntry(status: status, rows: status == .complete ? 100 : 0, source: .fitbit, lastSync: lastSync)
    }

    @Test func anUnchangedDeviceGivesAnEmptyPlan() {
        let entries = [d("2026-10-01"): entry(.complete, lastSync: "2026-10-03T07:00:00"),
                       d("2026-10-02"): entry(.complete, lastSync: "2026-10-03T07:00:00"),
                       d("2026-10-03"): entry(.partial, lastSync: "2026-10-03T07:00:00")]
        let plan = SyncPlanner.plan(entries: entries, lastSync: t("2026-10-03T07:00:00"), firstDay: d("2026-01-01"), today: d("2026-10-04"), lookback: 3)
        #expect(plan.isEmpty)
    }

    @Test func failedMonthsFirstThenEverythingElseInOrder() {
        var entries = [LocalDate: Manifest.DayEntry]()
        for day in 1...30 { entries[d("2026-09-01").adding(days: day - 1)] = entry(.complete, lastSync: "2026-10-01T06:00:00") }
        entries[d("2026-10-01")] = entry(.partial, lastSync: "2026-10-01T06:00:00")
        entries[d("2026-10-02")] = nil
        entries[d("2026-09-10")] = entry(.failed, lastSync: "2026-10-01T06:00:00")
        let plan = SyncPlanner.plan(entries: entries, lastSync: t("2026-10-03T01:00:00"), firstDay: d("2026-01-01"), today: d("2026-10-03"), lookback: 2)
        #expect(plan.days == [d("2026-09-10"), d("2026-09-29"), d("2026-09-30"), d("2026-10-01"), d("2026-10-02"), d("2026-10-03")])
        #expect(plan.reasons[d("2026-09-10")] == .failed)
        #expect(plan.reasons[d("2026-09-29")] == .lookback)
        #expect(plan.reasons[d("2026-10-01")] == .synced)
        #expect(plan.reasons[d("2026-10-03")] == .new)
        #expect(plan.refetch == [d("2026-09-10"), d("2026-09-29"), d("2026-09-30")])
    }

    @Test func aFailedDayInALaterMonthStillComesFirst() {
        let entries = [d("2026-08-31"): entry(.complete, lastSync: "2026-09-02T06:00:00"),
                       d("2026-09-01"): entry(.failed, lastSync: "2026-09-02T06:00:00")]
        let plan = SyncPlanner.plan(entries: entries, lastSync: t("2026-09-03T06:00:00"), firstDay: d("2026-01-01"), today: d("2026-09-03"), lookback: 1)
        #expect(plan.days == [d("2026-09-01"), d("2026-09-02"), d("2026-09-03"), d("2026-08-31")])
    }

    @Test func aNewExportStartsAtTheFirstDayAndNeverPassesToday() {
        let plan = SyncPlanner.plan(entries: [:], lastSync: t("2026-10-09T06:00:00"), firstDay: d("2026-10-05"), today: d("2026-10-07"), lookback: 3)
        #expect(plan.days == [d("2026-10-05"), d("2026-10-06"), d("2026-10-07")])
        #expect(SyncPlanner.plan(entries: [:], lastSync: nil, firstDay: d("2026-10-05"), today: d("2026-10-07"), lookback: 3).isEmpty)
    }

    @Test func aBackfillPlanSkipsSettledDaysAndRefetchesFailedOnes() {
        let entries = [d("2026-10-01"): entry(.complete, lastSync: "x"), d("2026-10-02"): entry(.failed, lastSync: "x"),
                       d("2026-10-03"): entry(.empty, lastSync: "x"), d("2026-10-04"): entry(.partial, lastSync: "x")]
        let plan = DayPlan.range(from: d("2026-10-01"), to: d("2026-10-05"), entries: entries)
        #expect(plan.days == [d("2026-10-02"), d("2026-10-04"), d("2026-10-05")])
        #expect(plan.refetch == [d("2026-10-02")])
    }
}

@Suite("Time zone history")
struct TimeZoneHistoryTests {
    private func d(_ text: String) -> LocalDate { LocalDate(text)! }

    @Test func declaringThePastKeepsLaterChanges() {
        var history = TimeZoneHistory(entries: [.init(zone: "America/New_York", from: d("2024-11-27")), .init(zone: "Asia/Tokyo", from: d("2026-01-01"))])
        history.declare(zone: "Europe/Berlin", from: d("2025-06-01"))
        #expect(history.entries.map(\.zone) == ["America/New_York", "Europe/Berlin", "Asia/Tokyo"])
        #expect(history.zone(on: d("2025-12-31")) == "Europe/Berlin")
        #expect(history.zone(on: d("2026-01-01")) == "Asia/Tokyo")
    }

    @Test func aTripEndsWhereItWasDeclaredToEnd() {
        var history = TimeZoneHistory(entries: [.init(zone: "America/New_York", from: d("2024-11-27"))])
        history.declare(zone: "Europe/Berlin", from: d("2025-06-01"), to: d("2025-06-14"))
        #expect(history.zone(on: d("2025-05-31")) == "America/New_York")
        #expect(history.zone(on: d("2025-06-14")) == "Europe/Berlin")
        #expect(history.zone(on: d("2025-06-15")) == "America/New_York")
        // Declaring the same zone again over it merges the entries instead of repeating them.
        history.declare(zone: "America/New_York", from: d("2025-06-01"), to: d("2025-06-14"))
        #expect(history.entries == [.init(zone: "America/New_York", from: d("2024-11-27"))])
    }
}
