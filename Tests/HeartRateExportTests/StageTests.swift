import Foundation
import Testing
@testable import HeartRateExport

/// An array as an async sequence, failing with `error` instead of yielding the element at `failAt`.
struct ArraySequence<Element: Sendable>: AsyncSequence, Sendable {
    let elements: [Element]
    var failAt: Int?
    var error: ExportError = .usage("injected")

    struct AsyncIterator: AsyncIteratorProtocol {
        var index = 0
        let sequence: ArraySequence

        mutating func next() async throws -> Element? {
            defer { index += 1 }
            if index == sequence.failAt { throw sequence.error }
            return index < sequence.elements.count ? sequence.elements[index] : nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(sequence: self) }
}

func collect<S: AsyncSequence>(_ sequence: S) async throws -> [S.Element] {
    var out = [S.Element]()
    for try await element in sequence { out.append(element) }
    return out
}

/// A source that answers from memory, each day after its own delay (so answers arrive out of order), and counts.
actor FakeSource: HeartRateSource {
    nonisolated let kind: SourceKind = .fitbit
    var requests: [LocalDate] = []
    var cancelled = 0
    let delays: [LocalDate: Duration]
    let failing: Set<LocalDate>

    init(delays: [LocalDate: Duration] = [:], failing: Set<LocalDate> = []) {
        self.delays = delays
        self.failing = failing
    }

    nonisolated func account() async throws -> SourceAccount {
        SourceAccount(user: "U1", timeZone: "UTC", zoneIsAccountSetting: true, memberSince: nil, lastSync: nil)
    }

    nonisolated func fetchDay(_ date: LocalDate, rawDetail: Detail) async throws -> Result<[UInt8], DayFailure> {
        await record(date)
        do {
            try await Task.sleep(for: delays[date] ?? .zero)
        } catch {
            await countCancel()
            throw error
        }
        if failing.contains(date) { return .failure(DayFailure(date: date, kind: .http, httpStatus: 500, message: "server error after 6 attempts")) }
        return .success(Array(#"{"activities-heart":[{"dateTime":"\#(date)","value":{}}],"activities-heart-intraday":{"dataset":[{"time":"12:00:00","value":70}],"datasetType":"minute"}}"#.utf8))
    }

    nonisolated func fetchHRV(_ date: LocalDate) async throws -> Result<[UInt8], DayFailure> {
        .failure(DayFailure(date: date, kind: .http, httpStatus: 404, message: "not served by this fake"))
    }

    nonisolated func fetchDaily(_ days: ClosedRange<LocalDate>) async throws -> Result<[UInt8], DayFailure> {
        .failure(DayFailure(date: days.lowerBound, kind: .http, httpStatus: 404, message: "not served by this fake"))
    }

    nonisolated let dailyRangeLimit = 30
    nonisolated func requestsSent() async -> Int { await requests.count }
    private func record(_ date: LocalDate) { requests.append(date) }
    private func countCancel() { cancelled += 1 }
}

@Suite("Pipeline stages, each alone")
struct StageTests {
    let days = (0..<5).map { LocalDate("2026-03-01")!.adding(days: $0) }
    let synced = LocalDateTime("2026-03-10T00:00:00")!

    func temporaryFolder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hrexport-stage-\(UUID())").path
    }

    @Test("the fetcher keeps days in order with answers arriving out of order, archives each body, and takes archived final days without a request")
    func fetcherOrderAndArchive() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The first day answers last.
        let source = FakeSource(delays: [days[0]: .milliseconds(200), days[1]: .milliseconds(50)])
        let archive = RawArchive(userFolder: folder, source: .fitbit)
        let fetched = try await collect(ArraySequence(elements: days).fetched(by: source, detail: .oneMinute, lastSync: synced, archive: archive, concurrency: 3))
        #expect(fetched.map(\.date) == days)
        #expect(fetched.allSatisfy { if case .body = $0.outcome { true } else { false } })
        for day in days { #expect(try archive.load(.oneMinute, day) != nil) }
        // Again: every body is final (synced past the day) and archived, so no request at all.
        let again = try await collect(ArraySequence(elements: days).fetched(by: source, detail: .oneMinute, lastSync: synced, archive: archive, concurrency: 3))
        #expect(again.map(\.date) == days)
        #expect(await source.requests.count == days.count)
    }

    @Test("the fetcher asks nothing for a day the device has not synced into, and passes a failed day on as failed")
    func fetcherNotSyncedAndFailed() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = FakeSource(failing: [days[1]])
        let fetched = try await collect(ArraySequence(elements: days).fetched(by: source, detail: .oneMinute, lastSync: LocalDateTime("2026-03-03T08:00:00"),
                                                                               archive: RawArchive(userFolder: folder, source: .fitbit)))
        let outcomes = fetched.map { day -> String in
            switch day.outcome {
            case .body: "body"
            case .failed: "failed"
            case .notYetSynced: "not synced"
            }
        }
        #expect(outcomes == ["body", "failed", "body", "not synced", "not synced"])
        #expect(await source.requests == Array(days.prefix(3)))
    }

    @Test("an error in the middle of the days ends the fetcher after the days before it")
    func fetcherErrorInTheMiddle() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var iterator = ArraySequence(elements: days, failAt: 2).fetched(by: FakeSource(), detail: .oneMinute, lastSync: synced,
                                                                         archive: RawArchive(userFolder: folder, source: .fitbit)).makeAsyncIterator()
        #expect(try await iterator.next()?.date == days[0])
        #expect(try await iterator.next()?.date == days[1])
        await #expect(throws: ExportError.usage("injected")) { _ = try await iterator.next() }
    }

