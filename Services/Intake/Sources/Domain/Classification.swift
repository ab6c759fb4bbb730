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
        /// Valid values of the classifier that intake does not decide yet.
        public static let multiple = "multiple"
        public static let mass = "mass"
    }

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
    ]

    public static func classify(
        _ appeal: ValidAppeal, channel: String, earlier: Earlier?, today: LocalDate
    ) -> AppealRegistered.Classifier {
        let frequency = frequency(earlier: earlier, today: today)
        return AppealRegistered.Classifier(
            arrival: arrival(of: appeal, channel: channel), frequency: frequency,
            form: appeal.coSigners.isEmpty ? "individual" : "collective",
            socialCategory: appeal.author.benefitCategory.flatMap { socialCategories[$0] },
            duplicateOf: frequency == Frequency.duplicate ? earlier?.registrationNumber : nil)
    }
}
