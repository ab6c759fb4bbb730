import Foundation
import HromadaContracts

/// The chain's last entry: its sequence and hash (sequence 0 and the genesis hash when empty).
public struct ChainHead: Sendable, Hashable {
    public var sequence: Int64
    public var hash: [UInt8]

    /// The head of an empty log.
    public static let empty = ChainHead(sequence: 0, hash: AuditChain.genesis)
}

/// One event as the log keeps it. `stored` is the entry's canonical form: the envelope's canonical
/// JSON with the personal fields sealed (or dropped once the appeal was erased); `hash` links it
/// to the previous entry. Pure: the store only writes what `make` returns.
public struct AuditEntry: Sendable, Equatable {
    public var sequence: Int64
    public var eventId: UUID
    public var type: String
    public var correlationId: UUID
    public var registrationNumber: String?
    public var actor: String
    public var occurredAt: Date
    public var stored: [UInt8]
    public var prevHash: [UInt8]
    public var hash: [UInt8]

    /// The entry as the verifier sees it.
    public var chainRow: ChainRow { ChainRow(sequence: sequence, prevHash: prevHash, hash: hash, stored: stored) }

    /// The head once this entry is appended.
    public var head: ChainHead { ChainHead(sequence: sequence, hash: hash) }

    /// Payload keys naming who acted, in order of preference; else the producer.
    public static let actorKeys = [
        "officialId", "actorId", "erasedBy", "changedBy", "reopenedBy", "closedBy", "returnedBy",
        // appeal.registered at a centre's form: the librarian's account id.
        "registeredBy",
    ]

    public static func actor(of envelope: Envelope) -> String {
        for key in actorKeys {
            if let value = envelope.payload[key]?.stringValue, !value.isEmpty { return value }
        }
        return envelope.producer
    }

    /// Whether appending `envelope` needs the appeal's key (it carries a personal field).
    public static func needsKey(_ envelope: Envelope) -> Bool {
        PersonalDataProtection.hasPersonalData(type: envelope.type, payload: envelope.payload)
    }

    /// The appeals whose keys `envelope` destroys: a `personal-data.erased` event erases its
    /// correlation id and the appeal id it names; every other event none.
    public static func keysErased(by envelope: Envelope) -> [UUID] {
        guard envelope.type == PersonalDataErased.eventType else { return [] }
        var ids = [envelope.correlationId]
        if let appealId = envelope.payload["appealId"]?.stringValue.flatMap(UUID.init(uuidString:)),
            appealId != envelope.correlationId
        {
            ids.append(appealId)
        }
        return ids
    }

    /// Entry `head.sequence + 1` for `envelope`. `key` is the appeal's key: personal fields are
    /// sealed with it, or replaced by the erased placeholder when it is nil (the appeal was
    /// erased before this event arrived). `registrationNumber` is the payload's or the one the
    /// log already knows for the appeal.
    public static func make(
        _ envelope: Envelope, after head: ChainHead, registrationNumber: String?, key: [UInt8]?
    ) throws -> AuditEntry {
        var kept = envelope
        // The code is replaced first, so what is sealed below is its keyed hash, never the code.
        kept.payload = TrackingTokenRedaction.hashed(envelope.payload, key: key)
        if needsKey(kept) {
            kept.payload = try PersonalDataProtection.protect(
                payload: kept.payload, type: envelope.type, eventId: envelope.id, key: key)
        }
        let stored = try kept.encoded()
        return AuditEntry(
            sequence: head.sequence + 1, eventId: envelope.id, type: envelope.type,
            correlationId: envelope.correlationId,
            registrationNumber: envelope.payload["registrationNumber"]?.stringValue ?? registrationNumber,
            actor: actor(of: envelope), occurredAt: envelope.occurredAt, stored: stored,
            prevHash: head.hash, hash: AuditChain.link(previous: head.hash, stored: stored))
    }

    /// The entry's event payload as a reader sees it: personal fields opened with `key`, or
    /// `"[erased]"` when the key was destroyed.
    public static func revealedPayload(
        stored: [UInt8], type: String, eventId: UUID, key: [UInt8]?
    ) throws -> JSONValue {
        let envelope = try JSONValue.parse(stored)
        let revealed = try PersonalDataProtection.reveal(
            payload: envelope["payload"] ?? .null, type: type, eventId: eventId, key: key)
        // Entries stored before codes were hashed hold the code itself: a trail shows its keyed hash.
        return TrackingTokenRedaction.hashed(revealed, key: key)
    }
}

/// When the chain publishes a checkpoint of its head.
public struct CheckpointPolicy: Sendable, Equatable {
    /// Every this many entries (0 = never by count).
    public var every: Int64

    public init(every: Int64) { self.every = every }

    /// True when appending entry `sequence` calls for a checkpoint.
    public func isDue(afterAppending sequence: Int64) -> Bool {
        every > 0 && sequence > 0 && sequence % every == 0
    }

    /// A timed checkpoint is due when the head moved past the last checkpoint and something other
    /// than checkpoint events was appended since (an idle chain does not checkpoint its own
    /// checkpoints forever).
    public static func isTimedCheckpointDue(head: Int64, lastCheckpoint: Int64, freshEntriesSinceLast: Int64) -> Bool {
        head > 0 && head > lastCheckpoint && freshEntriesSinceLast > 0
    }
}
