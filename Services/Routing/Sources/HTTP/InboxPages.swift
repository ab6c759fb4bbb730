import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// The inbox list's view model: the filters as a GET form (so the address holds the whole list),
/// the page of rows, labelled counts and the pager.
struct InboxListView: Encodable, Sendable {
    struct Row: Encodable, Sendable {
        var id: String
        var registrationNumber: String
        var authority: String
        var status: String
        var priority: Bool
        var deadline: String
        var overdue: Bool
        var daysLeft: Int
        var category: String
        var district: String
        var kind: String
        var subject: String
        var escalated: Bool
        var extended: Bool
        var awaitingSignature: String?
        var headPersonally: Bool
        var assignee: String?
        var grouped: Bool
    }

    struct PageLink: Encodable, Sendable {
        var href: String
        var label: String
    }

    var official: String
    var authority: String
    var csrf: String
    var seesAll: Bool
    var signs: Bool
    var tickets: [Row]
    var empty: Bool
    /// Labelled counts: what matched, and the scope's open, overdue, due-this-week and mine.
    var total: Int
    var open: Int
    var overdue: Int
    var dueThisWeek: Int
    var mine: Int
    var page: Int
    var pages: Int
    var previous: PageLink?
    var next: PageLink?
    var exportHref: String
    var exportLimited: Bool
    /// The filters as the form shows them.
    var q: String
    var states: [SelectOption]
    var categories: [SelectOption]
    var districts: [SelectOption]
    var kinds: [SelectOption]
    var authorities: [SelectOption]
    var sorts: [SelectOption]
    var sizes: [SelectOption]
    var overdueOnly: Bool
    var dueThisWeekOnly: Bool
    var mineOnly: Bool
    var awaitingSignatureOnly: Bool
    /// A bad parameter: the list is shown unfiltered with the field errors above the form.
    var errors: [FieldMessage]
    var hasErrors: Bool
    /// Grouping appeals about one incident: offered to the authority's own officials.
    var canGroup = false
    /// A refused grouping comes back here (`?refused=<code>`).
    var refusal: String? = nil
    var groups: [GroupLink] = []
    var hasGroups = false

    struct GroupLink: Encodable, Sendable {
        var href: String
        var title: String
        var open: Int

        init(id: UUID, title: String, open: Int) {
            self.href = WebInbox.groupPath(id)
            self.title = title
            self.open = open
        }
    }

    struct FieldMessage: Encodable, Sendable {
        var field: String
        var message: String
    }
}

extension WebInbox {
    /// The href of the inbox with `query`'s parameters (page `page`), in the page's language.
    static func inboxHref(_ path: String, _ parameters: [(String, String)]) -> String {
        guard !parameters.isEmpty else { return path }
        var components = URLComponents()
        components.queryItems = parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
        // `+` would read as a space in a form-encoded query: encode it.
        let query = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        return path + "?" + query
    }

