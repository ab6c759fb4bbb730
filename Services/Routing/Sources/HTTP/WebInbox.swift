import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaRuntime
import Hummingbird
import Mustache

/// The officials' web inbox at `GET /`: server-rendered, Ukrainian by default (`?lang=en`,
/// remembered in a cookie), no scripts or external resources. Login with the official's token
/// gives a signed session cookie (HMAC-SHA256 with a per-process secret; HttpOnly, SameSite=Strict)
/// carrying the official's id, its expiry and a CSRF token that every form posts back. Form
/// handlers call the same `RoutingAPI` operations as the JSON API.
public struct WebInbox: Sendable {
    let api: RoutingAPI
    let library: MustacheLibrary
    let sessions: SignedSession

    public init(api: RoutingAPI) async throws {
        self.api = api
        self.library = try Self.loadTemplates()
        self.sessions = SignedSession(
            secret: api.settings.sessionSecret ?? SecureRandom.bytes(32),
            lifetime: .seconds(Int64(api.settings.sessionLifetime))
        )
    }

    static let templateNames = ["header", "footer", "login", "inbox", "ticket", "notfound"]

    /// Reads the templates from the target's resources (`Resources/templates/*.mustache`); fails
    /// loudly when one is missing rather than serving empty pages.
    static func loadTemplates() throws -> MustacheLibrary {
        let folder = try WebPage.templatesFolder(in: Bundle.module, containing: "login.mustache")
        var library = MustacheLibrary()
        for name in templateNames {
            let text = try String(contentsOf: folder.appendingPathComponent("\(name).mustache"), encoding: .utf8)
            try library.register(text, named: name)
        }
        return library
    }

    // MARK: Sessions (a signed cookie naming the official; see SignedSession)

    typealias Session = SignedSession.Session

    func session(_ request: Request) -> Session? {
        sessions.read(request)
    }

    /// The official behind the session, re-checked against the directory on every request (a
    /// revoked token ends the session).
    func principal(_ session: Session) async throws -> Principal? {
        if session.subject == Principal.bootstrapAdministrator.id {
            return api.runtime.configuration.adminToken == nil ? nil : .bootstrapAdministrator
        }
        guard let id = UUID(uuidString: session.subject) else { return nil }
        return try await api.runtime.database.withConnection { c in try RoutingStore.official(id: id, on: c) }
    }

    // MARK: Language

    func language(_ request: Request) -> (String, String?) {
        let (code, cookie) = WebPage.language(request)
        return (code, cookie)
    }

    // MARK: Rendering

    func page(_ template: String, _ values: [String: Any], lang: String, status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        var context = values
        context["t"] = WebText.strings(lang)
        context["lang"] = lang
        context["otherLang"] = lang == "uk" ? "en" : "uk"
        context["otherLangName"] = lang == "uk" ? "English" : "Українська"
        let html = library.render(context, withTemplate: template) ?? "template \(template) missing"
        return WebPage.html(html, status: status, cookies: cookies)
    }

