import Foundation
import HromadaContracts

/// How long an appeal's personal data is kept, and when it may be erased (docs/RETENTION.md).
///
/// An appeal's file is kept `years` years (5 by the standard list of documents that Instruction
/// 348 refers to), counted as record-keeping counts every term: from 1 January of the year after
/// the file was closed. An appeal closed on any day of 2026 is kept through 2031 and erased from
/// 1 January 2032. Pure: the sweep asks it, tests check it in memory.
public struct RetentionPolicy: Sendable, Equatable {
    public var years: Int

    public init(years: Int) { self.years = years }

    /// The legal default: 5 years.
    public static let legal = RetentionPolicy(years: 5)

    /// The statuses after which nothing more happens to an appeal: only such an appeal is erased,
    /// by the sweep or by an administrator. An answered appeal is still open: the resident may
    /// dispute the answer until routing closes it.
    public static let finalStatuses: Set<PublicStatus> = [.closed, .returned, .notConsidered]

    /// Whether an appeal in `status` may be erased at all.
    public static func isFinal(_ status: PublicStatus) -> Bool { finalStatuses.contains(status) }

    /// The first day on which an appeal closed on `closedOn` may be erased.
    public func erasableFrom(closedOn: LocalDate) -> LocalDate {
        LocalDate(year: closedOn.year + 1 + years, month: 1, day: 1)!
    }

    /// Appeals closed before this instant are past their retention on `today`: those closed
    /// in a year before `today.year - years`.
    public func closedBefore(today: LocalDate) -> Date {
        LocalDate(year: today.year - years, month: 1, day: 1)!.startOfDay(in: .kyiv)
    }
}

/// Why an erasure request is refused.
public enum ErasureRefusal: Error, Equatable, Sendable {
    /// No appeal has that registration number.
    case unknownAppeal
    /// The appeal is still open (its ticket is not closed): the law needs its data.
    case stillOpen(status: PublicStatus)
    /// The administrator gave no legal reason.
    case reasonMissing
}

/// An administrator's erasure request: the legal reason is required and kept in intake only.
public struct ErasureDecision: Sendable, Equatable {
    public var reason: String
    public var decidedBy: String

    /// The longest reason kept.
    public static let maximumReasonLength = 1000

    /// A decision whose reason is present (trimmed, not empty, at most `maximumReasonLength`).
    public static func validate(reason: String?, decidedBy: String) -> Result<ErasureDecision, ErasureRefusal> {
        let trimmed = (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= maximumReasonLength else { return .failure(.reasonMissing) }
        return .success(ErasureDecision(reason: trimmed, decidedBy: decidedBy))
    }
}
