import Foundation
import HromadaCore

/// An event: past tense, `Codable & Sendable`, with a stable versioned type name.
public protocol DomainEvent: Codable, Sendable, Equatable {
    /// e.g. `"ticket.assigned"`.
    static var eventType: String { get }
    /// Payload version; a breaking change to the payload means a new version.
    static var version: Int { get }
    /// Appended to the routing key; ticket events return the authority code. Default nil.
    var routingKeySuffix: String? { get }
    /// Where this event's personal data sits in its payload: key paths, each naming a value or a
    /// whole object/array (`["author"]` covers every author field). Declared once, next to the
    /// type; the bus seals exactly these (`PersonalDataSealing`) and audit encrypts them at rest.
    /// Default: none.
    static var personalFields: [[String]] { get }
}

extension DomainEvent {
    public var routingKeySuffix: String? { nil }
    public static var personalFields: [[String]] { [] }

    /// `"<type>.v<version>"` + `".<suffix>"`, e.g. `"ticket.assigned.v1.zhkg"`.
    public var routingKey: String {
        Topology.routingKey(type: Self.eventType, version: Self.version, suffix: routingKeySuffix)
    }
}

/// The wire envelope: `{id, type, version, occurredAt, correlationId, causationId, producer, payload}`.
///
/// `occurredAt` is written as `ISO8601.format` (UTC, milliseconds, `+00:00`) and kept at millisecond
/// precision (every initializer rounds it), so `Envelope.decode(from: e.encoded()) == e`.
/// UUIDs are written lower-case (`lowercaseUUID`), in the payload too; reading accepts either case.
/// `causationId` is written as `null` when absent. `encoded()` is canonical (see
/// `JSONValue.canonicalBytes()`): the same envelope always gives the same bytes.
public struct Envelope: Codable, Sendable, Equatable {
    public var id: UUID
    public var type: String
    public var version: Int
    public var occurredAt: Date {
        didSet {
            if occurredAt != ISO8601.roundedToMilliseconds(occurredAt) {
                occurredAt = ISO8601.roundedToMilliseconds(occurredAt)
            }
        }
    }
    /// The appeal's id for everything about one appeal.
    public var correlationId: UUID
    /// The id of the envelope that caused this one, if any.
    public var causationId: UUID?
    /// The producing executable, e.g. `"hromada-intake"`.
    public var producer: String
    public var payload: JSONValue

    public init(
        id: UUID = UUID(), type: String, version: Int, occurredAt: Date = Date(), correlationId: UUID,
        causationId: UUID?, producer: String, payload: JSONValue
    ) {
        self.id = id
        self.type = type
        self.version = version
        self.occurredAt = ISO8601.roundedToMilliseconds(occurredAt)
        self.correlationId = correlationId
        self.causationId = causationId
        self.producer = producer
        self.payload = payload
    }

    /// Wraps an event. Throws `ContractError` (`.encodingFailed`) if the event cannot be encoded.
    public init<E: DomainEvent>(
        event: E, id: UUID = UUID(), occurredAt: Date = Date(), correlationId: UUID, causationId: UUID?,
        producer: String
    ) throws {
        self.init(
            id: id, type: E.eventType, version: E.version, occurredAt: occurredAt, correlationId: correlationId,
            causationId: causationId, producer: producer, payload: try ContractCoding.jsonValue(event))
    }

    /// The payload as `E`. Throws `.eventTypeMismatch` / `.versionMismatch` when the envelope
    /// carries another event, and `.missingField` / `.invalidField` / `.invalidDate` (with the key
    /// path, e.g. `payload.deadline`) when the payload does not fit. Unknown extra keys are ignored.
    public func decode<E: DomainEvent>(_ type: E.Type) throws -> E {
        guard self.type == E.eventType else {
            throw ContractError(
                code: .eventTypeMismatch, field: "type",
                reason: "envelope carries another event type than \(E.eventType)")
        }
        guard version == E.version else {
            throw ContractError(
                code: .versionMismatch, field: "version", reason: "\(E.eventType) expects version \(E.version)")
        }
        return try ContractCoding.decode(E.self, from: payload, fieldPrefix: "payload")
    }

    /// The routing key, recomputed from type, version and — for events whose catalogue entry says
    /// so (ticket events) — `payload.authority`.
    public var routingKey: String {
        var suffix: String?
        if EventCatalogue.routingKeyCarriesAuthority(type: type) { suffix = payload["authority"]?.stringValue }
        return Topology.routingKey(type: type, version: version, suffix: suffix)
    }

