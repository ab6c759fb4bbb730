import Foundation
import Synchronization

/// Recent appeals' packed trigrams (`RepeatDetector.PackedTrigrams`) by appeal id, so the mass
/// check (`AppealRecords.otherAuthorsOnIssue`) reads only ids and author keys and compares
/// integers, instead of reading up to `AppealRecords.massCandidateLimit` texts and tokenising
/// each of them on every registration.
///
/// The database stays the truth: every check still asks it which appeals are candidates (several
/// intake replicas register at once, each filling its own cache), and an appeal missing here is
/// read from it and added. An appeal's text never changes except by erasure, which replaces it
/// and the author key with `ErasureTombstones.marker`: an erased candidate is never taken from
/// here (its text is read again) and is forgotten at once, and erasure on this replica forgets it
/// too (`IntakeStore.erasePersonalFields`). Bounded by the number of integers held; the oldest
/// entries go first.
final class MassCandidateCache: Sendable {
    /// The one cache of the process: every `IntakeStore` of a replica shares it (ids are UUIDs,
    /// so even stores of different databases, as in tests, never see each other's entries).
    static let shared = MassCandidateCache()

    /// About 16 MB of trigrams: ~10,000 appeals of a few hundred characters, well above 500 per
    /// category for the usual dozen categories.
    static let defaultCapacity = 2_000_000

    private struct State {
        var entries: [UUID: RepeatDetector.PackedTrigrams] = [:]
        /// Insertion order, for eviction; `head` is the oldest still to consider.
        var order: [UUID] = []
        var head = 0
        var size = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = MassCandidateCache.defaultCapacity) {
        self.capacity = capacity
    }

    func trigrams(of id: UUID) -> RepeatDetector.PackedTrigrams? {
        state.withLock { $0.entries[id] }
    }

    /// The trigrams of each of `ids` (nil where not cached), under one lock: a registration looks up
    /// ~500 candidates, and a lock per lookup made the pool's threads spin on the mutex (issue 16's
    /// release profile: 30 % of all CPU samples in `_MutexHandle._lockSlow`).
    func trigrams(of ids: [UUID]) -> [RepeatDetector.PackedTrigrams?] {
        state.withLock { state in ids.map { state.entries[$0] } }
    }

    func insert(_ trigrams: RepeatDetector.PackedTrigrams, for id: UUID) {
        state.withLock { state in
            if let old = state.entries.updateValue(trigrams, forKey: id) {
                state.size -= old.count
            } else {
                state.order.append(id)
            }
            state.size += trigrams.count
            while state.size > capacity, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                if let evicted = state.entries.removeValue(forKey: oldest) { state.size -= evicted.count }
            }
            // Drop the consumed part of `order` now and then, so it stays proportional to the entries.
            if state.head > 1_024, state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    /// Forgets an appeal (its personal data was erased).
    func forget(_ id: UUID) {
        state.withLock { state in
            if let removed = state.entries.removeValue(forKey: id) { state.size -= removed.count }
        }
    }

    /// How many appeals and integers it holds (tests).
    var counts: (appeals: Int, integers: Int) {
        state.withLock { ($0.entries.count, $0.size) }
    }
}
