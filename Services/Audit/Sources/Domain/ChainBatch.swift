import Foundation
import HromadaContracts

/// What appending a whole consumer batch to the chain writes, decided in memory from what the
/// store read once (under the chain-head lock): the entries in batch order with their hashes, the
/// appeal keys created and destroyed on the way, and the new head. Applying the plan's writes has
/// the same result as appending the events one after the other (`AuditEntry.make` per event), so
/// the store needs a fixed number of statements per batch instead of several per event.
public struct ChainBatch: Sendable {
    /// An appeal key as the batch sees it.
    public enum KeyState: Sendable, Equatable {
        case live([UInt8])
        /// Destroyed (erased appeal): its events keep no personal fields.
        case erased
    }

    /// What the log already holds for the batch's events (see `Lookups`).
    public struct Known: Sendable {
        /// Registration numbers of appeals, for events whose payload carries none.
        public var numbers: [UUID: String]
        /// The keys of the batch's appeals that exist (absent = none yet).
        public var keys: [UUID: KeyState]
        /// Event ids of the batch already in the log (redeliveries the inbox no longer remembers).
        public var logged: Set<UUID>

        public init(numbers: [UUID: String] = [:], keys: [UUID: KeyState] = [:], logged: Set<UUID> = []) {
            self.numbers = numbers
            self.keys = keys
            self.logged = logged
        }
    }

    /// What the store must read before planning: one query for all three.
    public struct Lookups: Sendable {
        /// Appeals whose registration number the log may know (events without one in the payload).
        public var numbersOf: [UUID]
        /// Appeals whose key an event needs or destroys.
        public var keysOf: [UUID]
        public var eventIds: [UUID]
        /// (correlation id, registration number) of every event that names both, in batch order:
        /// the appeals map, first number wins (`ON CONFLICT DO NOTHING`).
        public var mapped: [(UUID, String)]
    }

    /// The entries to insert, in batch order, sequences `head.sequence + 1 …` without a gap.
    public private(set) var entries: [AuditEntry] = []
    /// The envelope of each entry (same order): what the report projection applies.
    public private(set) var appended: [Envelope] = []
    /// Keys created by this batch and still live at its end: (appeal, key).
    public private(set) var createdKeys: [(UUID, [UInt8])] = []
    /// Appeals whose key this batch destroys (or records as erased when there was none), with
    /// the time of the first erasure event that did so.
    public private(set) var destroyedKeys: [(UUID, Date)] = []
    /// The head after the last entry (the one before the batch when nothing is appended).
    public private(set) var head: ChainHead

    /// What to read for `envelopes`.
    public static func lookups(for envelopes: [Envelope]) -> Lookups {
        var lookups = Lookups(numbersOf: [], keysOf: [], eventIds: [], mapped: [])
        for envelope in envelopes {
            lookups.eventIds.append(envelope.id)
            if let number = envelope.payload["registrationNumber"]?.stringValue {
                lookups.mapped.append((envelope.correlationId, number))
            } else {
                lookups.numbersOf.append(envelope.correlationId)
            }
            lookups.keysOf += AuditEntry.keysErased(by: envelope)
            if AuditEntry.needsKey(envelope) { lookups.keysOf.append(envelope.correlationId) }
        }
        lookups.numbersOf = unique(lookups.numbersOf)
        lookups.keysOf = unique(lookups.keysOf)
        return lookups
    }

    /// Plans appending `envelopes` (in this order) after `head`. Exactly what appending them one at
    /// a time did: an event id already in the log (or earlier in the batch) appends nothing but
    /// its idempotent side effects still happen; an erasure destroys its appeals' keys before
    /// the event itself is chained; an event with personal fields gets its appeal's key, created
    /// (`newKey`) on first use, none once erased.
    public init(
        _ envelopes: [Envelope], after head: ChainHead, known: Known, newKey: () -> [UInt8]
    ) throws {
        self.head = head
        var numbers = known.numbers
        var keys = known.keys
        var logged = known.logged
        var created: [UUID: [UInt8]] = [:]
        var createdOrder: [UUID] = []
        for envelope in envelopes {
            var registrationNumber = envelope.payload["registrationNumber"]?.stringValue
            if let number = registrationNumber {
                if numbers[envelope.correlationId] == nil { numbers[envelope.correlationId] = number }
            } else {
                registrationNumber = numbers[envelope.correlationId]
            }
            for id in AuditEntry.keysErased(by: envelope) where keys[id] != .erased {
                // A key from before the batch, one created in it, or none yet: the row ends erased.
                keys[id] = .erased
                created.removeValue(forKey: id)
                destroyedKeys.append((id, envelope.occurredAt))
            }
            var key: [UInt8]?
            if AuditEntry.needsKey(envelope) {
                switch keys[envelope.correlationId] {
                case .live(let existing)?: key = existing
                case .erased?: key = nil
                case nil:
                    let fresh = newKey()
                    keys[envelope.correlationId] = .live(fresh)
                    created[envelope.correlationId] = fresh
                    createdOrder.append(envelope.correlationId)
                    key = fresh
                }
            }
            guard logged.insert(envelope.id).inserted else { continue }
            let entry = try AuditEntry.make(
                envelope, after: self.head, registrationNumber: registrationNumber, key: key)
            entries.append(entry)
            appended.append(envelope)
            self.head = entry.head
        }
        createdKeys = createdOrder.compactMap { id in created[id].map { (id, $0) } }
    }

    private static func unique(_ ids: [UUID]) -> [UUID] {
        var seen = Set<UUID>()
        return ids.filter { seen.insert($0).inserted }
    }
}
