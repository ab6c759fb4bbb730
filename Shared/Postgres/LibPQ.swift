import CLibPQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The only place that calls libpq. Every return code becomes a thrown `PostgresError`.
/// A `LibPQConnection` is owned by one thread (its pool slot's) and never touched from another.
final class LibPQConnection {
    enum TransactionStatus: Sendable { case idle, active, inTransaction, inError, unknown }

    private var handle: OpaquePointer?

    private init(handle: OpaquePointer) { self.handle = handle }

    deinit { finish() }

    /// Blocking connect (PQconnectdbParams). The connection string is expanded as libpq's `dbname`,
    /// so a conninfo or a URI works; `connect_timeout` and `fallback_application_name` come before it
    /// (the string may override them) and `client_encoding=UTF8` after it (always wins).
    static func connect(connectionString: String, applicationName: String?, connectTimeoutSeconds: Int) throws
        -> LibPQConnection
    {
        var pairs: [(String, String)] = [("connect_timeout", String(max(connectTimeoutSeconds, 2)))]
        if let applicationName { pairs.append(("fallback_application_name", applicationName)) }
        pairs.append(("dbname", connectionString))
        pairs.append(("client_encoding", "UTF8"))

        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        let handle = PQconnectdbParams(keywordPointers, valuePointers, 1)
        guard let handle else {
            throw PostgresError(code: .connectionFailed, context: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.message(PQerrorMessage(handle))
            PQfinish(handle)
            throw PostgresError(code: .connectionFailed, context: "connect", serverMessage: message)
        }
        let connection = LibPQConnection(handle: handle)
        // Notices (e.g. "relation already exists, skipping") would go to stderr by default. A FATAL
        // arriving while idle (pg_terminate_backend, server shutdown) means the server is closing it.
        PQsetNoticeReceiver(
            handle,
            { argument, result in
                guard let argument, let result else { return }
                let severity = PQresultErrorField(result, Int32(UInt8(ascii: "V"))).map { String(cString: $0) }
                if severity == "FATAL" || severity == "PANIC" {
                    Unmanaged<LibPQConnection>.fromOpaque(argument).takeUnretainedValue().serverSaidFatal = true
                }
            }, Unmanaged.passUnretained(connection).toOpaque())
        return connection
    }

    /// Set by the notice receiver (on this connection's thread, inside a libpq call).
    private var serverSaidFatal = false

    var isOpen: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// Reads whatever the server sent while the connection was idle (PQconsumeInput), so a backend
    /// terminated or a server restarted since the last use shows up as a bad status now rather than
    /// as a failed statement later.
    /// A terminated backend first sends its FATAL message (which libpq passes to the notice processor
    /// while idle) and then closes the socket, so read until nothing more is waiting.
    func checkIdleHealth() -> Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        for _ in 0..<8 {
            guard PQconsumeInput(handle) == 1, PQstatus(handle) == CONNECTION_OK, !serverSaidFatal else { return false }
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 0)
            if ready < 0 { return false }
            if ready == 0 { break }
        }
        return PQstatus(handle) == CONNECTION_OK && !serverSaidFatal
    }

    var backendPID: Int32 { handle.map { PQbackendPID($0) } ?? 0 }

    var transactionStatus: TransactionStatus {
        guard let handle else { return .unknown }
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_ACTIVE: return .active
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .inError
        default: return .unknown
        }
    }

    func finish() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// One statement with text-format parameters ($1…) and text-format results (PQexecParams).
    func execute(_ sql: String, binds: [PostgresBind]) throws -> PostgresRows {
        let handle = try openHandle()
        var types: [Oid] = []
        types.reserveCapacity(binds.count)
        var storage: [UnsafeMutablePointer<CChar>?] = []
        storage.reserveCapacity(binds.count)
        defer { storage.forEach { free($0) } }
        for (index, bind) in binds.enumerated() {
            if let error = bind.encodingError { throw error }
            types.append(bind.dataType.oid)
            guard let text = bind.text else {
                storage.append(nil)
                continue
            }
            guard !text.utf8.contains(0) else {
                throw PostgresError(code: .encodingFailed, context: "parameter $\(index + 1) contains a NUL byte")
            }
            guard let copy = strdup(text) else {
                throw PostgresError(code: .encodingFailed, context: "out of memory copying parameter $\(index + 1)")
            }
            storage.append(copy)
        }
        let pointers = storage.map { UnsafePointer($0) }
        let result = PQexecParams(handle, sql, Int32(binds.count), types, pointers, nil, nil, 0)
        return try consume(result, handle: handle)
    }

    /// Several statements, no parameters (PQexec). Stops at the first failing statement.
    func executeScript(_ sql: String) throws {
        let handle = try openHandle()
        guard !sql.utf8.contains(0) else {
            throw PostgresError(code: .encodingFailed, context: "script contains a NUL byte")
        }
        _ = try consume(PQexec(handle, sql), handle: handle)
    }

    private func openHandle() throws -> OpaquePointer {
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(code: .connectionLost, context: "connection is not open")
        }
        return handle
    }

    /// Turns a PGresult into rows (copied; the result is cleared) or a thrown error.
    private func consume(_ result: OpaquePointer?, handle: OpaquePointer) throws -> PostgresRows {
        guard let result else {
            // No result at all: out of memory or the connection is gone.
            let lost = PQstatus(handle) != CONNECTION_OK
            throw PostgresError(
                code: lost ? .connectionLost : .queryFailed, context: "no result",
                serverMessage: Self.message(PQerrorMessage(handle)))
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PostgresRows(
                storage: .init(columns: [], values: [], rowCount: 0), affectedRows: Self.affectedRows(result))
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE:
            return PostgresRows(storage: Self.copyRows(result), affectedRows: Self.affectedRows(result))
        default:
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            var message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            if message == nil { message = Self.message(PQresultErrorMessage(result)) }
            let lost = PQstatus(handle) != CONNECTION_OK
            throw PostgresError(
                code: lost ? .connectionLost : .queryFailed, sqlState: sqlState, context: nil, serverMessage: message)
        }
    }

    private static func affectedRows(_ result: OpaquePointer) -> Int {
        guard let text = PQcmdTuples(result) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    private static func copyRows(_ result: OpaquePointer) -> PostgresRowStorage {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            columns.append(PQfname(result, Int32(column)).map { String(cString: $0) } ?? "?column?")
        }
        var values: [String?] = []
        values.reserveCapacity(rowCount * columnCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                    continue
                }
                let length = Int(PQgetlength(result, row, column))
                guard let pointer = PQgetvalue(result, row, column) else {
                    values.append("")
                    continue
                }
                let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
                values.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        return PostgresRowStorage(columns: columns, values: values, rowCount: rowCount)
    }

    private static func message(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        let text = String(cString: pointer).trimmingWhitespace()
        return text.isEmpty ? nil : text
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view = view.dropFirst() }
        while let last = view.last, last.isWhitespace { view = view.dropLast() }
        return String(view)
    }
}