    /// Only the values that are there and not empty: Mustache renders a section for any string,
    /// even an empty one.
    static func present(_ values: [String: String?]) -> [String: Any] {
        var result: [String: Any] = [:]
        for (key, value) in values { if let value, !value.isEmpty { result[key] = value } }
        return result
    }

    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        WebPage.redirect(location, cookies: cookies)
    }

    static func form(_ request: Request) async throws -> FormData {
        try await FormData.read(request)
    }

    func authorityName(_ code: String, lang: String) -> String {
        guard let a = Reference.authority(code: code) else { return code }
        return lang == "en" ? a.nameEn : a.nameUk
    }

    func categoryName(_ code: String, lang: String) -> String {
        guard let c = Reference.category(code: code) else { return code }
        return lang == "en" ? c.nameEn : c.nameUk
    }

    func statusName(_ status: String, lang: String) -> String { WebText.status(status, lang: lang) }

    // MARK: Pages

    func inboxPage(principal: Principal, session: Session, request: Request, lang: String, cookies: [String]) async throws -> Response {
        var filter = RoutingStore.InboxFilter()
        let query = request.uri.queryParameters
        if let status = query.get("status").flatMap(TicketStatus.init(rawValue:)) { filter.status = status }
        filter.overdueOnly = query.get("overdue") == "true"
        if principal.seesAllTickets, let authority = query.get("authority"), !authority.isEmpty { filter.authority = authority }
        let tickets = try await api.tickets(principal: principal, filter: filter)
        let rows: [[String: Any]] = tickets.map { t in
            [
                "id": t.id.uuidString.lowercased(), "registrationNumber": t.registrationNumber,
                "authority": authorityName(t.authority, lang: lang), "status": statusName(t.status, lang: lang),
                "priority": t.priority, "deadline": t.deadline, "overdue": t.overdue, "daysLeft": t.daysLeft,
                "category": categoryName(t.category, lang: lang), "kind": WebText.kind(t.kind, lang: lang), "subject": t.subject,
                "escalated": t.escalated, "extended": t.extended,
            ]
        }
        let statuses: [[String: Any]] = TicketStatus.allCases.filter { $0 != .forwarded && $0 != .extended }.map {
            ["code": $0.rawValue, "name": statusName($0.rawValue, lang: lang), "selected": filter.status == $0]
        }
        return page("inbox", [
            "official": principal.name, "authority": principal.authority.map { authorityName($0, lang: lang) } ?? "—",
            "tickets": rows, "empty": rows.isEmpty, "count": rows.count, "csrf": session.csrf, "statuses": statuses,
            "overdueOnly": filter.overdueOnly, "seesAll": principal.seesAllTickets,
        ], lang: lang, cookies: cookies)
    }

    func ticketPage(
        _ t: TicketDetail, principal: Principal, session: Session, lang: String, message: String? = nil, error: String? = nil,
        status: HTTPResponse.Status = .ok, cookies: [String] = []
    ) -> Response {
        let current = TicketStatus(rawValue: t.status) ?? .assigned
        let canWork = principal.canWork(ticketAuthority: t.authority)
        let forwardTargets: [[String: Any]] = Reference.authorities
            .filter { $0.code != t.authority && !(t.appeal.kind == "complaint" && $0.code == t.appeal.against) }
            .map { ["code": $0.code, "name": lang == "en" ? $0.nameEn : $0.nameUk] }
        let history: [[String: Any]] = t.history.map {
            [
                "at": ISO8601.format($0.at, in: .kyiv).prefix(16).replacingOccurrences(of: "T", with: " "),
                "action": WebText.action($0.action, lang: lang), "actor": $0.actor,
                "status": statusName($0.toStatus, lang: lang), "authority": authorityName($0.authority, lang: lang), "note": $0.note ?? "",
            ]
        }
        let outcomes: [[String: Any]] = AnswerOutcome.allCases.map { ["code": $0.rawValue, "name": WebText.outcome($0.rawValue, lang: lang)] }
        let values: [String: Any] = [
            "id": t.id.uuidString.lowercased(), "registrationNumber": t.registrationNumber,
            "authority": authorityName(t.authority, lang: lang), "status": statusName(t.status, lang: lang),
            "priority": t.priority, "deadline": t.deadline, "overdue": t.overdue, "daysLeft": t.daysLeft,
            "extended": t.extended, "escalated": t.escalated, "registeredOn": t.registeredOn,
            "forwardAllowedUntil": t.forwardAllowedUntil, "forwardWindowOpen": t.forwardAllowed, "maxDeadline": t.maxDeadline,
            "minDeadline": LocalDate(string: t.deadline)?.adding(days: 1).description ?? t.deadline,
            "answerText": t.answerText ?? "",
            "appeal": [
                "kind": WebText.kind(t.appeal.kind, lang: lang), "category": categoryName(t.appeal.category, lang: lang),
                "district": t.appeal.district ?? "", "subject": t.appeal.subject, "text": t.appeal.text,
                "authorName": t.appeal.author.fullName, "authorAddress": t.appeal.author.address,
                "authorEmail": t.appeal.author.email ?? "", "authorPhone": t.appeal.author.phone ?? "",
                "benefit": t.appeal.author.benefitCategory ?? "", "confidential": t.appeal.confidential,
            ].merging(Self.present([
                "against": t.appeal.against.map { authorityName($0, lang: lang) }, "repeatOf": t.appeal.repeatOf,
            ])) { a, _ in a } as [String: Any],
            "history": history, "csrf": session.csrf,
            "canAccept": canWork && TicketAction.accept.allowedFrom.contains(current),
            "canForward": canWork && TicketAction.forward.allowedFrom.contains(current),
            "canExtend": canWork && TicketAction.extend.allowedFrom.contains(current),
            "canAnswer": canWork && TicketAction.answer.allowedFrom.contains(current),
            "canReopen": principal.canReopenAndClose && TicketAction.reopen.allowedFrom.contains(current),
            "canClose": principal.canReopenAndClose && TicketAction.close.allowedFrom.contains(current),
            "forwardTargets": forwardTargets, "outcomes": outcomes,
        ].merging(Self.present([
            "message": message, "error": error, "outcome": t.outcome.map { WebText.outcome($0, lang: lang) },
        ])) { a, _ in a }
        return page("ticket", values, lang: lang, status: status, cookies: cookies)
    }

    // MARK: Routes

    public func register(on router: Router<BasicRequestContext>) {
        let web = self
        router.get("/") { request, _ -> Response in
            let (lang, langCookie) = web.language(request)
            let cookies = langCookie.map { [$0] } ?? []
            guard let session = web.session(request), let principal = try await web.principal(session) else {
                return web.page("login", [:], lang: lang, cookies: cookies)
            }
            return try await web.inboxPage(principal: principal, session: session, request: request, lang: lang, cookies: cookies)
        }
        router.post("/login") { request, _ -> Response in
            let (lang, _) = web.language(request)
            let form = try await Self.form(request)
            let token = (form["token"] ?? "").trimmingCharacters(in: .whitespaces)
            var principal: Principal?
            if let admin = web.api.runtime.configuration.adminToken, !token.isEmpty,
               ConstantTime.equals(SHA256.hash(token), SHA256.hash(admin)) {
                principal = .bootstrapAdministrator
            } else if !token.isEmpty, token.count <= 512 {
                principal = try await web.api.runtime.database.withConnection { c in try RoutingStore.official(token: token, on: c) }
            }
            guard let principal else {
                return web.page("login", ["error": true], lang: lang, status: .unauthorized)
            }
            let (_, cookie) = web.sessions.issue(subject: principal.id)
            return Self.redirect("/", cookies: [cookie])
        }
        router.post("/logout") { _, _ -> Response in
            Self.redirect("/", cookies: [web.sessions.clearCookie])
        }
        router.get("/tickets/:id") { request, context -> Response in
            let (lang, langCookie) = web.language(request)
            guard let session = web.session(request), let principal = try await web.principal(session) else { return Self.redirect("/") }
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
                return web.page("notfound", [:], lang: lang, status: .notFound)
            }
            do {
                let detail = try await web.api.ticket(id: id, principal: principal, purpose: "ticket.view")
                let done = request.uri.queryParameters.get("done").flatMap(TicketAction.init(rawValue:))
                return web.ticketPage(detail, principal: principal, session: session, lang: lang,
                                      message: done.map { WebText.done($0.rawValue, lang: lang) }, cookies: langCookie.map { [$0] } ?? [])
            } catch TicketRefusal.notFound {
                return web.page("notfound", [:], lang: lang, status: .notFound)
            }
        }
        router.post("/tickets/:id/:action") { request, context -> Response in
            let (lang, _) = web.language(request)
            guard let session = web.session(request), let principal = try await web.principal(session) else { return Self.redirect("/") }
            let form = try await Self.form(request)
            guard web.sessions.isValidCSRF(session, form: form) else {
                throw APIError(.forbidden, code: "csrf", message: "the form has expired; reload the page")
            }
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)),
                  let action = context.parameters.get("action").flatMap(TicketAction.init(rawValue:)) else {
                return web.page("notfound", [:], lang: lang, status: .notFound)
            }
            func field(_ name: String) -> String? { form[name].flatMap { $0.isEmpty ? nil : $0 } }
            let body = TicketActionRequest(to: field("to"), reason: field("reason"), newDeadline: field("newDeadline"),
                                           outcome: field("outcome"), text: field("text"))
            do {
                _ = try await web.api.perform(action, id: id, request: body, principal: principal)
                return Self.redirect("/tickets/\(id.uuidString.lowercased())?done=\(action.rawValue)")
            } catch let refusal as TicketRefusal {
                let error = refusal.error
                if error.kind == .notFound { return web.page("notfound", [:], lang: lang, status: .notFound) }
                let detail = try await web.api.ticket(id: id, principal: principal, purpose: "ticket.view")
                let status: HTTPResponse.Status = error.kind == .conflict ? .conflict : (error.kind == .forbidden ? .forbidden : .unprocessableContent)
                return web.ticketPage(detail, principal: principal, session: session, lang: lang,
                                      error: WebText.error(error, lang: lang), status: status)
            }
        }
    }
}
