import HromadaCore

/// Every failure of the PostgreSQL module. As in postgres-nio, `description` (what `"\(error)"`
/// and `String(describing:)` print) is redacted: code, SQLSTATE and context, never the server's
/// message, which can echo values (`invalid input syntax for type uuid: "<value>"`, a duplicate
/// key). The message is only in `debugDescription` and `serverMessage`, for debug logs and tests.
public struct PostgresError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable, PrivacySafeError {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Could not open a connection (server down, wrong password, timeout).
        public static let connectionFailed = Code("connectionFailed")
        /// The connection broke during a call (server restart, backend terminated, network).
        public static let connectionLost = Code("connectionLost")
        /// The server rejected a statement; see `sqlState`.
        public static let queryFailed = Code("queryFailed")
        /// A column value could not be turned into the requested Swift type (or was NULL).
        public static let decodingFailed = Code("decodingFailed")
        /// A Swift value could not be turned into a parameter (e.g. a string with a NUL byte).
        public static let encodingFailed = Code("encodingFailed")
        /// The client was closed; no new work is accepted.
        public static let poolClosed = Code("poolClosed")
        /// No connection became free within the checkout timeout.
        public static let poolTimeout = Code("poolTimeout")
        /// A statement inside the transaction failed and its error was swallowed; the transaction was rolled back.
        public static let transactionAborted = Code("transactionAborted")
        /// An applied migration differs from the one in code (name or checksum), or versions are not unique.
        public static let migrationMismatch = Code("migrationMismatch")
        /// The configuration cannot work (e.g. pool size below 1).
        public static let invalidConfiguration = Code("invalidConfiguration")
    }

    public var code: Code
    /// SQLSTATE reported by the server, e.g. "23505".
    public var sqlState: String?
    /// Text that never contains values: what the module was doing, a column name, a type name.
    public var context: String?
    /// The server's (or libpq's) primary message. May echo values: only in `debugDescription`.
    public var serverMessage: String?

    public init(code: Code, sqlState: String? = nil, context: String? = nil, serverMessage: String? = nil) {
        self.code = code
        self.sqlState = sqlState
        self.context = context
        self.serverMessage = serverMessage
    }

    /// Code, SQLSTATE and context, without the server's message: safe for logs at any level.
    public var safeDescription: String {
        var text = "PostgresError(\(code)"
        if let sqlState { text += ", sqlState: \(sqlState)" }
        if let context { text += ", \(context)" }
        return text + ")"
    }

    /// The same as `safeDescription`: an error printed anywhere leaks nothing by default.
    public var description: String { safeDescription }

    /// `safeDescription` plus the server's message: for debug logs and tests only.
    public var debugDescription: String {
        guard let serverMessage, !serverMessage.isEmpty else { return safeDescription }
        return String(safeDescription.dropLast()) + ", message: \(serverMessage))"
    }

    /// unique_violation.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// foreign_key_violation.
    public var isForeignKeyViolation: Bool { sqlState == "23503" }

    /// Worth retrying the whole unit of work (on a fresh connection): the connection broke or could not
    /// be made, serialization failure, deadlock, the server is shutting down or starting up.
    public var isRetryable: Bool {
        if code == .connectionLost || code == .connectionFailed { return true }
        guard let sqlState else { return false }
        if sqlState.hasPrefix("08") { return true }  // connection_exception class
        return Self.retryableStates.contains(sqlState)
    }

    static let retryableStates: Set<String> = [
        "40001",  // serialization_failure
        "40P01",  // deadlock_detected
        "57P01",  // admin_shutdown
        "57P02",  // crash_shutdown
        "57P03",  // cannot_connect_now
        "53300",  // too_many_connections
        "55P03",  // lock_not_available
    ]
}
