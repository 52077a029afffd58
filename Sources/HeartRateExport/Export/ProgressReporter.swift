/// What the user is told along the way. The CLI prints to stderr; tests collect.
public protocol ProgressReporter: Sendable {
    func warning(_ message: String)
    func day(_ day: ProcessedDay)
    func waiting(for duration: Duration)
    /// The days this run will go through for a detail, before the first is fetched.
    func planned(_ days: Int, detail: Detail)
    /// A month file (and the manifest describing it) is written.
    func monthWritten(_ month: WrittenMonth, detail: Detail)
    /// What the rate window allows now: learned from each response.
    func budget(_ snapshot: RateBudgetStore.Saved)
    /// One request and its answer (`GET /1/user/-/... 200 12 ms`): never a token.
    func request(_ line: String)
}

extension ProgressReporter {
    public func planned(_ days: Int, detail: Detail) {}
    public func monthWritten(_ month: WrittenMonth, detail: Detail) {}
    public func budget(_ snapshot: RateBudgetStore.Saved) {}
    public func request(_ line: String) {}
}
