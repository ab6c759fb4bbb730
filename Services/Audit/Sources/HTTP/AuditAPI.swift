import Foundation
import HromadaContracts

/// `GET /v1/verify` (and `POST /v1/verify` with extra checkpoints): the chain recomputed.
/// `firstBadSequence` is null when `ok`.
public struct AuditVerification: Codable, Sendable, Equatable {
    public var ok: Bool
    /// Rows in the log.
    public var entries: Int64
    public var firstBadSequence: Int64?
    /// A `ChainBreak` raw value (`hash-mismatch`, `sequence-gap`, …), null when ok.
    public var reason: String?
    /// Distinct checkpoint sequences compared.
    public var checkpointsChecked: Int
    /// The chain writer's recorded head.
    public var headSequence: Int64

    public init(ok: Bool, entries: Int64, firstBadSequence: Int64?, reason: String?, checkpointsChecked: Int, headSequence: Int64) {
        self.ok = ok
        self.entries = entries
        self.firstBadSequence = firstBadSequence
        self.reason = reason
        self.checkpointsChecked = checkpointsChecked
        self.headSequence = headSequence
    }

    private enum CodingKeys: String, CodingKey { case ok, entries, firstBadSequence, reason, checkpointsChecked, headSequence }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ok, forKey: .ok)
        try c.encode(entries, forKey: .entries)
        try c.encode(firstBadSequence, forKey: .firstBadSequence)  // explicit null when ok
        try c.encode(reason, forKey: .reason)
        try c.encode(checkpointsChecked, forKey: .checkpointsChecked)
        try c.encode(headSequence, forKey: .headSequence)
    }
}

/// Body of `POST /v1/verify`: checkpoints kept outside the audit database (e.g. captured from the
/// broker's `audit.checkpoint` events) to compare against as well as the local table.
public struct AuditVerifyRequest: Codable, Sendable {
    public struct Checkpoint: Codable, Sendable {
        public var sequence: Int64
        /// Lowercase hex SHA-256, as in `AuditCheckpoint.headHash`.
        public var headHash: String
        public init(sequence: Int64, headHash: String) {
            self.sequence = sequence
            self.headHash = headHash
        }
    }
    public var checkpoints: [Checkpoint]
    public init(checkpoints: [Checkpoint]) { self.checkpoints = checkpoints }
}

/// A checkpoint as `GET /v1/checkpoints` lists it.
public struct AuditCheckpointRecord: Codable, Sendable, Equatable {
    public var sequence: Int64
    public var headHash: String
    public var entries: Int64
    /// The id of the `audit.checkpoint` event that published it.
    public var eventId: UUID
    public var createdAt: Date
}

/// `GET /v1/trail/{registrationNumber}`.
public struct AuditTrail: Codable, Sendable {
    public var registrationNumber: String
    public var entries: [AuditTrailEntry]
}

public struct AuditTrailEntry: Codable, Sendable {
    public var sequence: Int64
    public var eventId: UUID
    public var type: String
    public var correlationId: UUID
    public var occurredAt: Date
    public var recordedAt: Date
    public var actor: String
    /// Lowercase hex of the entry's chain hash.
    public var hash: String
    /// The event's payload; personal fields decrypted while the appeal's key exists, `"[erased]"` after.
    public var payload: JSONValue
}

/// One line of `GET /v1/export` (JSON Lines): the entry exactly as stored (personal fields
/// encrypted). `stored` is the canonical JSON text whose UTF-8 bytes were hashed:
/// `hash = SHA-256(prevHash ‖ utf8(stored))`, so an export can be verified offline.
public struct AuditExportLine: Codable, Sendable {
    public var sequence: Int64
    public var eventId: UUID
    public var type: String
    public var correlationId: UUID
    public var registrationNumber: String?
    public var actor: String
    public var occurredAt: Date
    public var recordedAt: Date
    public var prevHash: String
    public var hash: String
    public var stored: String
}

/// `POST /v1/erase/{registrationNumber}`.
public struct AuditErasure: Codable, Sendable {
    public var registrationNumber: String
    public var erasedAt: Date
    /// Live keys destroyed by this call (0 when already erased).
    public var keysDestroyed: Int
    public var alreadyErased: Bool
    /// The `personal-data.erased` event published (nil when already erased).
    public var eventId: UUID?
}
