import Foundation

/// One window (a minute by default) of a soak phase. Appeals belong to the window they were due
/// in (offered); `completed` counts completions that happened in the window (throughput).
struct SoakWindow: Codable, Sendable {
    var index: Int
    var startSecond: Double
    var offered: Int
    var registered: Int
    var completed: Int
    /// HTTP round trip of the window's appeals (open loop, from the due time), ms.
    var registrationP99: Double?
    /// Registered → all four stages, of the window's appeals, ms.
    var endToEndP99: Double?
    /// Per process: highest RSS sampled in the window (MiB) and CPU (% of one core).
    var rssMiB: [String: Double]
    var cpuPercent: [String: Double]
}

/// The flatness rule: the last window's end-to-end p99 and every service's RSS within 20 %
/// of the first window's. Only growth fails it (a last window better than the first is flat).
struct SoakVerdict: Codable, Sendable {
    var tolerance: Double
    var firstP99: Double?
    var lastP99: Double?
    var p99Flat: Bool
    /// service → (first, last) RSS MiB.
    var firstRSS: [String: Double]
    var lastRSS: [String: Double]
    var memoryFlat: Bool
    var flat: Bool { p99Flat && memoryFlat }

    /// How the report words one half of the verdict.
    static func word(_ flat: Bool) -> String { flat ? "flat" : "NOT flat" }

    init(windows: [SoakWindow], services: [String], tolerance: Double = 0.2) {
        self.tolerance = tolerance
        let first = windows.first
        let last = windows.last
        firstP99 = first?.endToEndP99
        lastP99 = last?.endToEndP99
        if let a = firstP99, let b = lastP99, windows.count >= 2 {
            p99Flat = b <= a * (1 + tolerance)
        } else {
            p99Flat = false
        }
        firstRSS = [:]
        lastRSS = [:]
        var memory = windows.count >= 2
        for service in services {
            let a = first?.rssMiB[service] ?? 0
            let b = last?.rssMiB[service] ?? 0
            firstRSS[service] = a
            lastRSS[service] = b
            if a <= 0 || b > a * (1 + tolerance) { memory = false }
        }
        memoryFlat = memory
    }
}

enum SoakAnalysis {
    /// One appeal of the phase: when it was due, its HTTP outcome and, if complete, when.
    struct Outcome {
        var due: Date
        var registered: Bool
        var registrationSeconds: Double
        var endToEndSeconds: Double?
        var completedAt: Date?
    }

    static func windows(
        outcomes: [Outcome], start: Date, seconds: Double, count: Int,
        usage: [[String: (rssMiB: Double, cpuPercent: Double)]]
    ) -> [SoakWindow] {
        (0..<count).map { index in
            let from = start.addingTimeInterval(Double(index) * seconds)
            let to = from.addingTimeInterval(seconds)
            let mine = outcomes.filter { $0.due >= from && $0.due < to }
            let registered = mine.filter(\.registered)
            let done = outcomes.filter { ($0.completedAt.map { $0 >= from && $0 < to }) ?? false }.count
            let processes = index < usage.count ? usage[index] : [:]
            return SoakWindow(
                index: index, startSecond: Double(index) * seconds, offered: mine.count, registered: registered.count,
                completed: done, registrationP99: Percentiles(seconds: registered.map(\.registrationSeconds))?.p99,
                endToEndP99: Percentiles(seconds: mine.compactMap(\.endToEndSeconds))?.p99,
                rssMiB: processes.mapValues(\.rssMiB), cpuPercent: processes.mapValues(\.cpuPercent))
        }
    }
}
