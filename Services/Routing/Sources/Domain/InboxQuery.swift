import Foundation
import HromadaContracts

/// What an official asks the inbox for: search, filters, sort and page, read from the page's
/// address (a GET form, so Back, refresh and a shared link show the same list). Parsing is pure:
/// a bad value is a field error naming the parameter, never a server error.
public struct InboxQuery: Sendable, Equatable {
    /// Which tickets by their state: the open ones (the default), one status, the finished ones
    /// (answered or closed), or every ticket.
    public enum State: Sendable, Equatable {
        case open, finished, all
        case status(TicketStatus)

        public var code: String {
            switch self {
            case .open: "open"
            case .finished: "finished"
            case .all: "all"
            case .status(let s): s.rawValue
            }
        }
    }

    public enum Sort: String, Sendable, Equatable, CaseIterable {
        /// Priority first, then the nearest deadline (the default: what is due comes first).
        case deadline
        /// The newest registration first.
        case registered
        /// By registration number.
        case number
    }

    /// How the search text is used: a registration number (exact or its serial digits), or words
    /// matched as prefixes against the number, the resident's name, address, subject and text.
    public enum Search: Sendable, Equatable {
        case number(String)
        case serial(String)
        case words([String])
    }

    public static let pageSizes = [10, 25, 50, 100]
    public static let defaultPageSize = 25
    public static let maxSearchLength = 200

    public var text: String = ""
    public var state: State = .open
    public var category: String?
    public var district: String?
    public var kind: AppealKind?
    public var overdue = false
    public var dueThisWeek = false
    public var awaitingSignature = false
    /// Only the tickets assigned to the asking official.
    public var mine = false
    /// Reception and administrators choose an authority (nil: all); officials see their own.
    public var authority: String?
    public var sort: Sort = .deadline
    public var page = 1
    public var pageSize = InboxQuery.defaultPageSize

    public init() {}

    /// The search as the store uses it (nil: no search).
    public var search: Search? { Self.search(text) }

