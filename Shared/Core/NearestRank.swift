/// Nearest-rank percentiles, the one definition the reports (audit's p90 days to answer) and the
/// benchmarks (p50/p95/p99 latencies) share: the `p` percentile is the smallest value with at least
/// a fraction `p` of the values at or below it, so it is always one of the values.
public enum NearestRank {
    /// The `p` (0…1) percentile of `sorted`, which must be in ascending order; nil when it is empty.
    public static func percentile<Value>(ofSorted sorted: [Value], _ p: Double) -> Value? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }
}
