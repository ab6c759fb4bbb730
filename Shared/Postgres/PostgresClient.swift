import Logging
import NIOPosix
import Synchronization

/// A pool of PostgreSQL connections, safe to call from any task. Connections open lazily, up to
/// `poolSize`; each lives on its own thread, and the closure given to `withConnection` /
/// `withTransaction` runs there synchronously, so a whole transaction runs without a hop and no libpq
/// call ever blocks Swift's cooperative pool. Callers waiting for a free connection wait
/// asynchronously, at most `checkoutTimeout` (then `poolTimeout`). Call `close()` at shutdown.
public final class PostgresClient: Sendable {
    public let configuration: PostgresConfiguration
    private let logger: Logger
    private let instruments: PostgresInstruments
    private let state: Mutex<PoolState>

    public init(configuration: PostgresConfiguration, logger: Logger) {
        var configuration = configuration
        if configuration.poolSize < 1 { configuration.poolSize = 1 }
        self.configuration = configuration
        let pool = configuration.applicationName ?? configuration.searchPath ?? "default"
        var logger = logger
        logger[metadataKey: "postgres.pool"] = "\(pool)"
        self.logger = logger
        self.instruments = PostgresInstruments(pool: pool)
        self.state = Mutex(PoolState())
    }

    /// Runs `body` with a connection on the connection's thread. A transaction left open by `body`
    /// is rolled back before the connection goes back to the pool.
    @discardableResult
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws
        -> T
    {
        try await run(timeout: configuration.checkoutTimeout, isolation: nil, body)
    }

