import Foundation
import Synchronization

/// One sender round's hold on the deliveries it claimed (one lease token for all of them).
///
/// The lease is what keeps every other sender away from a delivery, so the sender keeps it valid
/// for as long as the delivery is in its hands: it is renewed (`DeliverySender.keepRenewing`) while
/// any delivery of the round is still being sent or still has an outcome to record. `confirmedUntil`
/// is the lease end the database last confirmed; the sender starts an SMTP transaction only while
/// enough of it is left (`mayStartSending`), so a send never outlives the claim it was started
/// under. A delivery leaves the round when its outcome is recorded, when the database reports that
/// the token no longer holds it, or when the round decides not to send it.
final class RoundLease: Sendable {
    let token: UUID

    private struct State {
        var confirmedUntil: Date
        var inHand: Set<UUID>
        var lost: Set<UUID> = []
        /// Handed to the mail server (whatever came of it).
        var started: Set<UUID> = []
        /// Set when the service shuts down: no new sends; outcomes still get recorded while the lease lasts.
        var stopping = false
    }

    private let state: Mutex<State>

    init(token: UUID, ids: [UUID], until: Date) {
        self.token = token
        self.state = Mutex(State(confirmedUntil: until, inHand: Set(ids)))
    }

    var confirmedUntil: Date { state.withLock { $0.confirmedUntil } }
    var isEmpty: Bool { state.withLock { $0.inHand.isEmpty } }
    var isStopping: Bool { state.withLock { $0.stopping } }

    /// True when `id` may start an SMTP transaction at `now` that takes at most `allowance` seconds:
    /// the round still holds it and the confirmed lease outlasts the transaction.
    /// When true, `id` counts as started.
    func mayStartSending(_ id: UUID, at now: Date, allowance: TimeInterval) -> Bool {
        state.withLock { state in
            let may =
                !state.stopping && state.inHand.contains(id) && !state.lost.contains(id)
                && state.confirmedUntil.timeIntervalSince(now) >= allowance
            if may { state.started.insert(id) }
            return may
        }
    }

    /// Of `ids`, those never handed to the mail server and not taken over: their lease can be given back.
    func neverStarted(of ids: [UUID]) -> [UUID] {
        state.withLock { state in ids.filter { !state.started.contains($0) && !state.lost.contains($0) } }
    }

    /// The delivery is done with (outcome recorded, or not sent at all): its lease is no longer renewed.
    func release(_ id: UUID) { _ = state.withLock { $0.inHand.remove(id) } }

    /// The service is shutting down.
    func stop() { state.withLock { $0.stopping = true } }

    /// True when a shutting-down sender should stop trying to record an outcome: the lease it could
    /// vouch for has run out, so another sender may hold the delivery by now.
    func shouldAbandon(at now: Date) -> Bool { state.withLock { $0.stopping && now > $0.confirmedUntil } }

    /// The deliveries whose lease to renew now.
    var idsToRenew: [UUID] {
        state.withLock { $0.inHand.subtracting($0.lost).sorted { $0.uuidString < $1.uuidString } }
    }

    /// The answer of a renewal asked for `ids` up to `until`: the lease end is confirmed for the ones
    /// still held; the others were recorded or taken over and are not the round's any more.
    func renewed(_ ids: [UUID], held: Set<UUID>, until: Date) {
        state.withLock { state in
            for id in ids where !held.contains(id) && state.inHand.contains(id) { state.lost.insert(id) }
            if !held.isEmpty { state.confirmedUntil = max(state.confirmedUntil, until) }
        }
    }
}
