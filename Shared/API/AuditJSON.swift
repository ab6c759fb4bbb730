// HromadaAPI — audit's JSON (port 8083): verification of the chain, checkpoints, an appeal's trail,
// the export, erasure. The audit service answers with these very types (no copies).
public import Foundation
public import HromadaContracts

public enum AuditJSON {
    /// `GET /v1/verify` → `{ok, entries, firstBadSequence}` (null when ok), and the details.
    public struct Verification: Codable, Sendable, Equatable {
        public var ok: Bool
        public var entries: Int64
        public var firstBadSequence: Int64?
        /// Why the chain breaks there (`hash-mismatch`, `sequence-gap`, …), null when ok.
        public var reason: String?
        public var checkpointsChecked: Int?
        public var headSequence: Int64?

        public init(
            ok: Bool, entries: Int64, firstBadSequence: Int64? = nil, reason: String? = nil,
            checkpointsChecked: Int? = nil, headSequence: Int64? = nil
        ) {
            self.ok = ok
            self.entries = entries
            self.firstBadSequence = firstBadSequence
            self.reason = reason
            self.checkpointsChecked = checkpointsChecked
            self.headSequence = headSequence
        }

        private enum CodingKeys: String, CodingKey {
            case ok, entries, firstBadSequence, reason, checkpointsChecked, headSequence
        }

        /// `firstBadSequence` is written as an explicit null when the chain is whole.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(ok, forKey: .ok)
            try container.encode(entries, forKey: .entries)
            try container.encode(firstBadSequence, forKey: .firstBadSequence)
            try container.encode(reason, forKey: .reason)
            try container.encodeIfPresent(checkpointsChecked, forKey: .checkpointsChecked)
            try container.encodeIfPresent(headSequence, forKey: .headSequence)
        }
    }

    /// Body of `POST /v1/verify`: checkpoints kept outside the audit database (e.g. captured from the
    /// broker's `audit.checkpoint` events) to compare against as well as the local table.
    public struct VerifyRequest: Codable, Sendable, Equatable {
        public struct Checkpoint: Codable, Sendable, Equatable {
            public var sequence: Int64
            /// Lower-case hex SHA-256, as in `AuditCheckpoint.headHash`.
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
    public struct CheckpointRecord: Codable, Sendable, Equatable {
        public var sequence: Int64
        public var headHash: String
        public var entries: Int64
        /// The id of the `audit.checkpoint` event that published it.
        public var eventId: UUID
        public var createdAt: Date

        public init(sequence: Int64, headHash: String, entries: Int64, eventId: UUID, createdAt: Date) {
            self.sequence = sequence
            self.headHash = headHash
            self.entries = entries
            self.eventId = eventId
            self.createdAt = createdAt
        }
    }

    /// `GET /v1/trail/{registrationNumber}`.
    public struct Trail: Codable, Sendable, Equatable {
        public var registrationNumber: String
        public var entries: [TrailEntry]

        public init(registrationNumber: String, entries: [TrailEntry]) {
            self.registrationNumber = registrationNumber
            self.entries = entries
        }
    }

    public struct TrailEntry: Codable, Sendable, Equatable {
        public var sequence: Int64
        public var eventId: UUID
        public var type: String
        public var correlationId: UUID
        public var occurredAt: Date
        public var recordedAt: Date
        public var actor: String
        /// Lower-case hex of the entry's chain hash.
        public var hash: String
        /// The event's payload; personal fields decrypted while the appeal's key exists, `"[erased]"` after.
        public var payload: JSONValue

        public init(
            sequence: Int64, eventId: UUID, type: String, correlationId: UUID, occurredAt: Date, recordedAt: Date,
            actor: String, hash: String, payload: JSONValue
        ) {
            self.sequence = sequence
            self.eventId = eventId
            self.type = type
            self.correlationId = correlationId
            self.occurredAt = occurredAt
            self.recordedAt = recordedAt
            self.actor = actor
            self.hash = hash
            self.payload = payload
        }
    }

    /// One line of `GET /v1/export` (JSON Lines): the entry exactly as stored (personal fields
    /// encrypted). `stored` is the canonical JSON text whose UTF-8 bytes were hashed:
    /// `hash = SHA-256(prevHash ‖ utf8(stored))`, so an export can be verified offline.
    public struct ExportLine: Codable, Sendable, Equatable {
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

        public init(
            sequence: Int64, eventId: UUID, type: String, correlationId: UUID, registrationNumber: String?,
            actor: String, occurredAt: Date, recordedAt: Date, prevHash: String, hash: String, stored: String
        ) {
            self.sequence = sequence
            self.eventId = eventId
            self.type = type
            self.correlationId = correlationId
            self.registrationNumber = registrationNumber
            self.actor = actor
            self.occurredAt = occurredAt
            self.recordedAt = recordedAt
            self.prevHash = prevHash
            self.hash = hash
            self.stored = stored
        }
    }

    /// `POST /v1/erase/{registrationNumber}`.
    public struct Erasure: Codable, Sendable, Equatable {
        public var registrationNumber: String
        public var erasedAt: Date
        /// Live keys destroyed by this call (0 when already erased).
        public var keysDestroyed: Int
        public var alreadyErased: Bool
        /// The `personal-data.erased` event published (nil when already erased).
        public var eventId: UUID?

        public init(
            registrationNumber: String, erasedAt: Date, keysDestroyed: Int, alreadyErased: Bool, eventId: UUID?
        ) {
            self.registrationNumber = registrationNumber
            self.erasedAt = erasedAt
            self.keysDestroyed = keysDestroyed
            self.alreadyErased = alreadyErased
            self.eventId = eventId
        }
    }
}
