import Foundation
import HromadaCrypto

/// The hash chain: entry `n` stores `prev_hash` (the hash of entry `n-1`, or 32 zero bytes for the
/// first entry) and `hash = SHA-256(prev_hash ‖ stored)`, where `stored` is the canonical JSON of
/// the event exactly as kept in the log (personal fields already encrypted). Changing any stored
/// byte, hash, or the order of entries breaks every hash that follows.
public enum AuditChain {
    /// `prev_hash` of the first entry.
    public static let genesis: [UInt8] = [UInt8](repeating: 0, count: 32)

    /// SHA-256(previous ‖ stored), through OpenSSL (HromadaCrypto).
    public static func link(previous: [UInt8], stored: [UInt8]) -> [UInt8] {
        var hasher = SHA256.Hasher()
        hasher.update(previous)
        hasher.update(stored)
        return hasher.finalize()
    }
}

/// One row of the log as the verifier sees it.
public struct ChainRow: Sendable {
    public var sequence: Int64
    public var prevHash: [UInt8]
    public var hash: [UInt8]
    public var stored: [UInt8]
}

/// A chain head someone recorded: entry `sequence` had hash `hash`.
public typealias CheckpointMark = ChainHead

/// Why a chain does not verify.
public enum ChainBreak: String, Codable, Sendable {
    /// A sequence number is missing (a deleted row) or out of order.
    case sequenceGap = "sequence-gap"
    /// `prev_hash` is not the previous entry's hash (deleted, inserted or reordered row).
    case previousHashMismatch = "previous-hash-mismatch"
    /// The stored bytes do not hash to the recorded hash (changed content or changed hash).
    case hashMismatch = "hash-mismatch"
    /// A published checkpoint disagrees with the recomputed chain (the table was rewritten).
    case checkpointMismatch = "checkpoint-mismatch"
    /// A checkpoint names an entry the log does not have (the log was truncated).
    case checkpointMissing = "checkpoint-missing"
    /// The log has entries beyond the writer's recorded head, or ends before it.
    case headMismatch = "head-mismatch"
}

/// Recomputes the chain one row at a time, so the log can be streamed in pages of any size.
/// Feed rows in ascending `sequence` order, then call `finish`. Stops at the first break.
///
/// Checkpoints (sequence → hash, from the `checkpoints` table or copies kept by others) are
/// compared with the recomputed hash when their entry passes. A chain rewritten consistently from
/// entry `k` on hashes correctly but disagrees with a checkpoint at `c ≥ k`; since the exact `k`
/// cannot be known from hashes alone, `firstBadSequence` is then the entry after the last
/// checkpoint that still matched (the earliest entry that may have been altered).
public struct ChainVerifier: Sendable {
    public private(set) var entries: Int64 = 0
    public private(set) var firstBadSequence: Int64?
    public private(set) var reason: ChainBreak?
    private var expectedSequence: Int64 = 1
    private var previous: [UInt8] = AuditChain.genesis
    private let checkpoints: [Int64: [[UInt8]]]
    private var lastMatchedCheckpoint: Int64 = 0

    /// `checkpoints`: (sequence, head hash) pairs from any source; several for one sequence are
    /// all checked.
    public init(checkpoints: [CheckpointMark] = []) {
        self.checkpoints = Dictionary(grouping: checkpoints, by: \.sequence).mapValues { $0.map(\.hash) }
    }

    public var isBroken: Bool { firstBadSequence != nil }

    /// Checks one row. Returns false once the chain is broken (stop feeding).
    @discardableResult
    public mutating func feed(_ row: ChainRow) -> Bool {
        guard !isBroken else { return false }
        if row.sequence != expectedSequence {
            return fail(at: min(row.sequence, expectedSequence), .sequenceGap)
        }
        if row.prevHash != previous {
            return fail(at: row.sequence, .previousHashMismatch)
        }
        let recomputed = AuditChain.link(previous: previous, stored: row.stored)
        if recomputed != row.hash {
            return fail(at: row.sequence, .hashMismatch)
        }
        if let expected = checkpoints[row.sequence] {
            if expected.contains(where: { $0 != recomputed }) {
                return fail(at: lastMatchedCheckpoint + 1, .checkpointMismatch)
            }
            lastMatchedCheckpoint = row.sequence
        }
        previous = recomputed
        entries += 1
        expectedSequence += 1
        return true
    }

    /// Ends the walk. `head` is the writer's recorded head (last sequence); entries beyond it or a
    /// log ending before it, and checkpoints past the end, are breaks too.
    public mutating func finish(head: Int64?) {
        guard !isBroken else { return }
        let last = expectedSequence - 1
        if let head, head != last {
            fail(at: min(head, last) + 1, .headMismatch)
            return
        }
        if checkpoints.keys.contains(where: { $0 > last }) {
            fail(at: last + 1, .checkpointMissing)
        }
    }

    @discardableResult
    private mutating func fail(at sequence: Int64, _ why: ChainBreak) -> Bool {
        firstBadSequence = sequence
        reason = why
        return false
    }
}
