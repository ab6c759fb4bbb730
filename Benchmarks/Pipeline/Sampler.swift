import Foundation
import Synchronization

/// One process (or a group of processes, e.g. every `postgres` backend) watched through /proc.
struct WatchedProcess: Sendable {
    enum Selector: Sendable {
        case pidFile(String)
        /// Every process whose /proc/<pid>/comm is this name.
        case command(String)
        /// Every process whose /proc/<pid>/comm is one of these names.
        case commands([String])
    }
    var name: String
    var selector: Selector
}

/// CPU and memory of the watched processes over one phase.
struct ProcessUsage: Codable, Sendable {
    var name: String
    var pids: [Int32]
    /// Mean CPU over the phase in % of one core (100 = one core busy all the time).
    var cpuPercent: Double
    /// Highest VmRSS sampled during the phase (MiB; sum over the group).
    var peakRSSMiB: Double
    /// VmHWM (the kernel's lifetime peak RSS) at the end of the phase (MiB; single processes only).
    var highWaterMiB: Double?
}

/// Samples /proc every `interval` (RSS, CPU ticks) and, every second, the broker's queue depths
/// (management API) and each service's outbox lag (`hromada_outbox_lag_rows` from /metrics).
final class Sampler: Sendable {
    struct State {
        var running = true
        var peakRSS: [String: Int] = [:]  // kB
        var pids: [String: Set<Int32>] = [:]
        var startTicks: [String: [Int32: UInt64]] = [:]
        var lastTicks: [String: [Int32: UInt64]] = [:]
        var started = 0.0
        var stopped = 0.0
        var peakQueueDepth: [String: Int] = [:]
        var peakOutboxLag: [String: Double] = [:]
        var machineStartTicks: UInt64 = 0
        var machineIdleStart: UInt64 = 0
        var machineEndTicks: UInt64 = 0
        var machineIdleEnd: UInt64 = 0
        /// Every memory sample with its time: the soak's per-window RSS and CPU.
        var series: [ProcessSample] = []
    }

    /// One /proc sample: per watched process, its RSS (kB, summed over a group) and each pid's CPU ticks.
    struct ProcessSample {
        var wall: Date
        var rss: [String: Int]
        var ticks: [String: [Int32: UInt64]]
    }

    let processes: [WatchedProcess]
    let interval: Double
    /// The broker's management API (queue depths); nil when its URL is not usable.
    let management: ManagementAPI?
    let vhost: String
    let metricsPorts: [String: UInt16]
    private let state = Mutex(State())

    init(
        processes: [WatchedProcess], interval: Double, managementURL: String, vhost: String,
        metricsPorts: [String: UInt16]
    ) {
        self.processes = processes
        self.interval = interval
        self.vhost = vhost
        self.metricsPorts = metricsPorts
        management = try? ManagementAPI(url: managementURL)
    }

    static let clockTicks = Double(sysconf(Int32(_SC_CLK_TCK)))

    func start() {
        let startTicks = currentTicks()
        let machine = Self.machineTicks()
        state.withLock {
            $0 = State()
            $0.started = monotonicSeconds()
            $0.startTicks = startTicks.ticks
            $0.pids = startTicks.pids
            $0.machineStartTicks = machine.total
            $0.machineIdleStart = machine.idle
        }
        let procThread = Thread { [self] in
            while state.withLock({ $0.running }) {
                sampleMemory()
                Thread.sleep(forTimeInterval: interval)
            }
        }
        procThread.name = "bench-sampler-proc"
        procThread.start()
        let brokerThread = Thread { [self] in
            let managementConnection = management?.connect()
            let metricConnections = metricsPorts.mapValues {
                BlockingHTTPConnection(host: "127.0.0.1", port: $0, timeoutSeconds: 5)
            }
            while state.withLock({ $0.running }) {
                if let managementConnection { sampleQueues(managementConnection) }
                for (service, connection) in metricConnections { sampleOutbox(service: service, connection) }
                Thread.sleep(forTimeInterval: 1)
            }
        }
        brokerThread.name = "bench-sampler-broker"
        brokerThread.start()
    }

    /// Stops sampling and returns the usage of each watched process over the phase.
    func stop() -> (
        usage: [ProcessUsage], queueDepth: [String: Int], outboxLag: [String: Double], machineBusyPercent: Double
    ) {
        sampleMemory()
        let end = currentTicks()
        let machine = Self.machineTicks()
        return state.withLock { state in
            state.running = false
            state.stopped = monotonicSeconds()
            let seconds = max(state.stopped - state.started, 0.001)
            var usage: [ProcessUsage] = []
            for process in processes {
                let ticks = Self.ticks(from: state.startTicks[process.name] ?? [:], to: end.ticks[process.name] ?? [:])
                let pids = Array((state.pids[process.name] ?? []).union(end.pids[process.name] ?? [])).sorted()
                var hwm: Double?
                if case .pidFile = process.selector, let pid = pids.first, let status = Self.status(pid) {
                    hwm = Double(status.hwm) / 1024
                }
                usage.append(
                    ProcessUsage(
                        name: process.name, pids: pids, cpuPercent: Double(ticks) / Self.clockTicks / seconds * 100,
                        peakRSSMiB: Double(state.peakRSS[process.name] ?? 0) / 1024, highWaterMiB: hwm))
            }
            let total = Double(machine.total &- state.machineStartTicks)
            let idle = Double(machine.idle &- state.machineIdleStart)
            let busy = total > 0 ? (1 - idle / total) * 100 : 0
            return (usage, state.peakQueueDepth, state.peakOutboxLag, busy)
        }
    }

