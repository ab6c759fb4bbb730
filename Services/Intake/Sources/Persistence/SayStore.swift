import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// The resident's say on an answer (issue 15, intake migrations 840–859): one rating and one
/// dispute per answer (an answer = the appeal and the time it was answered), the dispute's state as
/// routing decided it (`appeal.dispute-accepted` / `appeal.dispute-refused`).
public enum SayMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 840, name: "ratings and disputes of answers",
            sql: """
                CREATE TABLE answer_ratings (
                    appeal_id     uuid        NOT NULL,
                    answered_at   timestamptz NOT NULL,
                    authority     text        NOT NULL,
                    rating        integer     NOT NULL CHECK (rating BETWEEN 1 AND 5),
                    via           text        NOT NULL CHECK (via IN ('resident', 'centre')),
                    registered_by text,
                    rated_at      timestamptz NOT NULL,
                    event_id      uuid        NOT NULL UNIQUE,
                    PRIMARY KEY (appeal_id, answered_at)
                );
                CREATE TABLE answer_disputes (
                    event_id      uuid        PRIMARY KEY,
                    appeal_id     uuid        NOT NULL,
                    answered_at   timestamptz NOT NULL,
                    authority     text        NOT NULL,
                    reason        text,
                    learned_on    date,
                    via           text        NOT NULL CHECK (via IN ('resident', 'centre')),
                    registered_by text,
                    disputed_at   timestamptz NOT NULL,
                    outcome       text        NOT NULL DEFAULT 'pending'
                                  CHECK (outcome IN ('pending', 'accepted', 'refused')),
                    complaint_to  text,
                    refusal_code  text,
                    last_day      date,
                    decided_at    timestamptz,
                    UNIQUE (appeal_id, answered_at)
                );
                """)
    ]
}

/// What was already said about the latest answer, for the tracking page and the librarian.
public struct SayState: Sendable, Equatable {
    public var answer: SayOnTheAnswer.AnswerOnRecord?
    /// The appeal stands answered or closed: the answer may be rated and disputed. False while it is
    /// considered again (a dispute accepted, reopened): what was said still shows.
    public var open = false
    public var rating: Int?
    public var dispute: Dispute?

    public struct Dispute: Sendable, Equatable {
        public var outcome: String
        public var complaintTo: String?
        public var refusalCode: String?
        public var lastDay: LocalDate?
    }
}

/// The result of a say: recorded now, or the one recorded before (a repeat changes nothing).
public enum SayOutcome: Sendable, Equatable {
    case recorded
    case alreadyRecorded
}

extension IntakeStore {
    /// The latest answer of the appeal `number`, and whether the appeal stands answered or closed
    /// (only then may the answer be rated or disputed).
    static func answerOnRecord(number: String, on c: PostgresConnection, lock: Bool) throws
        -> (answer: SayOnTheAnswer.AnswerOnRecord, open: Bool)?
    {
        let query: PostgresQuery =
            lock
            ? "SELECT id, status FROM appeals WHERE registration_number = \(number) FOR UPDATE"
            : "SELECT id, status FROM appeals WHERE registration_number = \(number)"
        guard let appeal = try c.query(query).first else { return nil }
        let id = try appeal.decode(0, as: UUID.self)
        let status = try appeal.decode(1, as: String.self)
        guard
            let row = try c.query(
                """
                SELECT authority, occurred_at FROM appeal_history
                WHERE appeal_id = \(id) AND status = 'answered' AND authority IS NOT NULL
                ORDER BY occurred_at DESC, seq DESC LIMIT 1
                """
            ).first
        else { return nil }
        let answer = SayOnTheAnswer.AnswerOnRecord(
            appealId: id, registrationNumber: number, authority: try row.decode(0, as: String.self),
            answeredAt: try row.decode(1, as: Date.self))
        return (answer, status == PublicStatus.answered.rawValue || status == PublicStatus.closed.rawValue)
    }

    /// What was said about the latest answer of `number` (the caller has checked the code).
    public func sayState(number: String) async throws -> SayState {
        try await database.withConnection { c in
            guard let (answer, open) = try Self.answerOnRecord(number: number, on: c, lock: false) else {
                return SayState()
            }
            var state = SayState(answer: answer, open: open)
            state.rating = try c.query(
                """
                SELECT rating FROM answer_ratings
                WHERE appeal_id = \(answer.appealId) AND answered_at = \(answer.answeredAt)
                """
            ).first?.decode(0, as: Int.self)
            if let row = try c.query(
                """
                SELECT outcome, complaint_to, refusal_code, last_day::text FROM answer_disputes
                WHERE appeal_id = \(answer.appealId) AND answered_at = \(answer.answeredAt)
                """
            ).first {
                state.dispute = SayState.Dispute(
                    outcome: try row.decode(0), complaintTo: try row.decode(1), refusalCode: try row.decode(2),
                    lastDay: try row.decode(3, as: String?.self).flatMap(LocalDate.init(string:)))
            }
            return state
        }
    }