    func inboxListPage(principal: Principal, session: WebSession, request: Request) async throws -> Response {
        let language = Language.of(request)
        let parameters = Self.queryPairs(request)
        var query = InboxQuery()
        var errors: [InboxListView.FieldMessage] = []
        var status: HTTPResponse.Status = .ok
        switch InboxQuery.parse(parameters) {
        case .success(let parsed): query = parsed
        case .failure(let failure):
            status = .unprocessableContent
            errors = failure.errors.map {
                let key = "inbox_error_" + $0.code
                let value = text(key, language)
                return .init(field: $0.field ?? "", message: value == key ? $0.message : value)
            }
        }
        let page = try await api.inbox(query, principal: principal)
        let today = api.today
        let rows = page.rows.map { r in
            let t = r.ticket
            return InboxListView.Row(
                id: t.id.uuidString.lowercased(), registrationNumber: t.registrationNumber,
                authority: authorityName(t.authority, language), status: word("status", t.status.rawValue, language),
                priority: t.priority, deadline: PeopleDates.day(t.deadline, language),
                overdue: t.isOverdue(today: today),
                daysLeft: t.daysLeft(today: today), category: categoryName(t.category, language),
                district: r.district.map { districtName($0, language) } ?? "",
                kind: word("kind", t.kind.rawValue, language), subject: t.subject, escalated: t.escalated,
                extended: t.extended, awaitingSignature: t.draft.map { word("draft", $0.kind.rawValue, language) },
                headPersonally: t.headPersonally, assignee: r.assigneeName, grouped: r.groupId != nil)
        }
        let pages = query.pageCount(total: page.total)
        func link(_ n: Int) -> InboxListView.PageLink {
            .init(href: Self.inboxHref("/", query.parameters(page: n)), label: String(n))
        }
        let stateCodes: [(String, String)] =
            [("open", text("inbox_state_open", language))]
            + TicketStatus.allCases.filter { $0 != .forwarded && $0 != .extended }.map {
                ($0.rawValue, word("status", $0.rawValue, language))
            } + [("finished", text("inbox_state_finished", language)), ("all", text("inbox_state_all", language))]
        let view = InboxListView(
            official: principal.name, authority: principal.authority.map { authorityName($0, language) } ?? "—",
            csrf: session.csrf, seesAll: principal.seesAllTickets,
            signs: principal.authority.map { HeadRules.mayDecide(principal, forAuthority: $0) } ?? false,
            tickets: rows, empty: rows.isEmpty, total: page.total, open: page.open, overdue: page.overdue,
            dueThisWeek: page.dueThisWeek, mine: page.mine, page: query.page, pages: pages,
            previous: query.page > 1 ? link(min(query.page - 1, pages)) : nil,
            next: query.page < pages ? link(query.page + 1) : nil,
            exportHref: Self.inboxHref("/inbox.csv", query.parameters(page: 1).filter { $0.0 != "page" }),
            exportLimited: page.total > RoutingAPI.exportLimit,
            q: query.text,
            states: stateCodes.map { .init(code: $0.0, name: $0.1, chosen: query.state.code) },
            categories: Self.options(Reference.categories, selected: query.category, language),
            districts: Self.options(Reference.districts, selected: query.district, language),
            kinds: AppealKind.allCases.map {
                .init(code: $0.rawValue, name: word("kind", $0.rawValue, language), chosen: query.kind?.rawValue)
            },
            authorities: Self.options(Reference.authorities, selected: query.authority, language),
            sorts: InboxQuery.Sort.allCases.map {
                .init(
                    code: $0.rawValue, name: text("inbox_sort_" + $0.rawValue, language), chosen: query.sort.rawValue)
            },
            sizes: InboxQuery.pageSizes.map {
                .init(code: String($0), name: String($0), chosen: String(query.pageSize))
            },
            overdueOnly: query.overdue, dueThisWeekOnly: query.dueThisWeek, mineOnly: query.mine,
            awaitingSignatureOnly: query.awaitingSignature, errors: errors, hasErrors: !errors.isEmpty)
        var withGroups = view
        withGroups.canGroup = principal.authority.map { RoutingStore.worksFor(principal, authority: $0) } ?? false
        withGroups.groups = try await api.openGroups(principal: principal).map {
            .init(id: $0.0, title: $0.1, open: $0.2)
        }
        withGroups.hasGroups = !withGroups.groups.isEmpty
        withGroups.refusal = request.uri.queryParameters.get("refused").map { refusalText(code: $0, language) }
        return site.page("inbox", withGroups, request: request, status: status)
    }

    /// A filter's options: the reference list's entries named in `language`, `selected` marked.
    static func options(
        _ entries: [some BilingualReference], selected: String?, _ language: Language
    ) -> [SelectOption] {
        entries.map { .init(code: $0.code, name: $0.name(language), chosen: selected) }
    }

    /// The address's query as name/value pairs, in order (percent- and `+`-decoded).
    static func queryPairs(_ request: Request) -> [(String, String)] {
        guard let query = request.uri.query, !query.isEmpty else { return [] }
        return query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            return (parts.first ?? "", parts.count > 1 ? parts[1] : "")
        }
    }

    /// `GET /inbox.csv?<the list's filters>`: the filtered list as CSV (`InboxCSV`), every row recorded
    /// as a personal-data access.
    func inboxExport(principal: Principal, request: Request) async throws -> Response {
        let language = Language.of(request)
        guard case .success(let query) = InboxQuery.parse(Self.queryPairs(request)) else {
            return site.redirect("/", query: Self.queryPairs(request))
        }
        let rows = try await api.exportRows(query, principal: principal)
        let today = api.today
        let header = [
            "number", "registeredOn", "deadline", "status", "overdue", "authority", "category", "district", "kind",
            "subject", "author", "address", "assignee",
        ].map { text("csv_" + $0, language) }
        let body = rows.map { r -> [String] in
            let t = r.ticket
            return [
                t.registrationNumber, PeopleDates.day(t.registeredOn, language), PeopleDates.day(t.deadline, language),
                word("status", t.status.rawValue, language), t.isOverdue(today: today) ? text("yes", language) : "",
                authorityName(t.authority, language), categoryName(t.category, language),
                r.district.map { districtName($0, language) } ?? "", word("kind", t.kind.rawValue, language),
                t.subject, r.authorName, r.authorAddress, r.assigneeName ?? "",
            ]
        }
        return HTMLResponse.attachment(
            ByteBuffer(string: InboxCSV.document(header: header, rows: body)), type: "text/csv; charset=utf-8",
            filename: "inbox-\(today.description).csv")
    }
}

/// The inbox's part of a ticket page: internal notes and the assignee (`inbox-work.mustache`).
struct InboxTicketWork: Encodable, Sendable {
    struct Note: Encodable, Sendable {
        var at: String
        var author: String
        var text: String
    }

    struct Colleague: Encodable, Sendable {
        var id: String
        var name: String
        var selected: Bool
    }

