/// Which statements one connection has prepared on the server (`PQprepare`), under which names.
/// Pure bookkeeping, no libpq: `LibPQConnection` owns one and asks it what to do.
///
/// Policy:
/// - A statement (SQL text plus parameter type oids) is prepared the SECOND time it runs on the
///   connection; the first run goes unnamed (`PQexecParams`), as before. A text that runs once (an
///   ad-hoc query, a multi-row INSERT of an unusual size) then costs nothing extra, and a statement
///   that repeats costs one extra round trip (the `PQprepare`) once per connection.
/// - At most `capacity` statements stay prepared; beyond that the least recently used one is
///   evicted. Its name goes to `pendingDeallocations`; the connection sends `DEALLOCATE` for them
///   the next time it is idle (outside any transaction), so an eviction can never fail or abort a
///   caller's transaction. Names are never reused, so a pending name cannot collide with a new one.
/// - `capacity` 0 turns preparing off entirely.
struct PreparedStatementCache {
    struct Key: Hashable {
        let sql: String
        let types: [UInt32]
    }

    private struct Entry {
        let name: String
        var lastUse: UInt64
    }

    let capacity: Int
    private var entries: [Key: Entry] = [:]
    /// Hashes of keys seen once and not prepared yet. A collision only prepares a statement on its
    /// first run instead of its second. Cleared when it grows past its bound.
    private var seenOnce: Set<Int> = []
    private var clock: UInt64 = 0
    private var lastNumber = 0
    private(set) var pendingDeallocations: [String] = []

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    var isEnabled: Bool { capacity > 0 }
    var count: Int { entries.count }

    /// The prepared statement's name, marking it as just used; nil if it is not prepared.
    mutating func name(for key: Key) -> String? {
        guard var entry = entries[key] else { return nil }
        clock += 1
        entry.lastUse = clock
        entries[key] = entry
        return entry.name
    }

    /// Whether a statement that is not prepared should be prepared now: true on its second run.
    mutating func shouldPrepare(_ key: Key) -> Bool {
        guard isEnabled else { return false }
        let hash = key.hashValue
        if seenOnce.remove(hash) != nil { return true }
        if seenOnce.count >= capacity * 4 { seenOnce.removeAll(keepingCapacity: true) }
        seenOnce.insert(hash)
        return false
    }

    /// A name no statement on this connection has had: `hromada_1`, `hromada_2`, …
    mutating func newName() -> String {
        lastNumber += 1
        return "hromada_\(lastNumber)"
    }

    /// Records a statement the server has prepared; evicts the least recently used one when full.
    mutating func insert(_ key: Key, name: String) {
        if let old = entries[key] { pendingDeallocations.append(old.name) }
        while entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            entries[oldest.key] = nil
            pendingDeallocations.append(oldest.value.name)
        }
        clock += 1
        entries[key] = Entry(name: name, lastUse: clock)
    }

    /// Forgets a statement whose server-side plan became unusable (e.g. "cached plan must not change
    /// result type"); its name is deallocated later and its next run prepares it afresh at once.
    mutating func invalidate(_ key: Key) {
        guard let entry = entries.removeValue(forKey: key) else { return }
        pendingDeallocations.append(entry.name)
        seenOnce.insert(key.hashValue)
    }

    /// Forgets everything without deallocating: the server no longer has these statements.
    mutating func forgetAll() {
        entries.removeAll()
        seenOnce.removeAll()
        pendingDeallocations.removeAll()
    }

    /// The names to `DEALLOCATE`, handed over once.
    mutating func takePendingDeallocations() -> [String] {
        defer { pendingDeallocations = [] }
        return pendingDeallocations
    }
}
