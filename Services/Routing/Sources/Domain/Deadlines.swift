import Foundation
import HromadaContracts

/// The deadline watcher's decisions, as pure functions of a ticket and the date: raise
/// `ticket.deadline-approaching` when at most `Law.deadlineWarningDays` days are left, `ticket.overdue`
/// (escalated to the mayor's reception) once today is past the deadline, and close an answered
/// ticket nobody disputed within the auto-close period. Each alert is raised once per ticket,
/// kind and deadline: the store keeps that memory; these functions say what is due.
public enum DeadlineWatch {
    public enum AlertKind: String, Sendable, CaseIterable {
        case approaching = "deadline-approaching"
        case overdue
    }

    /// What the store should look for on `today`: open tickets with a deadline before
    /// `overdueBefore` are overdue; those with a deadline in `approachingFrom...approachingThrough`
    /// are approaching; answered tickets answered at or before `closeAnsweredBefore` close.
    public struct Window: Sendable, Equatable {
        public var overdueBefore: LocalDate
        public var approachingFrom: LocalDate
        public var approachingThrough: LocalDate
        public var closeAnsweredBefore: Date
    }

    public static func window(now: Date, autoCloseDays: Int) -> Window {
        let today = LocalDate(date: now, in: .kyiv)
        return Window(
            overdueBefore: today, approachingFrom: today,
            approachingThrough: today.adding(days: Law.deadlineWarningDays),
            closeAnsweredBefore: now.addingTimeInterval(-Double(autoCloseDays) * 86_400))
    }

    /// The alert due for `ticket` on `today`, if any. Overdue wins: a ticket first seen past its
    /// deadline raises only `overdue`. Answered and closed tickets raise nothing.
    public static func alert(for ticket: Ticket, today: LocalDate) -> AlertKind? {
        guard ticket.status.isOpen else { return nil }
        if ticket.deadline < today { return .overdue }
        if ticket.deadline <= today.adding(days: Law.deadlineWarningDays) { return .approaching }
        return nil
    }

    /// True when an answered ticket has waited `autoCloseDays` (24-hour days) without a dispute.
    public static func shouldAutoClose(_ ticket: Ticket, now: Date, autoCloseDays: Int) -> Bool {
        guard ticket.status == .answered, let answeredAt = ticket.answeredAt else { return false }
        return answeredAt <= now.addingTimeInterval(-Double(autoCloseDays) * 86_400)
    }

    /// Instruction 348: an appeal is taken off control by a named person, or here by a named rule:
    /// an answered ticket nobody disputed within the auto-close period. The card (history and
    /// `ticket.closed`) records this name instead of an anonymous "system".
    public static let autoCloseRule = "rule:answered-undisputed"
    /// Who escalates overdue tickets, in history and events.
    public static let watcherActor = "deadline-watcher"
}
