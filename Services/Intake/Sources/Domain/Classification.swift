import Foundation
import HromadaContracts

/// Resolution 858's classifier decided at registration: how the appeal arrived, whether it is
/// first, repeat or duplicate, individual or collective, and the author's social category.
/// Pure: the store supplies the author's earlier appeals on the same issue.
public enum Classification {
    /// The classifier's "how it arrived" values.
    public enum Arrival {
        public static let centre = "centre"
        public static let personalReception = "personal-reception"
        public static let post = "post"
        public static let electronic = "electronic"
    }

    public enum Frequency {
        public static let first = "first"
        public static let `repeat` = "repeat"
        public static let duplicate = "duplicate"
        /// 858's "неодноразове": see
        /// `Classification.frequency(earlier:sameIssue:otherAuthorsOnIssue:today:)`.
        public static let multiple = "multiple"
        /// 858's "масове": see `Classification.frequency(earlier:sameIssue:otherAuthorsOnIssue:today:)`.
        public static let mass = "mass"
    }

    /// "Multiple" (неодноразове): the author's issue was already decided at least this many times
    /// (answered or closed), and they write on it again: a repeat of a repeat.
    public static let multipleAfterDecisions = 2
    /// "Mass" (масове): at least this many other authors wrote on the same issue (same category,
    /// similar text) within `massWindowDays` before this appeal.
    public static let massOtherAuthors = 5
    public static let massWindowDays = 30

    /// An earlier appeal of the same author on the same issue (same category, similar text).
    public struct Earlier: Sendable, Equatable {
        public var registrationNumber: String
        public var status: PublicStatus
        /// The end of its legal term, when routing has set one.
        public var deadline: LocalDate?
        public init(registrationNumber: String, status: PublicStatus, deadline: LocalDate?) {
            self.registrationNumber = registrationNumber
            self.status = status
            self.deadline = deadline
        }
    }

    /// The arrival of an appeal through `channel`: a personal reception and late paper win over
    /// the front door it was typed into.
    public static func arrival(of appeal: ValidAppeal, channel: String) -> String {
        if appeal.reception != nil { return Arrival.personalReception }
        if appeal.paper { return Arrival.post }
        switch channel {
        case AppealValidator.Channel.centre: return Arrival.centre
        case AppealValidator.Channel.reception: return Arrival.personalReception
        default: return Arrival.electronic
        }
    }

    /// Statuses in which the earlier appeal's issue was decided on the merits.
    static let decided: Set<PublicStatus> = [.answered, .closed]
    /// Statuses in which the earlier appeal was never considered on the merits: a new appeal on
    /// the issue (e.g. a returned appeal filed again, corrected) counts as a first one.
    static let notDecided: Set<PublicStatus> = [.returned, .notConsidered]

    /// Instruction 348 / Art. 8: an appeal on an issue already decided (answered or closed), or on
    /// one whose term ran out without an answer, is a repeat; one on an issue still within its
    /// term is a duplicate. Nil, or an earlier one returned / not considered: the first.
    public static func frequency(earlier: Earlier?, today: LocalDate) -> String {
        guard let earlier, !notDecided.contains(earlier.status) else { return Frequency.first }
        if decided.contains(earlier.status) { return Frequency.repeat }
        if let deadline = earlier.deadline, deadline < today { return Frequency.repeat }
        return Frequency.duplicate
    }

    /// Resolution 858 lists five values (первинне, повторне, дублетне,
    /// неодноразове, масове) without defining the last two; Hromada decides them by these
    /// rules (docs/law/registration.md):
    /// - `mass`: the author's own first appeal on an issue that at least `massOtherAuthors` other
    ///   authors raised (same category, similar text) within `massWindowDays`: many appeals on one
    ///   issue. An author's own repeat or duplicate keeps that value (it says more about the author).
    /// - `multiple`: a repeat (`frequency(earlier:today:)`) when the author's issue was already decided
    ///   at least `multipleAfterDecisions` times (`sameIssue`: every earlier appeal of the author on
    ///   the issue, the matched one included).
    /// - otherwise first, repeat or duplicate as `frequency(earlier:today:)` says.
    public static func frequency(
        earlier: Earlier?, sameIssue: [Earlier], otherAuthorsOnIssue: Int, today: LocalDate
    ) -> String {
        let own = frequency(earlier: earlier, today: today)
        if own == Frequency.first, otherAuthorsOnIssue >= massOtherAuthors { return Frequency.mass }
        if own == Frequency.repeat, sameIssue.filter({ decided.contains($0.status) }).count >= multipleAfterDecisions {
            return Frequency.multiple
        }
        return own
    }

    /// The classifier's social category of the author, from the benefit category.
    public static let socialCategories: [String: String] = [
        "war-veteran": "combatant",
        "person-with-disability": "person-with-disability",
        "chornobyl": "chornobyl-affected",
        "large-family": "large-family",
        "idp": "internally-displaced",
        "pensioner-80plus": "pensioner",
        "hero-of-ukraine": "hero-of-ukraine",
        "child-of-war": "child-of-war",
        // Art. 15's categories (the classifier's own author categories of the same names).
        "hero-of-soviet-union": "hero-of-soviet-union",
        "hero-of-socialist-labour": "hero-of-socialist-labour",
        "war-disabled": "war-disabled",
    ]

    /// `sameIssue` and `otherAuthorsOnIssue` decide "multiple" and "mass" (empty and 0: never).
    public static func classify(
        _ appeal: ValidAppeal, channel: String, earlier: Earlier?, today: LocalDate, sameIssue: [Earlier] = [],
        otherAuthorsOnIssue: Int = 0
    ) -> AppealRegistered.Classifier {
        let frequency = frequency(
            earlier: earlier, sameIssue: sameIssue, otherAuthorsOnIssue: otherAuthorsOnIssue, today: today)
        return AppealRegistered.Classifier(
            arrival: arrival(of: appeal, channel: channel), frequency: frequency,
            form: appeal.coSigners.isEmpty ? "individual" : "collective",
            socialCategory: appeal.author.benefitCategory.flatMap { socialCategories[$0] },
            duplicateOf: frequency == Frequency.duplicate ? earlier?.registrationNumber : nil)
    }
}
