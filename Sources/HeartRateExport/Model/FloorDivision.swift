extension Int64 {
    /// Division rounding toward minus infinity (Swift's `/` rounds toward zero): the day, bucket or hour that
    /// holds a moment before 1970, or before a bucket's start, is the one below, not the one above.
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