    /// Per window of `seconds` from `start` (`count` windows): each process's highest sampled RSS (MiB)
    /// and its CPU (% of one core) between the samples closest to the window's ends.
    func windows(from start: Date, seconds: Double, count: Int) -> [[String: (rssMiB: Double, cpuPercent: Double)]] {
        let series = state.withLock { $0.series }
        return (0..<count).map { index in
            let from = start.addingTimeInterval(Double(index) * seconds)
            let to = from.addingTimeInterval(seconds)
            let inside = series.filter { $0.wall >= from && $0.wall < to }
            let first = series.last { $0.wall <= from } ?? inside.first
            let last = inside.last
            var result: [String: (rssMiB: Double, cpuPercent: Double)] = [:]
            for process in processes {
                let rss = inside.map { $0.rss[process.name] ?? 0 }.max() ?? 0
                var cpu = 0.0
                if let first, let last, last.wall > first.wall {
                    let ticks = Self.ticks(from: first.ticks[process.name] ?? [:], to: last.ticks[process.name] ?? [:])
                    cpu = Double(ticks) / Self.clockTicks / last.wall.timeIntervalSince(first.wall) * 100
                }
                result[process.name] = (Double(rss) / 1024, cpu)
            }
            return result
        }
    }

    // MARK: /proc

    private func pids(for process: WatchedProcess) -> [Int32] {
        switch process.selector {
        case .pidFile(let path):
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                FileManager.default.fileExists(atPath: "/proc/\(pid)")
            else { return [] }
            return [pid]
        case .command(let name):
            return Self.pids(named: [name])
        case .commands(let names):
            return Self.pids(named: Set(names))
        }
    }

    private static func pids(named names: Set<String>) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { return false }
            return names.contains(comm.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private func currentTicks() -> (ticks: [String: [Int32: UInt64]], pids: [String: Set<Int32>]) {
        var ticks: [String: [Int32: UInt64]] = [:]
        var all: [String: Set<Int32>] = [:]
        for process in processes {
            let map = Self.cpuTicks(of: pids(for: process))
            ticks[process.name] = map
            all[process.name] = Set(map.keys)
        }
        return (ticks, all)
    }

    private func sampleMemory() {
        var rss: [String: Int] = [:]
        var seen: [String: Set<Int32>] = [:]
        var ticks: [String: [Int32: UInt64]] = [:]
        for process in processes {
            let list = pids(for: process)
            rss[process.name] = list.reduce(0) { $0 + (Self.status($1)?.rss ?? 0) }
            seen[process.name] = Set(list)
            ticks[process.name] = Self.cpuTicks(of: list)
        }
        let sample = ProcessSample(wall: Date(), rss: rss, ticks: ticks)
        state.withLock { state in
            if state.running { state.series.append(sample) }
            for (name, value) in rss { state.peakRSS[name] = max(state.peakRSS[name] ?? 0, value) }
            for (name, set) in seen { state.pids[name, default: []].formUnion(set) }
        }
    }

    /// The CPU ticks of each of `pids` still running.
    static func cpuTicks(of pids: [Int32]) -> [Int32: UInt64] {
        var ticks: [Int32: UInt64] = [:]
        for pid in pids { ticks[pid] = cpuTicks(pid) }
        return ticks
    }

    /// The ticks spent between two readings of a group; a process that appeared between them counts
    /// from zero.
    static func ticks(from before: [Int32: UInt64], to after: [Int32: UInt64]) -> UInt64 {
        var ticks: UInt64 = 0
        for (pid, value) in after {
            let base = before[pid] ?? 0
            ticks += value >= base ? value - base : 0
        }
        return ticks
    }

    /// utime + stime of a process, in clock ticks.
    static func cpuTicks(_ pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state(0) ppid(1) … utime(11) stime(12).
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
        return user + system
    }

    /// VmRSS and VmHWM in kB.
    static func status(_ pid: Int32) -> (rss: Int, hwm: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n")
        func kilobytes(_ field: String) -> Int {
            guard let line = lines.first(where: { $0.hasPrefix(field) }) else { return 0 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
        }
        return (kilobytes("VmRSS:"), kilobytes("VmHWM:"))
    }

    /// All CPUs' jiffies and idle+iowait jiffies from /proc/stat.
    static func machineTicks() -> (total: UInt64, idle: UInt64) {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
        else { return (0, 0) }
        let values = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard values.count >= 5 else { return (0, 0) }
        return (values.reduce(0, +), values[3] + values[4])
    }

    // MARK: Broker and services

    private func sampleQueues(_ connection: BlockingHTTPConnection) {
        let encodedVhost = vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2F"
        guard
            let list = management?.get("/api/queues/\(encodedVhost)?columns=name,messages", on: connection)
                as? [[String: Any]]
        else { return }
        var depths: [String: Int] = [:]
        for queue in list {
            guard let name = queue["name"] as? String, name.hasPrefix("hromada."), !name.hasPrefix("hromada.bench")
            else { continue }
            depths[name] = (queue["messages"] as? Int) ?? 0
        }
        state.withLock { state in
            for (name, depth) in depths { state.peakQueueDepth[name] = max(state.peakQueueDepth[name] ?? 0, depth) }
        }
    }

    private func sampleOutbox(service: String, _ connection: BlockingHTTPConnection) {
        guard let response = try? connection.request(method: "GET", path: "/metrics"), response.status == 200 else {
            return
        }
        let text = String(decoding: response.body, as: UTF8.self)
        var lag = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix("hromada_outbox_lag_rows") {
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { lag = max(lag, value) }
        }
        state.withLock { state in state.peakOutboxLag[service] = max(state.peakOutboxLag[service] ?? 0, lag) }
    }
}
