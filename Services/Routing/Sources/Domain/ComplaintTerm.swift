import Foundation
import HromadaContracts

/// Art. 17: a complaint about a decision may be filed with the higher body within one year of
/// the decision, and no later than one month after the author learned of it. A complaint filed
/// late is not considered (Art. 8) unless the body considering it restores the missed term for
/// good cause; that restoration is the head's (or deputy's) decision and is recorded.
public enum ComplaintTerm {
    public enum Status: Sendable, Equatable {
        case inTime(lastDay: LocalDate)
        case late(lastDay: LocalDate)
        /// Late, but the term was restored for good cause.
        case restored(lastDay: LocalDate, by: String, reason: String)

        public var mayBeConsidered: Bool {
            if case .late = self { return false }
            return true
        }
    }

    /// The last day to file: the earlier of decision + 1 calendar year and learned + 1 calendar
    /// month. When the date the author learned of the decision is unknown, only the year limits.
    public static func lastDay(decidedOn: LocalDate, learnedOn: LocalDate?) -> LocalDate {
        let yearEnd = LawCalendar.adding(years: 1, to: decidedOn)
        guard let learnedOn else { return yearEnd }
        return min(yearEnd, LawCalendar.adding(months: 1, to: learnedOn))
    }

    public static func status(decidedOn: LocalDate, learnedOn: LocalDate?, filedOn: LocalDate) -> Status {
        let last = lastDay(decidedOn: decidedOn, learnedOn: learnedOn)
        return filedOn <= last ? .inTime(lastDay: last) : .late(lastDay: last)
    }

    /// A head's (or deputy's) decision to restore a missed term for good cause. Refused when the
    /// term was not missed, when the person may not decide for the body, or without a reason.
    public static func restore(
        _ status: Status, by person: Principal, forAuthority authority: String, reason: String?
    ) throws(LawRefusal) -> Status {
        guard case .late(let lastDay) = status else { throw .notLate }
        guard HeadRules.mayDecide(person, forAuthority: authority) else { throw .headOnly }
        let reason = (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard reason.count >= Lifecycle.minimumRefusalLength else { throw .reasonRequired(field: "reason") }
        return .restored(lastDay: lastDay, by: person.id, reason: reason)
    }
}
