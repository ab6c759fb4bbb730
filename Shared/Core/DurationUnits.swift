import Foundation

/// A `Duration` in the units Foundation, the broker and swift-metrics take: the one conversion
/// the libraries and services share (the whole units truncate toward zero).
extension Duration {
    /// Whole and fractional seconds (`Date.addingTimeInterval`, rates).
    public var seconds: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Whole milliseconds (a queue's message TTL, a retry delay).
    public var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// Whole nanoseconds (a swift-metrics timer).
    public var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