    @Test("cancelling the consumer cancels the fetches it started ahead")
    func fetcherCancellation() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = FakeSource(delays: Dictionary(uniqueKeysWithValues: days.map { ($0, Duration.seconds(30)) }))
        let consumer = Task {
            try await collect(ArraySequence(elements: days).fetched(by: source, detail: .oneMinute, lastSync: synced,
                                                                    archive: RawArchive(userFolder: folder, source: .fitbit), concurrency: 3))
        }
        while await source.requests.count < 3 { try await Task.sleep(for: .milliseconds(10)) }
        consumer.cancel()
        _ = await consumer.result
        for _ in 0..<200 where await source.cancelled < 3 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await source.cancelled == 3)
        #expect(await source.requests.count == 3, "no fetch started after the cancellation")
    }

    @Test("the decoder turns bodies into typed days, a malformed body into a failed day, and keeps order")
    func decodeStage() async throws {
        func body(_ text: String) -> FetchedDay.Outcome { .body(RawBody(bytes: Array(text.utf8), fetchedAt: 1, lastSync: synced, origin: .network)) }
        let good = #"{"activities-heart":[{"dateTime":"2026-03-01","value":{"restingHeartRate":58}}],"activities-heart-intraday":{"dataset":[{"time":"00:00:00","value":61}],"datasetType":"minute"}}"#
        let input = [
            FetchedDay(date: days[0], detail: .oneMinute, source: .fitbit, outcome: body(good), lastSync: synced),
            FetchedDay(date: days[1], detail: .oneMinute, source: .fitbit, outcome: body("<html>502</html>"), lastSync: synced),
            FetchedDay(date: days[2], detail: .oneMinute, source: .fitbit, outcome: .notYetSynced, lastSync: synced),
        ]
        let decoded = try await collect(ArraySequence(elements: input).decoded())
        #expect(decoded.map(\.date) == Array(days.prefix(3)))
        guard case .decoded(let day) = decoded[0].outcome else { Issue.record("day 1 did not decode"); return }
        #expect(day.samples == [WallClockSample(secondOfDay: 0, bpm: 61)] && day.summary.restingBPM == 58)
        guard case .failed(let failure) = decoded[1].outcome else { Issue.record("the HTML day did not fail"); return }
        #expect(failure.date == days[1] && failure.kind == .decode)
        guard case .notYetSynced = decoded[2].outcome else { Issue.record("day 3 changed"); return }
        var iterator = ArraySequence(elements: input, failAt: 1).decoded().makeAsyncIterator()
        #expect(try await iterator.next()?.date == days[0])
        await #expect(throws: ExportError.self) { _ = try await iterator.next() }
    }

    @Test("the normalizer places wall-clock samples in the zone and gives each day its status")
    func normalizeStage() async throws {
        let zones = TimeZoneHistory(entries: [.init(zone: "America/New_York", from: LocalDate("2020-01-01")!)])
        func decoded(_ date: LocalDate, _ samples: [WallClockSample], lastSync: LocalDateTime?, intraday: Bool = true) -> DecodedDay {
            let day = HeartRateDay(date: date, detail: .oneMinute, samples: samples, summary: DailySummary(), hasIntraday: intraday)
            return DecodedDay(date: date, detail: .oneMinute, outcome: .decoded(day),
                              body: RawBody(bytes: [], fetchedAt: 1, lastSync: lastSync, origin: .network), lastSync: lastSync)
        }
        let input = [
            decoded(days[0], [WallClockSample(secondOfDay: 3600, bpm: 60)], lastSync: synced),
            decoded(days[1], [WallClockSample(secondOfDay: 3600, bpm: 60)], lastSync: LocalDateTime("2026-03-02T12:00:00")),
            decoded(days[2], [], lastSync: synced),
            decoded(days[3], [], lastSync: synced, intraday: false),
            DecodedDay(date: days[4], detail: .oneMinute, outcome: .failed(DayFailure(date: days[4], kind: .network, message: "no answer")), lastSync: synced),
        ]
        let processed = try await collect(ArraySequence(elements: input).normalized(by: Normalizer(timeZones: zones)))
        #expect(processed.map(\.status) == [.complete, .partial, .empty, .noAccess, .failed])
        // 01:00 in New York in winter is 06:00 UTC.
        #expect(processed[0].day?.samples == [Sample(epochMillis: Int64(days[0].daysSinceEpoch) * 86_400_000 + 6 * 3_600_000, utcOffsetMinutes: -300, bpm: 60)])
    }

    @Test("the writer gathers each month's days and writes its files once, in arrival order; an upstream error ends it without writing the month it was gathering")
    func writerStage() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let layout = try ExportLayout(out: folder, user: "U1")
        let normalizer = Normalizer(timeZones: TimeZoneHistory(entries: [.init(zone: "UTC", from: LocalDate("2020-01-01")!)]))
        let assembler = MonthAssembler(format: MonthFileFormats.format(.csv), layout: layout, user: "U1", source: .fitbit, detail: .oneMinute,
                                       permissions: .private, priorEntries: [:], loader: ArchivedDayLoader(userFolder: layout.userFolder, normalizer: normalizer))
        let dates = [LocalDate("2026-02-27")!, LocalDate("2026-02-28")!, LocalDate("2026-03-01")!]
        let input = dates.enumerated().map { i, date in
            var day = ProcessedDay(date: date, detail: .oneMinute, status: .complete, fromNetwork: true)
            day.day = NormalizedDay(date: date, detail: .oneMinute, timeZone: "UTC",
                                    samples: [Sample(epochMillis: Int64(date.daysSinceEpoch) * 86_400_000 + 60_000, utcOffsetMinutes: 0, bpm: Int16(60 + i))],
                                    summary: DailySummary())
            return day
        }
        let written = try await collect(ArraySequence(elements: input).writtenMonthly(by: assembler))
        #expect(written.map(\.month.description) == ["2026-02", "2026-03"])
        #expect(written.map(\.days.count) == [2, 1])
        #expect(try MonthFileFormats.format(.csv).readIntraday(from: layout.intradayFile(.oneMinute, YearMonth("2026-02")!, .csv)).map(\.bpm) == [60, 61])
        var iterator = ArraySequence(elements: input, failAt: 2).writtenMonthly(by: assembler).makeAsyncIterator()
        await #expect(throws: ExportError.self) { _ = try await iterator.next() }
    }
}
