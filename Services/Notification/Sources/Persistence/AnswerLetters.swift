import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// The printable answer letter for a resident without email (issue 14, "the librarian's day";
/// notification's migrations 740–749). The centre's notice of `ticket.answered` is a rendered
/// text; the letter needs its parts: the resident's place of residence (Art. 5: the answer goes
/// to the author's address; kept from `appeal.registered`), and the answer itself (body, official,
/// outcome, text, time, from `ticket.answered`). Only for answers the resident receives through a
/// centre and not for a confidential appeal (its centre notice withholds the text too).
/// `NotificationErasure.erase` forgets both with the appeal.
public enum AnswerLetters {
    public static let migrations: [Migration] = [
        Migration(
            version: 740,
            name: "notification: answer letters for residents without email",
            sql: """
                -- The author's place of residence (Art. 5), for the letter's address block.
                ALTER TABLE recipients ADD COLUMN IF NOT EXISTS address text;
                -- One row per answer a centre hands over (the source event is the ticket.answered).
                CREATE TABLE answer_letters (
                    source_event_id uuid        PRIMARY KEY,
                    appeal_id       uuid        NOT NULL,
                    centre_id       text        NOT NULL,
                    authority       text        NOT NULL,
                    official_id     text        NOT NULL,
                    outcome         text        NOT NULL,
                    answer_text     text        NOT NULL,
                    answered_at     timestamptz NOT NULL
                );
                CREATE INDEX answer_letters_appeal ON answer_letters (appeal_id);
                """)
    ]

    /// Keeps the author's address from `appeal.registered` when `saveResident` found the row there
    /// already (a new row gets it in `saveResident`'s insert).
    static func saveAddress(_ e: AppealRegistered, on connection: PostgresConnection) throws {
        try connection.execute(
            "UPDATE recipients SET address = \(e.author.address) WHERE appeal_id = \(e.appealId) AND address IS NULL")
    }

    /// Keeps a `ticket.answered` whose resident's notice goes to a centre (no usable email, no SMS):
    /// `notices` are the ones just planned for the event.
    static func save(
        _ envelope: Envelope, resident: ResidentContact?, notices: [PlannedNotice], on connection: PostgresConnection
    ) throws {
        guard envelope.type == TicketAnswered.eventType, let resident, !resident.confidential,
            let centre = notices.lazy.compactMap({ notice -> String? in
                guard notice.recipientKind == .resident, case .centre(let centre) = notice.target else { return nil }
                return centre
            }).first
        else { return }
        let e = try envelope.decode(TicketAnswered.self)
        try connection.execute(
            """
            INSERT INTO answer_letters (source_event_id, appeal_id, centre_id, authority, official_id, outcome,
                                        answer_text, answered_at)
            VALUES (\(envelope.id), \(e.appealId), \(centre), \(e.authority), \(e.officialId), \(e.outcome.rawValue),
                    \(e.answerText), \(e.answeredAt))
            ON CONFLICT (source_event_id) DO NOTHING
            """)
    }

    /// Erasure: the appeal's letters go (the address goes with its `recipients` row).
    static func erase(appealId: UUID, on connection: PostgresConnection) throws {
        try connection.execute("DELETE FROM answer_letters WHERE appeal_id = \(appealId)")
    }
}

/// What the letter shows (read for one of the centre's own notices).
public struct AnswerLetter: Sendable, Equatable {
    public var registrationNumber: String
    public var registeredAt: Date
    public var residentName: String
    public var residentAddress: String?
    public var language: String
    public var centreName: String
    public var centreAddress: String?
    public var authority: String
    public var officialName: String?
    public var outcome: AnswerOutcome
    public var answerText: String
    public var answeredAt: Date
}

/// A centre as its pages name it.
public struct CentreDetails: Sendable, Equatable {
    public var name: String
    public var address: String?
}

extension NotificationStore {
    public func centreDetails(centre: String) async throws -> CentreDetails? {
        try await database.withConnection { connection in
            guard let row = try connection.query("SELECT name, address FROM centres WHERE centre_id = \(centre)").first
            else { return nil }
            return CentreDetails(name: try row.decode(0), address: try row.decode(1, as: String?.self))
        }
    }

    /// The answer letter behind one of `centre`'s notices (nil: no such notice of this centre, or
    /// no letter kept for it).
    public func answerLetter(centre: String, notice: UUID) async throws -> AnswerLetter? {
        try await database.withConnection { connection in
            guard
                let row = try connection.query(
                    """
                    SELECT r.registration_number, r.registered_at, r.full_name, r.address, r.language, c.name,
                           c.address, a.authority, o.name, a.outcome, a.answer_text, a.answered_at
                    FROM deliveries d
                    JOIN answer_letters a ON a.source_event_id = d.source_event_id AND a.centre_id = d.centre_id
                    JOIN recipients r ON r.appeal_id = a.appeal_id
                    JOIN centres c ON c.centre_id = a.centre_id
                    LEFT JOIN officials o ON o.official_id = a.official_id
                    WHERE d.id = \(notice) AND d.channel = 'centre' AND d.centre_id = \(centre)
                    """
                ).first,
                let outcome = AnswerOutcome(rawValue: try row.decode(9, as: String.self))
            else { return nil }
            return AnswerLetter(
                registrationNumber: try row.decode(0), registeredAt: try row.decode(1), residentName: try row.decode(2),
                residentAddress: try row.decode(3, as: String?.self), language: try row.decode(4),
                centreName: try row.decode(5), centreAddress: try row.decode(6, as: String?.self),
                authority: try row.decode(7), officialName: try row.decode(8, as: String?.self), outcome: outcome,
                answerText: try row.decode(10), answeredAt: try row.decode(11))
        }
    }

    /// The ids of `centre`'s notices that have an answer letter (for the notices page's links).
    public func noticesWithLetters(centre: String) async throws -> Set<UUID> {
        try await database.withConnection { connection in
            let rows = try connection.query(
                """
                SELECT d.id FROM deliveries d
                JOIN answer_letters a ON a.source_event_id = d.source_event_id AND a.centre_id = d.centre_id
                WHERE d.channel = 'centre' AND d.centre_id = \(centre)
                """)
            return Set(try rows.map { try $0.decode(0, as: UUID.self) })
        }
    }
}