    /// Records a rating of the latest answer of `number` and publishes `appeal.answer-rated`, once
    /// per answer: the same rating again is `alreadyRecorded`, another one is refused.
    public func rate(
        number: String, rating: Int, via: ResidentVia, registeredBy: String?, now: Date
    ) async throws -> Result<SayOutcome, SayOnTheAnswer.Refusal> {
        try await unitOfWork.run { tx in
            let c = tx.connection
            guard let (answer, open) = try Self.answerOnRecord(number: number, on: c, lock: true) else {
                return .failure(.noAnswer)
            }
            // Looked for before `open`: a repeat (a refresh, a second click) finds what was recorded
            // even once the appeal is considered again, and changes nothing.
            if let earlier = try c.query(
                """
                SELECT rating FROM answer_ratings
                WHERE appeal_id = \(answer.appealId) AND answered_at = \(answer.answeredAt)
                """
            ).first?.decode(0, as: Int.self) {
                return earlier == rating ? .success(.alreadyRecorded) : .failure(.alreadyRated)
            }
            guard open else { return .failure(.noAnswer) }
            let event = AppealAnswerRated(
                appealId: answer.appealId, registrationNumber: number, authority: answer.authority, rating: rating,
                via: via, answeredAt: answer.answeredAt, registeredBy: registeredBy, ratedAt: now)
            let envelope = try tx.publish(event, correlationId: answer.appealId, occurredAt: now)
            try c.execute(
                """
                INSERT INTO answer_ratings (appeal_id, answered_at, authority, rating, via, registered_by, rated_at,
                    event_id)
                VALUES (\(answer.appealId), \(answer.answeredAt), \(answer.authority), \(rating), \(via.rawValue),
                    \(registeredBy), \(now), \(envelope.id))
                """)
            return .success(.recorded)
        }
    }

    /// Records a dispute of the latest answer of `number` after checking Art. 17's window on `now`'s
    /// day, and publishes `appeal.disputed` for routing to decide. A second dispute of the same answer
    /// is `alreadyRecorded` when it says the same, else refused.
    public func dispute(
        number: String, reason: String?, learnedOn: String?, via: ResidentVia, registeredBy: String?, now: Date
    ) async throws -> Result<SayOutcome, SayOnTheAnswer.Refusal> {
        try await unitOfWork.run { tx in
            let c = tx.connection
            guard let (answer, open) = try Self.answerOnRecord(number: number, on: c, lock: true) else {
                return .failure(.noAnswer)
            }
            let earlier = try c.query(
                """
                SELECT reason FROM answer_disputes
                WHERE appeal_id = \(answer.appealId) AND answered_at = \(answer.answeredAt)
                """
            ).first?.decode(0, as: String?.self)
            // A repeat (a refresh, a second click) may come after routing has already accepted the
            // dispute and reopened the appeal (so it is no longer `open`): it finds what was recorded
            // and changes nothing.
            if !open, let earlier {
                let typed = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
                return earlier == typed ? .success(.alreadyRecorded) : .failure(.alreadyDisputed)
            }
            guard open else { return .failure(.noAnswer) }
            let checked: (reason: String, learnedOn: LocalDate?, lastDay: LocalDate)
            do throws(SayOnTheAnswer.Refusal) {
                checked = try SayOnTheAnswer.dispute(
                    reason: reason, learnedOn: learnedOn, answer: answer, today: LocalDate(date: now, in: .kyiv))
            } catch {
                return .failure(error)
            }
            if let earlier {
                return earlier == checked.reason ? .success(.alreadyRecorded) : .failure(.alreadyDisputed)
            }
            let event = AppealDisputed(
                appealId: answer.appealId, registrationNumber: number, authority: answer.authority,
                reason: checked.reason, learnedOn: checked.learnedOn, via: via, registeredBy: registeredBy,
                disputedAt: now)
            let envelope = try tx.publish(event, correlationId: answer.appealId, occurredAt: now)
            try c.execute(
                """
                INSERT INTO answer_disputes (event_id, appeal_id, answered_at, authority, reason, learned_on, via,
                    registered_by, disputed_at, last_day)
                VALUES (\(envelope.id), \(answer.appealId), \(answer.answeredAt), \(answer.authority),
                    \(checked.reason), \(checked.learnedOn?.description)::date, \(via.rawValue), \(registeredBy),
                    \(now), \(checked.lastDay.description)::date)
                """)
            return .success(.recorded)
        }
    }

    /// Routing's decision on a dispute (by the `appeal.disputed` event id it names).
    static func recordDisputeDecision(_ envelope: Envelope, on c: PostgresConnection) throws {
        switch envelope.type {
        case AppealDisputeAccepted.eventType:
            let e = try envelope.decode(AppealDisputeAccepted.self)
            try c.execute(
                """
                UPDATE answer_disputes SET outcome = 'accepted', complaint_to = \(e.complaintTo),
                    last_day = \(e.lastDay.description)::date, decided_at = \(e.acceptedAt)
                WHERE event_id = \(e.disputeId)
                """)
        case AppealDisputeRefused.eventType:
            let e = try envelope.decode(AppealDisputeRefused.self)
            try c.execute(
                """
                UPDATE answer_disputes SET outcome = 'refused', refusal_code = \(e.code),
                    last_day = COALESCE(\(e.lastDay?.description)::date, last_day), decided_at = \(e.refusedAt)
                WHERE event_id = \(e.disputeId)
                """)
        default:
            return
        }
    }

    /// Erasure: a dispute's reason is the resident's own words; the rating and dates are not personal.
    static func eraseSay(appealId: UUID, on c: PostgresConnection) throws {
        try c.execute("UPDATE answer_disputes SET reason = NULL WHERE appeal_id = \(appealId)")
    }
}

/// Intake's consumer hands routing's decisions on disputes to the store and everything else on.
struct DisputeDecisions: EventHandler {
    static let bindings = [
        Topology.routingKey(type: AppealDisputeAccepted.eventType, version: AppealDisputeAccepted.version),
        Topology.routingKey(type: AppealDisputeRefused.eventType, version: AppealDisputeRefused.version),
    ]
    let next: any EventHandler

    func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        let type = event.envelope.type
        guard type == AppealDisputeAccepted.eventType || type == AppealDisputeRefused.eventType else {
            try next.handle(event, on: connection)
            return
        }
        do {
            try IntakeStore.recordDisputeDecision(event.envelope, on: connection)
        } catch let error as ContractError {
            throw PermanentEventError("\(type): \(error.code)")
        }
    }
}
