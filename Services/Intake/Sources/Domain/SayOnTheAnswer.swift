import Foundation
import HromadaContracts
import HromadaRuntime

/// The resident's say on an answer (issue 15): a rating (1–5) and a dispute (Art. 16–17), given on
/// the tracking page with the code or at a centre through the librarian. Pure rules: the store
/// supplies the answer on record and what was already said.
///
/// One say of each kind per answer: the first rating of an answer stands and a second one is
/// refused (`alreadyRated`), as is a second dispute (`alreadyDisputed`). A double click or a refresh
/// therefore never records twice, and a later answer (after a dispute, from the body above) can be
/// rated and disputed anew.
public enum SayOnTheAnswer {
    /// The latest answer in intake's tracking projection.
    public struct AnswerOnRecord: Sendable, Equatable {
        public var appealId: UUID
        public var registrationNumber: String
        /// The body that answered.
        public var authority: String
        public var answeredAt: Date
        public var answeredOn: LocalDate { LocalDate(date: answeredAt, in: .kyiv) }

        public init(appealId: UUID, registrationNumber: String, authority: String, answeredAt: Date) {
            self.appealId = appealId
            self.registrationNumber = registrationNumber
            self.authority = authority
            self.answeredAt = answeredAt
        }
    }

    public static let maximumReasonLength = 4000
    public static let minimumReasonLength = 10

    /// A refusal naming the field and the reason, in English and Ukrainian.
    public struct Refusal: Error, Sendable, Equatable {
        public var field: String?
        public var code: String
        public var message: String
        public var messageUk: String
        /// Art. 17's last day, for a late dispute.
        public var lastDay: LocalDate?

        public var fieldError: FieldError {
            FieldError(field: field, code: code, message: message, messageUk: messageUk)
        }

        static let noAnswer = Refusal(
            field: nil, code: DisputeRefusalCode.notAnswered.rawValue,
            message: "there is no answer to rate or dispute yet",
            messageUk: "відповіді ще немає: оцінити чи оскаржити нічого")
        static let alreadyRated = Refusal(
            field: "rating", code: "already-rated", message: "this answer is already rated",
            messageUk: "цю відповідь уже оцінено")
        static let alreadyDisputed = Refusal(
            field: "reason", code: DisputeRefusalCode.alreadyDisputed.rawValue,
            message: "this answer is already disputed",
            messageUk: "цю відповідь уже оскаржено")
    }

    /// The rating as typed: a whole number 1–5.
    public static func rating(_ text: String?) throws(Refusal) -> Int {
        let trimmed = text?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !trimmed.isEmpty else {
            throw Refusal(
                field: "rating", code: "required", message: "rating: choose 1 to 5",
                messageUk: "оцінка: оберіть від 1 до 5")
        }
        guard let value = Int(trimmed), AppealAnswerRated.ratings.contains(value) else {
            throw Refusal(
                field: "rating", code: "invalid_value", message: "rating: a whole number from 1 to 5",
                messageUk: "оцінка: ціле число від 1 до 5")
        }
        return value
    }

    /// A dispute's reason (required, 10–4000 characters) and the day the resident learned of the
    /// answer (optional `YYYY-MM-DD`), checked against Art. 17's window on `today`.
    public static func dispute(
        reason: String?, learnedOn: String?, answer: AnswerOnRecord, today: LocalDate
    ) throws(Refusal) -> (reason: String, learnedOn: LocalDate?, lastDay: LocalDate) {
        let text = reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard text.count >= minimumReasonLength else {
            throw Refusal(
                field: "reason", code: text.isEmpty ? "required" : "too_short",
                message: "reason: say why the answer is disputed (at least \(minimumReasonLength) characters)",
                messageUk: "причина: напишіть, чому оскаржуєте відповідь "
                    + "(щонайменше \(minimumReasonLength) символів)")
        }
        guard text.count <= maximumReasonLength else {
            throw Refusal(
                field: "reason", code: "too_long", message: "reason: at most \(maximumReasonLength) characters",
                messageUk: "причина: щонайбільше \(maximumReasonLength) символів")
        }
        var learned: LocalDate?
        if let typed = learnedOn?.trimmingCharacters(in: .whitespaces), !typed.isEmpty {
            guard let date = LocalDate(string: typed) else {
                throw Refusal(
                    field: "learnedOn", code: "invalid_date", message: "learnedOn: a date YYYY-MM-DD",
                    messageUk: "дата, коли дізналися: дата у форматі РРРР-ММ-ДД")
            }
            learned = date
        }
        switch DisputeWindow.check(answeredOn: answer.answeredOn, learnedOn: learned, today: today) {
        case .inTime(let lastDay):
            return (text, learned, lastDay)
        case .learnedOnInvalid:
            throw Refusal(
                field: "learnedOn", code: DisputeRefusalCode.learnedOnInvalid.rawValue,
                message: "learnedOn: not before the answer (\(answer.answeredOn)) and not in the future",
                messageUk: "дата, коли дізналися: не раніше відповіді "
                    + "(\(answer.answeredOn)) і не в майбутньому")
        case .late(let lastDay):
            throw Refusal(
                field: "learnedOn", code: DisputeRefusalCode.late.rawValue,
                message: "Art. 17: the answer could be disputed until \(lastDay), one month after it was received",
                messageUk: "ст. 17: відповідь можна було оскаржити до \(lastDay), "
                    + "протягом місяця після її отримання",
                lastDay: lastDay)
        }
    }
}
