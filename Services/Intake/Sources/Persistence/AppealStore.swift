import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime
import Metrics

/// What a successful registration returns (201 body, receipt, Open311 response).
public struct RegistrationReceipt: Codable, Sendable, Equatable {
    public var id: UUID
    public var registrationNumber: String
    public var trackingToken: String
    public var status: String
    public var registeredAt: Date
    public var repeatOf: String?
}

/// The outcome of a registration attempt with an idempotency key.
public enum RegistrationOutcome: Sendable {
    case registered(RegistrationReceipt)
    /// The same key was used before with the same body: the first result.
    case replayed(RegistrationReceipt)
    /// The same key was used before with another body.
    case keyReused
}

/// One registration path for every channel (JSON API, Open311, the librarian's form).
public enum AppealRegistrar {
    /// `MK-<year>-<6-digit sequence>`.
    public static func registrationNumber(year: Int, sequence: Int) -> String {
        let digits = String(sequence)
        return "MK-\(year)-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// Registers `appeal` in the caller's transaction: the number from the per-year counter, the
    /// appeal row, repeat detection, the first history entry and `appeal.registered` in the outbox.
    /// With an idempotency key, a second call with the same key returns the first result.
    public static func register(
        _ appeal: ValidAppeal, channel: String, now: Date, producer: String,
        idempotency: (centre: String, key: String, requestHash: String)? = nil,
        sequence: Int? = nil,
        on connection: PostgresConnection
    ) throws -> RegistrationOutcome {
        var keyHash: String?
        var sealKey: [UInt8] = []
        if let idempotency {
            // The key is stored hashed and the stored response's token is sealed with a key
            // derived from the idempotency key: the table never holds a usable tracking token.
            let hash = SHA256.hex("idem:\(idempotency.centre):\(idempotency.key)")
            keyHash = hash
            sealKey = SHA256.hash("seal:\(idempotency.centre):\(idempotency.key)")
            let inserted = try connection.execute(
                "INSERT INTO idempotency_keys (centre_id, key, request_hash) VALUES (\(idempotency.centre), \(hash), \(idempotency.requestHash)) ON CONFLICT DO NOTHING"
            )
            if inserted == 0 {
                guard let row = try connection.query(
                    "SELECT request_hash, response FROM idempotency_keys WHERE centre_id = \(idempotency.centre) AND key = \(hash)"
                ).first else { throw IntakeError(code: .idempotencyConflict) }
                let storedHash = try row.decode(0, as: String.self)
                guard ConstantTime.equals(storedHash, idempotency.requestHash) else { return .keyReused }
                guard let stored = try row.decode(1, as: String?.self) else { throw IntakeError(code: .idempotencyConflict) }
                var receipt = try JSON.decoder.decode(RegistrationReceipt.self, from: Data(stored.utf8))
                guard let sealed = try? Hex.decode(receipt.trackingToken),
                      let token = try? AES256GCM.open(sealed, key: sealKey) else { throw IntakeError(code: .idempotencyConflict) }
                receipt.trackingToken = String(decoding: token, as: UTF8.self)
                return .replayed(receipt)
            }
        }

        let receipt = try insert(appeal, channel: channel, now: now, producer: producer, sequence: sequence, on: connection)

        if let idempotency, let keyHash {
            var stored = receipt
            stored.trackingToken = Hex.encode(try AES256GCM.seal(Array(receipt.trackingToken.utf8), key: sealKey))
            let json = String(decoding: try JSON.encoder.encode(stored), as: UTF8.self)
            try connection.execute("UPDATE idempotency_keys SET response = \(json) WHERE centre_id = \(idempotency.centre) AND key = \(keyHash)")
        }
        return .registered(receipt)
    }

    /// Whether a registration with this idempotency key already exists (then no number is drawn).
    public static func isKnown(idempotency: (centre: String, key: String, requestHash: String), on connection: PostgresConnection) throws -> Bool {
        let hash = SHA256.hex("idem:\(idempotency.centre):\(idempotency.key)")
        return try connection.query(
            "SELECT 1 FROM idempotency_keys WHERE centre_id = \(idempotency.centre) AND key = \(hash)"
        ).first != nil
    }

    /// Draws the next number of `year` from the per-year counter. Run it outside the registering
    /// transaction (autocommit): the counter row is then locked only for this statement, not for
    /// the whole registration, so registrations proceed in parallel. Like a database sequence, a
    /// drawn number is never given out again; a registration that fails after drawing leaves a gap
    /// in the year's numbering (as a spoiled line in a paper journal), never a duplicate.
    public static func drawSequence(year: Int, on connection: PostgresConnection) throws -> Int {
        guard let sequence = try connection.query(
            """
            INSERT INTO registration_counter (year, last) VALUES (\(year), 1)
            ON CONFLICT (year) DO UPDATE SET last = registration_counter.last + 1 RETURNING last
            """
        ).first.map({ try $0.decode(0, as: Int.self) }) else { throw IntakeError(code: .registrationFailed) }
        return sequence
    }

    static func insert(_ appeal: ValidAppeal, channel: String, now: Date, producer: String, sequence drawn: Int? = nil, on connection: PostgresConnection) throws -> RegistrationReceipt {
        let today = LocalDate(date: now, in: .kyiv)
        let sequence = try drawn ?? drawSequence(year: today.year, on: connection)
        guard sequence <= 999_999 else { throw IntakeError(code: .registrationFailed) }
        let number = registrationNumber(year: today.year, sequence: sequence)
        let id = UUID()
        let token = SecureRandom.token()
        let authorKey = SHA256.hex(RepeatDetector.authorKey(fullName: appeal.author.fullName, address: appeal.author.address))

        // Repeat detection over the same author's appeals in the same category in the window.
        let windowStart = now.addingTimeInterval(-Double(Law.repeatWindowDays) * 86_400)
        let candidates = try connection.query(
            """
            SELECT registration_number, body FROM appeals
            WHERE author_key = \(authorKey) AND category = \(appeal.category) AND registered_at >= \(windowStart)
            ORDER BY registered_at DESC LIMIT 50
            """
        ).map { (number: try $0.decode(0, as: String.self), text: try $0.decode(1, as: String.self)) }
        let repeatOf = RepeatDetector.bestMatch(text: appeal.text, candidates: candidates)

        try connection.execute(
            """
            INSERT INTO appeals (id, registration_number, registered_at, registered_on, channel, centre_id, assisted_by, kind, category,
                district, author_key, full_name, address, email, phone, preferred_language, benefit_category, subject, body,
                confidential, against, lat, lon, location_address, is_repeat, repeat_of, tracking_token_hash, status, updated_at)
            VALUES (\(id), \(number), \(now), \(today.description)::date, \(channel), \(appeal.centreId), \(appeal.assistedBy),
                \(appeal.kind.rawValue), \(appeal.category), \(appeal.district), \(authorKey), \(appeal.author.fullName),
                \(appeal.author.address), \(appeal.author.email), \(appeal.author.phone), \(appeal.author.preferredLanguage.rawValue),
                \(appeal.author.benefitCategory), \(appeal.subject), \(appeal.text), \(appeal.confidential), \(appeal.against),
                \(appeal.location?.lat), \(appeal.location?.lon), \(appeal.location?.address), \(repeatOf != nil), \(repeatOf),
                \(TokenHash.hash(token: token)), 'registered', \(now))
            """
        )
        try connection.execute(
            """
            INSERT INTO appeal_history (appeal_id, event_type, status, note, occurred_at)
            VALUES (\(id), 'appeal.registered', 'registered', \(repeatOf.map { "repeat-of:\($0)" }), \(now))
            """
        )
        let event = AppealRegistered(
            appealId: id, registrationNumber: number, registeredAt: now, kind: appeal.kind, category: appeal.category,
            district: appeal.district, location: appeal.location, author: appeal.author, subject: appeal.subject, text: appeal.text,
            centreId: appeal.centreId, assistedBy: appeal.assistedBy, confidential: appeal.confidential, against: appeal.against,
            repeatOf: repeatOf, trackingToken: token, channel: channel)
        try Outbox.enqueue(event, correlationId: id, causationId: nil, producer: producer, occurredAt: now, on: connection)
        Counter(label: "hromada_appeals_registered_total", dimensions: [("channel", channel)]).increment()
        if repeatOf != nil { Counter(label: "hromada_appeals_repeat_total", dimensions: [("channel", channel)]).increment() }
        return RegistrationReceipt(id: id, registrationNumber: number, trackingToken: token, status: "registered",
                                   registeredAt: ISO8601.roundedToMilliseconds(now), repeatOf: repeatOf)
    }

    /// Counts validation failures by field and code (no values).
    public static func recordValidationFailures(_ error: APIError, channel: String) {
        for e in error.errors {
            Counter(label: "hromada_appeal_validation_failures_total",
                    dimensions: [("channel", channel), ("field", e.field ?? "-"), ("code", e.code)]).increment()
        }
    }
}

/// Errors of the intake service (no personal data in descriptions).
public struct IntakeError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }
        public static let registrationFailed = Code(rawValue: "registration_failed")
        public static let idempotencyConflict = Code(rawValue: "idempotency_conflict")
        public static let templateMissing = Code(rawValue: "template_missing")
    }
    public var code: Code
    public var description: String { "IntakeError(\(code))" }
}
