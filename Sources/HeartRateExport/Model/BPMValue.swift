/// What every decoder does with a bpm value it has read, whatever the source.
public enum BPMValue {
    /// bpm values outside this range are sensor noise (0 is "no contact"); they are dropped, not stored.
    public static let plausible: ClosedRange<Int> = 20...250

    /// A decoded number as an integer: nil when it is not finite or beyond what any bpm field could mean
    /// (`inf`, `nan`, `1e309`, `1e20`): such a sample is dropped and counted, never converted (which would trap).
    /// `rounding` rounds a fraction half up (Takeout); without it a fraction is not a whole number (`.fraction`).
    enum Number: Equatable {
        case whole(Int)
        case fraction
        case unrepresentable
    }

    static func number(_ value: Double, rounding: Bool = false) -> Number {
        guard value.isFinite, abs(value) < 1e15 else { return .unrepresentable }
        if rounding { return .whole(Int((value + 0.5).rounded(.down))) }
        return value.rounded() == value ? .whole(Int(value)) : .fraction
    }
}
