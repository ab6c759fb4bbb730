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
            for pointer in keywords + values { free(pointer) }
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

    /// One statement with text-format parameters ($1…) and text-format results. A statement that
    /// runs again on this connection is prepared once (`PQprepare`) and then run by name
    /// (`PQexecPrepared`), so the server parses and analyses it once per connection instead of on
    /// every run (see `PreparedStatementCache` for the policy). Errors are the ones `PQexecParams`
    /// reports: a failing `PQprepare` fails at the same Parse step with the same SQLSTATE and message,
    /// and is never cached.
    func execute(_ sql: String, binds: [PostgresBind]) throws -> PostgresRows {
        let handle = try openHandle()
        return try withParameters(binds) { types, values in
            // In a failed transaction every statement fails with 25P02 anyway: take today's path unchanged.
            guard statements.isEnabled, transactionStatus != .inError else {
                return try executeUnnamed(sql, types: types, values: values, handle: handle)
            }
            deallocatePendingIfIdle(handle)
            let key = PreparedStatementCache.Key(sql: sql, types: types)
            if let name = statements.name(for: key) {
                let wasIdle = transactionStatus == .idle
                do {
                    return try executePrepared(name, values: values, handle: handle)
                } catch let error as PostgresError where Self.invalidatesStatement(error) {
                    if error.sqlState == Self.noSuchPreparedStatement {
                        statements.forgetAll()
                    } else {
                        statements.invalidate(key)
                    }
                    // Outside a transaction the failed statement had no effect (it failed before running,
                    // and an autocommit statement is atomic anyway): prepare it afresh and run it once
                    // more. Inside one the transaction is now aborted: the caller's unit of work retries,
                    // and its next attempt prepares the statement afresh.
                    guard wasIdle, transactionStatus == .idle else { throw error }
                    deallocatePendingIfIdle(handle)
                    return try prepareAndExecute(key, values: values, handle: handle)
                }
            }
            guard statements.shouldPrepare(key) else {
                return try executeUnnamed(sql, types: types, values: values, handle: handle)
            }
            return try prepareAndExecute(key, values: values, handle: handle)
        }
    }

    /// What this connection has done, for tests and measurements.
    struct Statistics: Equatable {
        /// Calls that waited for the server: one per PQexec, PQexecParams, PQprepare, PQexecPrepared.
        var roundTrips = 0
        var prepares = 0
        var preparedExecutions = 0
        var unnamedExecutions = 0
        var deallocations = 0
    }

    private(set) var statistics = Statistics()
    private var statements = PreparedStatementCache(capacity: 0)

    /// Statements prepared on the server right now (as this connection believes).
    var preparedStatementCount: Int { statements.count }

    /// Turns preparing on (`capacity` > 0) or off. A new connection starts with it off and empty.
    func configurePreparedStatements(capacity: Int) {
        statements = PreparedStatementCache(capacity: capacity)
    }

    /// "cached plan must not change result type" (a `SELECT *` whose table's columns changed since it was
    /// prepared) is raised as feature_not_supported; "prepared statement does not exist" means the
    /// server forgot our statements (someone ran `DEALLOCATE ALL` or `DISCARD ALL`).
    private static let featureNotSupported = "0A000"
    private static let noSuchPreparedStatement = "26000"

    private static func invalidatesStatement(_ error: PostgresError) -> Bool {
        error.code == .queryFailed
            && (error.sqlState == featureNotSupported || error.sqlState == noSuchPreparedStatement)
    }

    private func executeUnnamed(
        _ sql: String, types: [Oid], values: [UnsafePointer<CChar>?], handle: OpaquePointer
    ) throws -> PostgresRows {
        statistics.roundTrips += 1
        statistics.unnamedExecutions += 1
        let result = PQexecParams(handle, sql, Int32(types.count), types, values, nil, nil, 0)
        return try consume(result, handle: handle)
    }

    private func executePrepared(
        _ name: String, values: [UnsafePointer<CChar>?], handle: OpaquePointer
    ) throws -> PostgresRows {
        statistics.roundTrips += 1
        statistics.preparedExecutions += 1
        return try consume(PQexecPrepared(handle, name, Int32(values.count), values, nil, nil, 0), handle: handle)
    }

    private func prepareAndExecute(
        _ key: PreparedStatementCache.Key, values: [UnsafePointer<CChar>?], handle: OpaquePointer
    ) throws -> PostgresRows {
        let name = statements.newName()
        statistics.roundTrips += 1
        statistics.prepares += 1
        // Throws exactly what PQexecParams would have thrown at its own Parse step; nothing is cached then.
        _ = try consume(PQprepare(handle, name, key.sql, Int32(key.types.count), key.types), handle: handle)
        statements.insert(key, name: name)
        return try executePrepared(name, values: values, handle: handle)
    }

    /// Sends `DEALLOCATE` for evicted statements, only while no transaction is open, so it can never
    /// abort a caller's transaction. A failure is ignored: at worst the server keeps a statement until
    /// the connection closes; a broken connection shows up in the caller's own statement next.
    private func deallocatePendingIfIdle(_ handle: OpaquePointer) {
        guard !statements.pendingDeallocations.isEmpty, transactionStatus == .idle else { return }
        let names = statements.takePendingDeallocations()
        statistics.roundTrips += 1
        statistics.deallocations += names.count
        let result = PQexec(handle, names.map { "DEALLOCATE \($0)" }.joined(separator: "; "))
        if let result { PQclear(result) }
    }

    /// Copies the binds into C strings for the duration of `body` (type oids and value pointers).
    private func withParameters<T>(
        _ binds: [PostgresBind], _ body: ([Oid], [UnsafePointer<CChar>?]) throws -> T
    ) throws -> T {
        var types: [Oid] = []
        types.reserveCapacity(binds.count)
        var storage: [UnsafeMutablePointer<CChar>?] = []
        storage.reserveCapacity(binds.count)
        defer { for pointer in storage { free(pointer) } }
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
        return try body(types, storage.map { UnsafePointer($0) })
    }

    /// Several statements, no parameters (PQexec). Stops at the first failing statement.
    func executeScript(_ sql: String) throws {
        let handle = try openHandle()
        guard !sql.utf8.contains(0) else {
            throw PostgresError(code: .encodingFailed, context: "script contains a NUL byte")
        }
        deallocatePendingIfIdle(handle)
        statistics.roundTrips += 1
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