    /// The envelope as a JSON object (what `encoded()` writes).
    public var jsonValue: JSONValue {
        .object([
            "id": .string(id.lowercaseUUID),
            "type": .string(type),
            "version": .int(Int64(version)),
            "occurredAt": .string(ISO8601.format(occurredAt)),
            "correlationId": .string(correlationId.lowercaseUUID),
            "causationId": causationId.map { .string($0.lowercaseUUID) } ?? .null,
            "producer": .string(producer),
            "payload": payload,
        ])
    }

    /// Canonical bytes: the same envelope always gives the same bytes (the audit chain hashes them).
    public func encoded() throws -> [UInt8] { try jsonValue.canonicalBytes() }

    /// Parses an envelope. Throws `ContractError`: `.malformedJSON` for garbage, truncated input or
    /// a non-object; `.missingField` / `.invalidField` / `.invalidDate` naming the field. Unknown
    /// types are accepted here (see `EventCatalogue.isKnown`); unknown extra fields are ignored.
    public static func decode(from bytes: [UInt8]) throws -> Envelope {
        let value = try JSONValue.parse(bytes)
        guard case .object(let fields) = value else {
            throw ContractError(code: .malformedJSON, reason: "envelope is not a JSON object")
        }
        // A well-formed envelope is read straight from its fields; anything else goes through the
        // Decodable path, which names the field that is missing or wrong.
        let envelope = try Envelope(wellFormed: fields) ?? ContractCoding.decode(Envelope.self, from: value)
        guard !envelope.type.isEmpty else {
            throw ContractError(code: .invalidField, field: "type", reason: "empty event type")
        }
        guard envelope.version >= 1 else {
            throw ContractError(code: .invalidField, field: "version", reason: "version must be at least 1")
        }
        return envelope
    }

    /// The envelope `fields` describe when every field is present with its type, else nil.
    private init?(wellFormed fields: [String: JSONValue]) {
        guard case .string(let id)? = fields["id"], let id = UUID(text: id),
            case .string(let type)? = fields["type"],
            case .int(let version)? = fields["version"], let version = Int(exactly: version),
            case .string(let occurred)? = fields["occurredAt"], let occurredAt = ISO8601.parse(occurred),
            case .string(let correlation)? = fields["correlationId"],
            let correlationId = UUID(text: correlation),
            case .string(let producer)? = fields["producer"],
            let payload = fields["payload"]
        else { return nil }
        var causationId: UUID?
        switch fields["causationId"] {
        case nil, .null?: causationId = nil
        case .string(let causation)?:
            guard let causation = UUID(text: causation) else { return nil }
            causationId = causation
        default: return nil
        }
        self.init(
            id: id, type: type, version: version, occurredAt: occurredAt, correlationId: correlationId,
            causationId: causationId, producer: producer, payload: payload)
    }

    /// `decode(from:)` for a `Data` body.
    public static func decode(from data: Data) throws -> Envelope { try decode(from: [UInt8](data)) }

    // MARK: Codable (the same shape as `jsonValue`)

    private enum CodingKeys: String, CodingKey {
        case id, type, version, occurredAt, correlationId, causationId, producer, payload
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let occurred = try container.decode(String.self, forKey: .occurredAt)
        guard let occurredAt = ISO8601.parse(occurred) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath + [CodingKeys.occurredAt],
                    debugDescription: "not an ISO 8601 instant with offset",
                    underlyingError: ContractError(code: .invalidDate, reason: "not an ISO 8601 instant with offset")))
        }
        self.init(
            id: try container.decode(UUID.self, forKey: .id),
            type: try container.decode(String.self, forKey: .type),
            version: try container.decode(Int.self, forKey: .version),
            occurredAt: occurredAt,
            correlationId: try container.decode(UUID.self, forKey: .correlationId),
            causationId: try container.decodeIfPresent(UUID.self, forKey: .causationId),
            producer: try container.decode(String.self, forKey: .producer),
            payload: try container.decode(JSONValue.self, forKey: .payload))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.lowercaseUUID, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(version, forKey: .version)
        try container.encode(ISO8601.format(occurredAt), forKey: .occurredAt)
        try container.encode(correlationId.lowercaseUUID, forKey: .correlationId)
        try container.encode(causationId?.lowercaseUUID, forKey: .causationId)
        try container.encode(producer, forKey: .producer)
        try container.encode(payload, forKey: .payload)
    }
}

extension UUID {
    /// The wire spelling of an identifier: `uuidString` lower-cased (the contract writes every
    /// UUID lower-case, in envelopes, AMQP properties, JSON, URLs and pages).
    public var lowercaseUUID: String { uuidString.lowercased() }
}
