// HromadaAPI — audit's JSON (port 8083): verification of the chain, an appeal's trail, erasure.
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

    /// `GET /v1/trail/{registrationNumber}`.
    public struct Trail: Codable, Sendable, Equatable {
        public var registrationNumber: String
        public var entries: [TrailEntry]
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
    }
}