    /// `BEGIN ISOLATION LEVEL …`, `body`, `COMMIT`; `ROLLBACK` and rethrow `body`'s error if it throws.
    /// After a connection loss it throws `connectionLost` (`isRetryable`); retrying is the caller's choice.
    @discardableResult
    public func withTransaction<T: Sendable>(
        isolation: PostgresIsolation = .readCommitted,
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await run(timeout: configuration.checkoutTimeout, isolation: isolation, body)
    }

    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await withConnection { try $0.query(query) }
    }

    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await withConnection { try $0.execute(query) }
    }

    /// `SELECT 1`, waiting at most `pingTimeout` for a connection: for readiness checks.
    public func ping() async throws {
        _ = try await run(timeout: configuration.pingTimeout, isolation: nil) { connection in
            try connection.query("SELECT 1").count
        }
    }

    /// Refuses new work (`poolClosed`), fails the waiters, waits for the closures in flight, then
    /// closes every connection and stops their threads. Safe to call more than once.
    public func close() async {
        let waiters = state.withLock { state -> [PoolState.Waiter] in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume(throwing: PostgresError(code: .poolClosed))
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.leased == 0 { return true }
                state.closeWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
        let slots = state.withLock { state -> [ConnectionSlot] in
            defer {
                state.slots = []
                state.idle = []
                state.open = [:]
            }
            return state.slots
        }
        for slot in slots { await slot.shutdown() }
        if !slots.isEmpty { logger.debug("postgres pool closed") }
    }

    public var statistics: PostgresPoolStatistics {
        state.withLock { state in
            PostgresPoolStatistics(
                open: state.open.values.filter { $0 }.count,
                idle: state.idle.filter { state.open[$0.id] == true }.count,
                inUse: state.leased,
                waiting: state.waiters.count,
                size: configuration.poolSize
            )
        }
    }

    // MARK: Checkout and release

    private func run<T: Sendable>(
        timeout: Duration,
        isolation: PostgresIsolation?,
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let slot = try await checkout(timeout: timeout)
        let outcome: (result: Result<T, any Error>, open: Bool)
        do {
            outcome = try await slot.run(isolation: isolation, body)
        } catch {
            // Cancelled before the closure started, or the slot's thread is gone.
            release(slot, open: nil)
            throw error
        }
        release(slot, open: outcome.open)
        return try outcome.result.get()
    }

    private func checkout(timeout: Duration) async throws -> ConnectionSlot {
        switch state.withLock({ lease(&$0) }) {
        case .slot(let slot): return slot
        case .failure(let error): throw error
        case .wait: break
        }
        let id = state.withLock { state -> Int in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<ConnectionSlot, any Error>) in
                let outcome = state.withLock { state -> LeaseOutcome in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    let outcome = lease(&state)
                    if case .wait = outcome {
                        state.waiters.append(PoolState.Waiter(id: id, continuation: continuation, timer: nil))
                    }
                    return outcome
                }
                switch outcome {
                case .slot(let slot): continuation.resume(returning: slot)
                case .failure(let error): continuation.resume(throwing: error)
                case .wait:
                    let timer = Task { [weak self] in
                        try? await Task.sleep(for: timeout)
                        guard !Task.isCancelled else { return }
                        self?.expireWaiter(id)
                    }
                    let waiting = state.withLock { state -> Bool in
                        guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return false }
                        state.waiters[index].timer = timer
                        return true
                    }
                    if !waiting { timer.cancel() }
                }
            }
        } onCancel: {
            let waiter = state.withLock { $0.removeWaiter(id) }
            waiter?.timer?.cancel()
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    private enum LeaseOutcome {
        case slot(ConnectionSlot)
        case failure(any Error)
        case wait
    }

    /// Under the lock: an idle slot, a new slot if below `poolSize`, or wait.
    private func lease(_ state: inout PoolState) -> LeaseOutcome {
        if state.closed { return .failure(PostgresError(code: .poolClosed)) }
        if let slot = state.idle.popLast() {
            state.leased += 1
            return .slot(slot)
        }
        if state.slots.count < configuration.poolSize {
            let slot = ConnectionSlot(
                id: state.slots.count, configuration: configuration, instruments: instruments, logger: logger)
            state.slots.append(slot)
            state.leased += 1
            return .slot(slot)
        }
        return .wait
    }

    private func expireWaiter(_ id: Int) {
        guard let waiter = state.withLock({ $0.removeWaiter(id) }) else { return }
        instruments.poolTimeout()
        logger.warning(
            "postgres pool checkout timed out", metadata: ["postgres.pool.size": "\(configuration.poolSize)"])
        waiter.continuation.resume(
            throwing: PostgresError(code: .poolTimeout, context: "no free connection within the checkout timeout"))
    }

    private func release(_ slot: ConnectionSlot, open: Bool?) {
        let (waiter, closeWaiters) = state.withLock {
            state -> (PoolState.Waiter?, [CheckedContinuation<Void, Never>]) in
            if let open { state.open[slot.id] = open }
            if !state.waiters.isEmpty {
                return (state.waiters.removeFirst(), [])  // handed over: still leased
            }
            state.leased -= 1
            state.idle.append(slot)
            guard state.closed, state.leased == 0 else { return (nil, []) }
            defer { state.closeWaiters = [] }
            return (nil, state.closeWaiters)
        }
        if let waiter {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: slot)
        }
        for closeWaiter in closeWaiters { closeWaiter.resume() }
    }
}

/// How the pool is doing, for health pages and metrics.
public struct PostgresPoolStatistics: Sendable, Equatable {
    /// Open connections (idle or in use).
    public var open: Int
    /// Open connections nobody is using.
    public var idle: Int
    /// Connections checked out by a closure right now.
    public var inUse: Int
    /// Callers waiting for a free connection.
    public var waiting: Int
    /// The configured maximum.
    public var size: Int
}

struct PoolState: Sendable {
    struct Waiter: Sendable {
        let id: Int
        let continuation: CheckedContinuation<ConnectionSlot, any Error>
        var timer: Task<Void, Never>?
    }

    var slots: [ConnectionSlot] = []
    var idle: [ConnectionSlot] = []
    /// Whether each slot's connection was open when it was last returned.
    var open: [Int: Bool] = [:]
    var leased = 0
    var waiters: [Waiter] = []
    var nextWaiterID = 0
    var closed = false
    var closeWaiters: [CheckedContinuation<Void, Never>] = []

    mutating func removeWaiter(_ id: Int) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index)
    }
}

/// One pool slot: a thread of its own and, on it, at most one libpq connection, opened on first use
/// and reopened after it breaks.
final class ConnectionSlot: @unchecked Sendable {
    let id: Int
    private let thread: NIOThreadPool
    private let configuration: PostgresConfiguration
    private let instruments: PostgresInstruments
    private let logger: Logger
    private let stopped = Mutex(false)
    /// Only touched on `thread`.
    private var connection: PostgresConnection?