    static func search(_ text: String) -> Search? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        let compact = trimmed.uppercased().filter { !$0.isWhitespace }
        // `MK-2026-000123`, `mk 2026 123`: a number, normalised to the stored form.
        let parts = trimmed.uppercased().split(whereSeparator: { $0 == "-" || $0 == "/" || $0.isWhitespace })
            .map(String.init)
        func digits(_ s: String) -> Bool { !s.isEmpty && s.allSatisfy { $0.isASCII && $0.isNumber } }
        if parts.count == 3, parts[0].allSatisfy({ $0.isASCII && $0.isLetter }), digits(parts[1]), digits(parts[2]),
            parts[1].count == 4, parts[2].count <= 6
        {
            return .number("\(parts[0])-\(parts[1])-\(String(repeating: "0", count: 6 - parts[2].count))\(parts[2])")
        }
        if digits(compact), compact.count <= 6 {
            return .serial(String(repeating: "0", count: 6 - compact.count) + compact)
        }
        // Words: letters and digits (the apostrophes of Ukrainian words kept inside a word);
        // everything else separates, so nothing the person typed reaches the query syntax.
        let apostrophes: Set<Character> = ["ʼ", "'", "’"]
        var words: [String] = []
        var current = ""
        for ch in trimmed.lowercased() {
            if ch.isLetter || ch.isNumber {
                current.append(ch)
            } else if apostrophes.contains(ch), !current.isEmpty {
                current.append("ʼ")
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        words = words.map { $0.hasSuffix("ʼ") ? String($0.dropLast()) : $0 }.filter { !$0.isEmpty }
        return words.isEmpty ? nil : .words(Array(words.prefix(8)))
    }

    /// Reads the address's parameters. Unknown parameters are ignored (a language switch adds
    /// `lang`); a known one with a bad value is a field error.
    public static func parse(_ parameters: [(String, String)]) -> Result<InboxQuery, RoutingValidationErrors> {
        var q = InboxQuery()
        var errors: [RoutingError] = []
        func invalid(_ field: String, _ code: String, _ message: String) {
            errors.append(RoutingError(.invalid, code: code, field: field, message: message))
        }
        func flag(_ field: String, _ value: String) -> Bool {
            switch value {
            case "", "false", "0", "off": return false
            case "true", "1", "on": return true
            default:
                invalid(field, "invalid_flag", "\(field) must be true or false")
                return false
            }
        }
        /// A reference code (category, district, authority): empty is none; an unknown one is a field
        /// error (and the query is refused, so what it leaves in `q` is never used).
        func referenceCode(_ field: String, _ value: String, known: (String) -> Bool) -> String? {
            if value.isEmpty { return nil }
            if known(value) { return value }
            invalid(field, "unknown_\(field)", "unknown \(field)")
            return nil
        }
        for (name, raw) in parameters {
            let value = raw.trimmingCharacters(in: .whitespaces)
            switch name {
            case "q":
                if raw.count > maxSearchLength {
                    invalid("q", "search_too_long", "the search may have at most \(maxSearchLength) characters")
                } else {
                    q.text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
                }
            case "status":
                switch value {
                case "", "open": q.state = .open
                case "finished": q.state = .finished
                case "all": q.state = .all
                default:
                    if let s = TicketStatus(rawValue: value) {
                        q.state = .status(s)
                    } else {
                        invalid("status", "unknown_status", "unknown status")
                    }
                }
            case "category": q.category = referenceCode(name, value) { Reference.category(code: $0) != nil }
            case "district": q.district = referenceCode(name, value) { Reference.district(code: $0) != nil }
            case "kind":
                if value.isEmpty {
                    q.kind = nil
                } else if let k = AppealKind(rawValue: value) {
                    q.kind = k
                } else {
                    invalid("kind", "unknown_kind", "unknown kind of appeal")
                }
            case "authority": q.authority = referenceCode(name, value) { Reference.authority(code: $0) != nil }
            case "overdue": q.overdue = flag(name, value)
            case "week": q.dueThisWeek = flag(name, value)
            case "awaitingSignature": q.awaitingSignature = flag(name, value)
            case "mine": q.mine = flag(name, value)
            case "sort":
                if value.isEmpty {
                    q.sort = .deadline
                } else if let s = Sort(rawValue: value) {
                    q.sort = s
                } else {
                    invalid("sort", "unknown_sort", "sort by deadline, registered or number")
                }
            case "page":
                if value.isEmpty {
                    q.page = 1
                } else if let n = Int(value), n >= 1, n <= 100_000 {
                    q.page = n
                } else {
                    invalid("page", "invalid_page", "the page is a whole number from 1")
                }
            case "size":
                if value.isEmpty {
                    q.pageSize = defaultPageSize
                } else if let n = Int(value), pageSizes.contains(n) {
                    q.pageSize = n
                } else {
                    invalid("size", "invalid_page_size", "the page size is one of 10, 25, 50, 100")
                }
            default: continue
            }
        }
        return errors.isEmpty ? .success(q) : .failure(RoutingValidationErrors(errors: errors))
    }

    /// The parameters that reproduce this query (defaults left out), for links to other pages,
    /// other sorts and the CSV export.
    public func parameters(page: Int? = nil) -> [(String, String)] {
        var p: [(String, String)] = []
        if !text.isEmpty { p.append(("q", text)) }
        if state != .open { p.append(("status", state.code)) }
        if let category { p.append(("category", category)) }
        if let district { p.append(("district", district)) }
        if let kind { p.append(("kind", kind.rawValue)) }
        if let authority { p.append(("authority", authority)) }
        if overdue { p.append(("overdue", "true")) }
        if dueThisWeek { p.append(("week", "true")) }
        if awaitingSignature { p.append(("awaitingSignature", "true")) }
        if mine { p.append(("mine", "true")) }
        if sort != .deadline { p.append(("sort", sort.rawValue)) }
        if pageSize != Self.defaultPageSize { p.append(("size", String(pageSize))) }
        let page = page ?? self.page
        if page != 1 { p.append(("page", String(page))) }
        return p
    }

    /// The last day of "due this week": the coming Sunday (today when today is Sunday).
    public static func endOfWeek(_ today: LocalDate) -> LocalDate {
        // 5 January 1970 was a Monday: the weekday counts from Monday = 0.
        let monday = LocalDate(year: 1970, month: 1, day: 5)!
        let weekday = ((monday.days(until: today) % 7) + 7) % 7
        return today.adding(days: 6 - weekday)
    }

    /// Pages for `total` rows: at least one.
    public func pageCount(total: Int) -> Int { max(1, (total + pageSize - 1) / pageSize) }
}
