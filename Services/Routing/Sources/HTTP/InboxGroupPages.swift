import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// The inbox's answer templates page and the pages of a group of appeals about one incident.
struct InboxTemplatesView: Encodable, Sendable {
    var authority: String
    var csrf: String
    var templates: [InboxTicketWork.Template]
    var empty: Bool
    var canEdit: Bool
    var message: String?
    var error: String?
    var maxTitle: Int
    var maxBody: Int
}

struct InboxGroupView: Encodable, Sendable {
    struct Row: Encodable, Sendable {
        var id: String
        var registrationNumber: String
        var status: String
        var deadline: String
        var subject: String
        var open: Bool
        var awaitingSignature: Bool
    }

    var id: String
    var title: String
    var authority: String
    var csrf: String
    var tickets: [Row]
    var total: Int
    var open: Int
    var canAnswer: Bool
    var draftsOnly: Bool
    var canSign: Bool
    var outcomes: [TicketView.Option]
    var templates: [InboxTicketWork.Template]
    var hasTemplates: Bool
    var script: String
    var message: String?
    var error: String?
}

extension WebInbox {
    static let inboxTemplates = ["inbox-templates", "inbox-group", "inbox-answer-templates"]
    static let assetNames = ["inbox.js"]

    func templatesPage(principal: Principal, session: WebSession, request: Request) async throws -> Response {
        let language = Language.of(request)
        let authority = principal.authority ?? ""
        let templates = authority.isEmpty ? [] : try await api.templates(authority: authority)
        let query = request.uri.queryParameters
        let view = InboxTemplatesView(
            authority: authorityName(authority, language), csrf: session.csrf,
            templates: templates.map(InboxTicketWork.Template.init),
            empty: templates.isEmpty, canEdit: RoutingStore.worksFor(principal, authority: authority),
            message: query.get("done").map { _ in text("done_template", language) },
            error: query.get("refused").map { refusalText(code: $0, language) },
            maxTitle: RoutingStore.maxTemplateTitle, maxBody: RoutingStore.maxTemplateBody)
        return site.page("inbox-templates", view, request: request)
    }

    func groupPage(id: UUID, principal: Principal, session: WebSession, request: Request) async throws -> Response {
        let language = Language.of(request)
        let group = try await api.group(id: id, principal: principal)
        let principal = try await api.stored(principal)
        let query = request.uri.queryParameters
        let templates = try await api.templates(authority: group.authority)
        let open = group.tickets.filter { $0.status.isOpen && $0.draft == nil }
        let signer = Ticket.signs(principal, authority: group.authority, headPersonally: false)
        var message: String?
        if let done = query.get("done") {
            message = text("done_group_\(done)", language) + (query.get("changed").map { " (\($0))" } ?? "")
        }
        let view = InboxGroupView(
            id: id.uuidString.lowercased(), title: group.title, authority: authorityName(group.authority, language),
            csrf: session.csrf,
            tickets: group.tickets.map {
                .init(
                    id: $0.id.uuidString.lowercased(), registrationNumber: $0.registrationNumber,
                    status: word("status", $0.status.rawValue, language),
                    deadline: PeopleDates.day($0.deadline, language),
                    subject: $0.subject, open: $0.status.isOpen, awaitingSignature: $0.draft != nil)
            },
            total: group.tickets.count, open: open.count,
            canAnswer: principal.canWork(ticketAuthority: group.authority) && !open.isEmpty, draftsOnly: !signer,
            canSign: signer && group.tickets.contains { $0.draft != nil },
            outcomes: options(AnswerOutcome.self, "outcome", language),
            templates: templates.map(InboxTicketWork.Template.init),
            hasTemplates: !templates.isEmpty, script: site.assets.assets["inbox.js"]?.link ?? "",
            message: message, error: query.get("refused").map { refusalText(code: $0, language) })
        return site.page("inbox-group", view, request: request)
    }

    /// The address of a group's page.
    static func groupPath(_ id: UUID) -> String { "/inbox/groups/\(id.uuidString.lowercased())" }

    /// Runs a form's action and redirects to `path` with its result, or with `refused=<code>`.
    func redirecting(
        _ path: String, _ request: Request, _ body: () async throws -> [(String, String)]
    ) async throws -> Response {
        let lang = ("lang", Language.of(request).rawValue)
        do {
            return site.redirect(path, query: try await body() + [lang])
        } catch let error as RoutingError {
            return site.redirect(path, query: [("refused", error.code), lang])
        } catch let refusal as TicketRefusal {
            if refusal.error.kind == .notFound { return notFound(request) }
            return site.redirect(path, query: [("refused", refusal.error.code), lang])
        }
    }

    /// Templates, groups and group answers: each form posts, then redirects to a GET page.
    func registerInboxGroups(on router: Router<WebRequestContext>) {
        let web = self
        struct TemplateForm: Decodable {
            var title: String?
            var body: String?
        }
        struct GroupForm: Decodable {
            var title: String?
            var ticket: [String]?
        }
        struct GroupAnswerForm: Decodable {
            var outcome: String?
            var text: String?
        }
        router.get("/inbox/templates") { request, context -> Response in
            guard let (principal, session) = Self.signedIn(context) else { return web.site.redirect("/") }
            return try await web.templatesPage(principal: principal, session: session, request: request)
        }
        router.post("/inbox/templates") { request, context -> Response in
            guard let (principal, _) = Self.signedIn(context) else { return web.site.redirect("/") }
            let form = try await web.site.form(TemplateForm.self, request)
            return try await web.redirecting("/inbox/templates", request) {
                try await web.api.saveTemplate(title: form.title ?? "", body: form.body ?? "", principal: principal)
                return [("done", "saved")]
            }
        }
        router.post("/inbox/templates/:id/delete") { request, context -> Response in
            try await web.withSignedInId(request, context) { id, principal, _ in
                try await web.redirecting("/inbox/templates", request) {
                    try await web.api.deleteTemplate(id: id, principal: principal)
                    return [("done", "deleted")]
                }
            }
        }
        router.post("/inbox/groups") { request, context -> Response in
            guard let (principal, _) = Self.signedIn(context) else { return web.site.redirect("/") }
            let form = try await web.site.form(GroupForm.self, request)
            let ids = (form.ticket ?? []).compactMap(UUID.init(uuidString:))
            let lang = ("lang", Language.of(request).rawValue)
            do {
                let id = try await web.api.createGroup(title: form.title ?? "", ticketIds: ids, principal: principal)
                return web.site.redirect(Self.groupPath(id), query: [("done", "created"), lang])
            } catch let error as RoutingError {
                return web.site.redirect("/", query: [("refused", error.code), lang])
            }
        }
        router.get("/inbox/groups/:id") { request, context -> Response in
            try await web.withSignedInId(request, context) { id, principal, session in
                try await web.groupPage(id: id, principal: principal, session: session, request: request)
            }
        }
        for action in [TicketAction.answer, .sign] {
            router.post("/inbox/groups/:id/\(action.rawValue)") { request, context -> Response in
                try await web.withSignedInId(request, context) { id, principal, _ in
                    let form = try await web.site.form(GroupAnswerForm.self, request)
                    let present = { (value: String?) in value.flatMap { $0.isEmpty ? nil : $0 } }
                    let body = TicketActionRequest(outcome: present(form.outcome), text: present(form.text))
                    return try await web.redirecting(Self.groupPath(id), request) {
                        let result = try await web.api.performOnGroup(
                            action, groupId: id, request: body, principal: principal)
                        return [("done", action.rawValue), ("changed", String(result.changed.count))]
                    }
                }
            }
        }
    }
}