    init(id: Int, configuration: PostgresConfiguration, instruments: PostgresInstruments, logger: Logger) {
        self.id = id
        self.configuration = configuration
        self.instruments = instruments
        var logger = logger
        logger[metadataKey: "postgres.connection"] = "\(id)"
        self.logger = logger
        self.thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
    }

    deinit {
        // A client dropped without close(): stop the thread anyway (libpq handle is freed by its deinit).
        if !stopped.withLock({ $0 }) { thread.shutdownGracefully { _ in } }
    }

    /// Runs `body` on this slot's thread (inside a transaction when `isolation` is set); returns its
    /// result and whether the connection is still open afterwards.
    func run<T: Sendable>(
        isolation: PostgresIsolation?,
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> (result: Result<T, any Error>, open: Bool) {
        try await thread.runIfActive { self.runOnThread(isolation: isolation, body) }
    }

    private func runOnThread<T>(isolation: PostgresIsolation?, _ body: (PostgresConnection) throws -> T) -> (
        result: Result<T, any Error>, open: Bool
    ) {
        var connection: PostgresConnection
        do {
            connection = try healthyConnection()
            if let isolation {
                do {
                    try connection.begin(isolation)
                } catch let error as PostgresError where error.code == .connectionLost {
                    // The idle connection died unnoticed; nothing has run yet, so a fresh one is safe.
                    logger.info("postgres connection lost before BEGIN; reconnecting")
                    connection.libpq.finish()
                    self.connection = nil
                    connection = try healthyConnection()
                    try connection.begin(isolation)
                }
            }
        } catch {
            return (.failure(error), self.connection != nil)
        }
        let result: Result<T, any Error>
        if isolation != nil {
            result = Result {
                do {
                    let value = try body(connection)
                    try connection.commit()
                    return value
                } catch {
                    connection.rollbackIgnoringErrors()
                    throw error
                }
            }
        } else {
            result = Result { try body(connection) }
            connection.rollbackIgnoringErrors()
        }
        if !connection.isOpen {
            logger.info("postgres connection lost; it will be replaced on next use")
            connection.libpq.finish()
            self.connection = nil
        }
        return (result, self.connection != nil)
    }

    /// The open connection, or a new one if there is none or the old one broke while idle.
    private func healthyConnection() throws -> PostgresConnection {
        if let connection {
            if connection.libpq.checkIdleHealth() { return connection }
            logger.info("postgres connection broke while idle; reconnecting")
            connection.libpq.finish()
            self.connection = nil
        }
        let libpq: LibPQConnection
        do {
            libpq = try LibPQConnection.connect(
                connectionString: configuration.connectionString,
                applicationName: configuration.applicationName,
                connectTimeoutSeconds: configuration.connectTimeoutSeconds
            )
        } catch let error as PostgresError {
            instruments.failed(error)
            logger.warning("postgres connect failed", metadata: ["postgres.error": "\(error.safeDescription)"])
            throw error
        }
        let connection = PostgresConnection(libpq: libpq, instruments: instruments, logger: logger)
        var setup: PostgresQuery =
            "SELECT set_config('DateStyle', 'ISO, MDY', false), set_config('bytea_output', 'hex', false)"
        if let searchPath = configuration.searchPath {
            setup.append(", set_config('search_path', \(searchPath), false)")
        }
        do {
            try connection.query(setup)
        } catch {
            libpq.finish()
            throw error
        }
        libpq.configurePreparedStatements(capacity: configuration.preparedStatementCacheSize)
        instruments.connected()
        logger.debug("postgres connection opened", metadata: ["postgres.backend_pid": "\(libpq.backendPID)"])
        self.connection = connection
        return connection
    }

    func shutdown() async {
        guard
            !stopped.withLock({ stopped in
                defer { stopped = true }
                return stopped
            })
        else { return }
        _ = try? await thread.runIfActive {
            self.connection?.libpq.finish()
            self.connection = nil
        }
        try? await thread.shutdownGracefully()
    }
}