    var ticketId: String
    var csrf: String
    var notes: [Note]
    var hasNotes: Bool
    var assignee: String?
    var canAssign: Bool
    var colleagues: [Colleague]
    var maxNoteLength: Int
    /// The authority's answer templates for the answer form, and the script that inserts them.
    var templates: [Template] = []
    var hasTemplates = false
    var script = ""
    /// The group of appeals about one incident this ticket is in.
    var group: InboxListView.GroupLink? = nil

    /// An answer template as the answer form and the templates page show it.
    struct Template: Encodable, Sendable {
        var id: String
        var title: String
        var body: String

        init(_ template: AnswerTemplate) {
            self.id = template.id.uuidString.lowercased()
            self.title = template.title
            self.body = template.body
        }
    }
}

extension WebInbox {
    /// A refusal's words from its code (the catalogue's `refusal_<code>`, else a general sentence),
    /// after the label of the form field it concerns when that is known (`Кому надіслати: …`).
    func refusalText(code: String, field: String? = nil, _ language: Language) -> String {
        let safe = String(code.prefix(64).filter { $0.isLetter || $0.isNumber || $0 == "_" })
        let key = "refusal_" + safe
        let value = text(key, language)
        let sentence = value == key ? text("refusal_general", language) : value
        let labels = [
            "to": "forwardTo", "reason": "reason", "newDeadline": "newDeadline", "outcome": "outcome",
            "text": "inbox_answerTextLabel", "note": "inbox_addNote", "assignee": "inbox_assignee",
        ]
        guard let field, let label = labels[field] else { return sentence }
        return text(label, language) + ": " + sentence
    }

    func inboxWork(_ t: TicketDetail, principal: Principal, csrf: String, language: Language) async throws
        -> InboxTicketWork
    {
        let work = try await api.inboxWork(ticketId: t.id, authority: t.authority)
        let names = Dictionary(work.colleagues.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let everyone = try await officialNames()
        let templates = try await api.templates(authority: t.authority)
        return InboxTicketWork(
            ticketId: t.id.uuidString.lowercased(), csrf: csrf,
            notes: work.notes.map {
                .init(
                    at: PeopleDates.minute($0.at, language),
                    author: $0.authorName ?? actorName($0.author, names: everyone, language), text: $0.text)
            },
            hasNotes: !work.notes.isEmpty,
            assignee: work.assignee.flatMap { names[$0] ?? everyone[$0.uuidString.lowercased()] },
            canAssign: principal.canWork(ticketAuthority: t.authority),
            colleagues: work.colleagues.map {
                .init(id: $0.id.uuidString.lowercased(), name: $0.name, selected: $0.id == work.assignee)
            },
            maxNoteLength: RoutingStore.maxNoteLength,
            templates: templates.map(InboxTicketWork.Template.init),
            hasTemplates: !templates.isEmpty, script: site.assets.assets["inbox.js"]?.link ?? "",
            group: work.group.map { .init(id: $0.0, title: $0.1, open: 0) })
    }

    /// The inbox's own routes: the CSV export, notes and assignment (each form posts, then
    /// redirects to the ticket's page; a refusal comes back as `?refused=<code>`).
    func registerInbox(on router: Router<WebRequestContext>) {
        let web = self
        router.get("/inbox.csv") { request, context -> Response in
            guard let (principal, _) = Self.signedIn(context) else { return web.site.redirect("/") }
            return try await web.inboxExport(principal: principal, request: request)
        }
        struct NoteForm: Decodable { var note: String? }
        struct AssignForm: Decodable { var assignee: String? }
        for action in ["note", "assign"] {
            router.get("/inbox/tickets/:id/\(action)") { request, context -> Response in
                guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
                    return web.notFound(request)
                }
                return web.site.redirect("/tickets/\(id.uuidString.lowercased())")
            }
        }
        func post(
            _ action: String,
            _ body: @escaping @Sendable (Request, UUID, Principal) async throws -> Void
        ) {
            router.post("/inbox/tickets/:id/\(action)") { request, context -> Response in
                try await web.withSignedInId(request, context) { id, principal, _ in
                    try await web.redirecting("/tickets/\(id.uuidString.lowercased())", request) {
                        try await body(request, id, principal)
                        return [("done", action)]
                    }
                }
            }
        }
        post("note") { request, id, principal in
            let form = try await web.site.form(NoteForm.self, request)
            try await web.api.addNote(ticketId: id, text: form.note ?? "", principal: principal)
        }
        post("assign") { request, id, principal in
            let form = try await web.site.form(AssignForm.self, request)
            let raw = form.assignee ?? ""
            guard raw.isEmpty || UUID(uuidString: raw) != nil else {
                throw RoutingError(.invalid, code: "not_a_colleague", field: "assignee", message: "unknown official")
            }
            try await web.api.assign(ticketId: id, to: UUID(uuidString: raw), principal: principal)
        }
        registerInboxGroups(on: router)
    }
}
