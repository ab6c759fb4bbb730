public import Logging
import Synchronization

/// Every log entry of the loggers it hands out, kept in memory with its metadata rendered as text,
/// for tests that check what logs may (and may not) contain.
public final class CapturedLogs: Sendable {
    public struct Entry: Sendable {
        public let level: Logger.Level
        /// `<label> <message> <key>=<value> …` (metadata sorted by key).
        public let text: String
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    public var all: [Entry] { entries.withLock { $0 } }

    /// Each entry as one line: `<level> <label> <message> <key>=<value> …`.
    public var lines: [String] { all.map { "\($0.level) \($0.text)" } }

    public func logger(label: String = "test.capture", level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { label in CapturingLogHandler(label: label, sink: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }
}

struct CapturingLogHandler: LogHandler {
    let label: String
    let sink: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        let merged = metadata.merging(explicit ?? [:]) { _, new in new }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        sink.append(CapturedLogs.Entry(level: level, text: "\(label) \(message) \(rendered)"))
    }
}
