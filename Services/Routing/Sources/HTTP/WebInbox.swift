import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// The officials' web inbox at `GET /`, on the shared web kit: server-rendered pages from typed view
/// models (`WebPages.swift`), Ukrainian by default (`?lang=en`, remembered in a cookie), the kit's
/// stylesheet and no inline script or style. Signing in with the official's token opens a
/// server-side session (a row in routing's schema, cookie `hromada_routing`); every form posts the
/// session's CSRF token, checked by the kit before the route runs. Form handlers call the same
/// `RoutingAPI` operations as the JSON API.
public struct WebInbox: Sendable {
    let api: RoutingAPI
    let site: WebSite

    public init(api: RoutingAPI, site: WebSite) {
        self.api = api
        self.site = site
    }

    static let templateNames =
        ["header", "footer", "inbox", "ticket", "card", "notfound", "inbox-work"] + Self.inboxTemplates + [
            "ticket-photos"
        ]
        + ["ticket-place"]

    // MARK: Words

    func text(_ key: String, _ language: Language) -> String { site.catalogue.string(key, language) }

    /// A catalogue key built from a code (`status_assigned`, `outcome_resolved_positively`).
    func word(_ prefix: String, _ code: String, _ language: Language) -> String {
        let key = prefix + "_" + code.replacingOccurrences(of: "-", with: "_")
        let value = text(key, language)
        return value == key ? code : value
    }

    /// Every case of a coded list as the form's options, each named by the catalogue key
    /// `<prefix>_<code>` (the answer's outcomes, the grounds of "not considered").
    func options<Code: CaseIterable & RawRepresentable>(_: Code.Type, _ prefix: String, _ language: Language)
        -> [TicketView.Option] where Code.RawValue == String
    {
        Code.allCases.map { TicketView.Option(code: $0.rawValue, name: word(prefix, $0.rawValue, language)) }
    }

    /// A reference code's name in `language` (the code itself when the reference data lacks it).
    func authorityName(_ code: String, _ language: Language) -> String {
        Reference.authority(code: code)?.name(language) ?? code
    }

    func districtName(_ code: String, _ language: Language) -> String {
        Reference.district(code: code)?.name(language) ?? code
    }

    func benefitName(_ code: String, _ language: Language) -> String {
        Reference.benefitCategory(code: code)?.name(language) ?? code
    }

    func categoryName(_ code: String, _ language: Language) -> String {
        Reference.category(code: code)?.name(language) ?? code
    }

    /// Who did it, as a person reads it: an official's name, "the system" for the service's own
    /// steps (routing, deadline rules), never an internal id.
    func actorName(_ id: String, names: [String: String], _ language: Language) -> String {
        if let name = names[id] ?? names[id.lowercased()] { return name }
        if id.hasPrefix("hromada-") || id == "system" || id.hasPrefix("rule") { return text("actor_system", language) }
        if UUID(uuidString: id) != nil { return text("actor_unknownOfficial", language) }
        return id
    }

    /// A history note in words: the routing rule that chose the body, the answer's outcome, "signed",
    /// "drafted by <name>"; an official's own words stay as typed.
    func noteText(_ note: String?, names: [String: String], _ language: Language) -> String {
        guard let note, !note.isEmpty else { return "" }
        return note.components(separatedBy: "; ").map { part -> String in
            if part.hasPrefix("drafted by ") {
                let rest = part.dropFirst("drafted by ".count)
                let id = rest.split(separator: ":", maxSplits: 1).first.map(String.init) ?? String(rest)
                let tail = rest.dropFirst(id.count)
                return text("note_drafted_by", language) + " " + actorName(id, names: names, language) + tail
            }
            for prefix in ["routing", "outcome", "note"] {
                let worded = word(prefix, part, language)
                if worded != part { return worded }
            }
            return part
        }.joined(separator: "; ")
    }

    /// Everyone who may appear in a ticket's history, by id (names for `actorName`).
    func officialNames() async throws -> [String: String] {
        let officials = try await api.runtime.database.withConnection { c in try RoutingStore.officials(on: c) }
        return Dictionary(officials.map { ($0.id.uuidString.lowercased(), $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    /// A refusal in the page's language (the catalogue's sentence for its code, else its message).
    func refusal(_ error: RoutingError, _ language: Language) -> String {
        let key = "refusal_" + error.code
        let value = text(key, language)
        return value == key ? error.message : value
    }

    // MARK: Pages

    func ticketPage(
        _ t: TicketDetail, principal: Principal, session: WebSession, request: Request, message: String? = nil,
        error: String? = nil, status: HTTPResponse.Status = .ok, template: String = "ticket",
        names: [String: String] = [:], work: InboxTicketWork? = nil, photos: TicketPhotos? = nil
    ) -> Response {
        let language = Language.of(request)
        var names = names
        names[principal.id] = principal.name
        if let draft = t.draft { names[draft.preparedBy] = draft.preparedByName }
        func actor(_ id: String) -> String { actorName(id, names: names, language) }
        func note(_ text: String?) -> String { noteText(text, names: names, language) }
        let current = TicketStatus(rawValue: t.status) ?? .assigned
        let canWork = principal.canWork(ticketAuthority: t.authority)
        func allowed(_ action: TicketAction) -> Bool {
            (action.isReceptionAction ? principal.canReopenAndClose : canWork) && action.allowedFrom.contains(current)
        }
        let forwardTargets = Reference.authorities
            .filter {
                $0.code != t.authority
                    && !(t.appeal.kind == AppealKind.complaint.rawValue && $0.code == t.appeal.against)
            }
            .map { TicketView.Option(code: $0.code, name: $0.name(language)) }
        let history = t.history.map {
            TicketView.HistoryRow(
                at: PeopleDates.minute($0.at, language),
                action: word("action", $0.action, language), actor: actor($0.actor),
                status: word("status", $0.toStatus, language),
                authority: authorityName($0.authority, language), note: note($0.note))
        }
        let a = t.appeal
        var view = TicketView(
            id: t.id.uuidString.lowercased(), registrationNumber: t.registrationNumber,
            authority: authorityName(t.authority, language), status: word("status", t.status, language),
            priority: t.priority, deadline: PeopleDates.day(t.deadline, language), overdue: t.overdue,
            daysLeft: t.daysLeft, extended: t.extended, escalated: t.escalated,
            registeredOn: PeopleDates.day(t.registeredOn, language),
            forwardAllowedUntil: PeopleDates.day(t.forwardAllowedUntil, language), forwardWindowOpen: t.forwardAllowed,
            maxDeadline: t.maxDeadline,
            minDeadline: LocalDate(string: t.deadline)?.adding(days: 1).description ?? t.deadline,
            outcome: t.outcome.map { word("outcome", $0, language) }, answerText: t.answerText ?? "",
            appeal: TicketView.Appeal(
                kind: word("kind", a.kind, language), category: categoryName(a.category, language),
                district: a.district.map { districtName($0, language) } ?? "", subject: a.subject, text: a.text,
                authorName: a.author.fullName,
                authorAddress: a.author.address, authorEmail: a.author.email ?? "", authorPhone: a.author.phone ?? "",
                benefit: a.author.benefitCategory.map { benefitName($0, language) } ?? "",
                confidential: a.confidential,
                against: a.against.map { authorityName($0, language) },
                repeatOf: a.repeatOf.flatMap { $0.isEmpty ? nil : $0 }),
            history: history, csrf: session.csrf,
            canAccept: allowed(.accept), canForward: allowed(.forward), canExtend: allowed(.extend),
            canAnswer: allowed(.answer), canReopen: allowed(.reopen), canClose: allowed(.close),
            forwardTargets: forwardTargets,
            outcomes: options(AnswerOutcome.self, "outcome", language), message: message, error: error)
        // Instruction 348: the card names who took the appeal off control, and when (a person or a
        // named rule), and for a return or "not considered" the result recorded in the history.
        // The head's decisions (Art. 5, 8): offered to the body's head or deputy only.
        let decides = HeadRules.mayDecide(principal, forAuthority: t.authority)
        view.canReturn = decides && TicketAction.returnToAuthor.allowedFrom.contains(current)
        view.canNotConsider = decides && TicketAction.notConsidered.allowedFrom.contains(current)
        // Drafts (Art. 15, 20): an official's answer or extension waits for the head's signature.
        let signer = Ticket.signs(principal, authority: t.authority, headPersonally: t.headPersonally ?? false)
        view.draftsOnly = !signer
        view.canSign = signer && t.draft != nil && TicketAction.sign.allowedFrom.contains(current)
        view.draft = t.draft.map {
            TicketView.Draft(
                kind: word("draft", $0.kind, language), isAnswer: $0.kind == TicketDraft.Kind.answer.rawValue,
                outcome: $0.outcome.map { word("outcome", $0, language) }, text: $0.text,
                newDeadline: $0.newDeadline.map { PeopleDates.day($0, language) },
                reason: $0.reason, preparedByName: $0.preparedByName, preparedBy: $0.preparedBy,
                preparedAt: PeopleDates.minute($0.preparedAt, language))
        }
        view.headPersonally = t.headPersonally ?? false
        view.complaintTermMissed = t.complaintTermMissed.map { PeopleDates.day($0, language) }
        view.maxDeadlineText = PeopleDates.day(t.maxDeadline, language)
        view.canRestoreTerm =
            t.complaintTermMissed != nil && signer && TicketAction.restoreTerm.allowedFrom.contains(current)
        view.termsStartOn = PeopleDates.day(t.termsStartOn ?? t.registeredOn, language)
        view.canDispute = allowed(.dispute)
        if let signed = t.history.last(where: { $0.action == "answered" }) {
            view.signedBy =
                actor(signed.actor)
                + (signed.note.flatMap { $0.components(separatedBy: "; ").last }
                    .flatMap { $0.hasPrefix("drafted by ") ? " (\(note($0)))" : nil } ?? "")
        }
        view.grounds = options(NotConsideredGround.self, "ground", language)
        if let closing = t.history.last(where: { $0.toStatus == TicketStatus.closed.rawValue }) {
            view.offControlBy = actor(closing.actor)
            view.offControlAt = PeopleDates.minute(closing.at, language)
            view.resultNote = closing.note.map(note) ?? word("action", closing.action, language)
        }
        view.inbox = work
        view.photos = photos
        view.place = TicketPlaceView(t.appeal, districtName: t.appeal.district.map { districtName($0, language) })
        return Self.allowingPhotos(
            site.page(template, view, request: request, status: status), photos: photos,
            intake: api.settings.photos.intakeURL)
    }

    /// `YYYY-MM-DD HH:MM` in Kyiv.
    static func minutes(_ date: Date) -> String {
        ISO8601.format(date, in: .kyiv).prefix(16).replacingOccurrences(of: "T", with: " ")
    }

    func notFound(_ request: Request) -> Response {
        site.page("notfound", NotFoundView(), request: request, status: .notFound)
    }

    // MARK: Sign-in

    /// Who holds `token`: the bootstrap administrator or an active official.
    func principal(token: String) async throws -> Principal? {
        let token = token.trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, token.count <= 512 else { return nil }
        return try await api.principal(token: token)
    }

    /// The principal behind a session's subject, re-checked on every request (a revoked token or a
    /// removed administrator token ends the session).
    func principal(subject: String) async throws -> Principal? {
        if subject == Principal.bootstrapAdministrator.id {
            return api.runtime.configuration.adminToken == nil ? nil : .bootstrapAdministrator
        }
        guard let id = UUID(uuidString: subject) else { return nil }
        return try await api.runtime.database.withConnection { c in try RoutingStore.official(id: id, on: c) }
    }

    /// Sign-in with an official's token (or the administrator's) and sign-out: the web kit's routes.
    func signInRoutes() -> SignInRoutes<WebRequestContext> {
        let web = self
        return site.signInRoutes(
            SignInForm(title: "loginTitle", refused: "loginError", fields: [.init("token", label: "tokenLabel")]),
            signInPath: "/login", signOutPath: "/logout", home: { _, _ in "/" },
            check: { attempt in
                guard let principal = try await web.principal(token: attempt["token"]) else { return .refused }
                return .signedIn(subject: principal.id)
            })
    }

    /// The fields of a ticket form (each action uses some of them; empty means absent).
    struct ActionForm: Decodable {
        var to: String?
        var reason: String?
        var newDeadline: String?
        var outcome: String?
        var text: String?
        var ground: String?
        var learnedOn: String?

        var request: TicketActionRequest {
            func present(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
            var request = TicketActionRequest(
                to: present(to), reason: present(reason), newDeadline: present(newDeadline),
                outcome: present(outcome), text: present(text))
            request.ground = present(ground)
            request.learnedOn = present(learnedOn)
            return request
        }
    }

    /// The page's principal: only from a session (a bearer token does not open pages).
    static func signedIn(_ context: WebRequestContext) -> (Principal, WebSession)? {
        guard let session = context.session, let principal = context.principal.flatMap(Principal.init(web:)) else {
            return nil
        }
        return (principal, session)
    }

    /// Answers a request about the thing the address's `:id` names (a ticket, a group) for a
    /// signed-in official: without a session, a redirect home; with a malformed id, or one
    /// `respond` finds nothing for (`TicketRefusal.notFound`), the not-found page.
    func withSignedInId(
        _ request: Request, _ context: WebRequestContext,
        _ respond: (UUID, Principal, WebSession) async throws -> Response
    ) async throws -> Response {
        guard let (principal, session) = Self.signedIn(context) else { return site.redirect("/") }
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
            return notFound(request)
        }
        do {
            return try await respond(id, principal, session)
        } catch TicketRefusal.notFound {
            return notFound(request)
        }
    }

    // MARK: Routes

    public func register(on router: Router<WebRequestContext>) {
        let web = self
        let signIn = signInRoutes()
        router.get("/") { request, context -> Response in
            guard let (principal, session) = Self.signedIn(context) else {
                return signIn.page(request, context: context)
            }
            return try await web.inboxListPage(principal: principal, session: session, request: request)
        }
        signIn.register(on: router)
        router.get("/tickets/:id") { request, context -> Response in
            try await web.withSignedInId(request, context) { id, principal, session in
                let detail = try await web.api.ticket(id: id, principal: principal, purpose: "ticket.view")
                let principal = try await web.api.stored(principal)
                let done = request.uri.queryParameters.get("done").flatMap {
                    $0 == "draft" || $0 == "note" || $0 == "assign" ? $0 : TicketAction(rawValue: $0)?.rawValue
                }
                let language = Language.of(request)
                // A refused action came back here by post/redirect/get: its words by code (the
                // page's script refills what was typed).
                let refused = request.uri.queryParameters.get("refused").map {
                    web.refusalText(code: $0, field: request.uri.queryParameters.get("field"), language)
                }
                return web.ticketPage(
                    detail, principal: principal, session: session, request: request,
                    message: done.map { web.text("done_\($0)", language) }, error: refused,
                    names: try await web.officialNames(),
                    work: try await web.inboxWork(detail, principal: principal, csrf: session.csrf, language: language),
                    photos: try await web.ticketPhotos(detail, principal: principal))
            }
        }
        // The printable registration card (Instruction 348); the kit's print styles hide the chrome.
        router.get("/tickets/:id/card") { request, context -> Response in
            try await web.withSignedInId(request, context) { id, principal, session in
                let detail = try await web.api.ticket(id: id, principal: principal, purpose: "ticket.card")
                return web.ticketPage(
                    detail, principal: principal, session: session, request: request, template: "card",
                    names: try await web.officialNames(),
                    work: try await web.inboxWork(
                        detail, principal: principal, csrf: session.csrf, language: Language.of(request)))
            }
        }
        // The address a refused action's page was posted to, reached by its language link, a
        // refresh or Back: the ticket's own page (what was typed is kept by the page script).
        router.get("/tickets/:id/:action") { request, context -> Response in
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
                return web.notFound(request)
            }
            return web.site.redirect(
                "/tickets/\(id.uuidString.lowercased())", query: [("lang", Language.of(request).rawValue)])
        }
        router.post("/tickets/:id/:action") { request, context -> Response in
            guard let (principal, _) = Self.signedIn(context) else { return web.site.redirect("/") }
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)),
                let action = context.parameters.get("action").flatMap(TicketAction.init(rawValue:))
            else {
                return web.notFound(request)
            }
            let form = try await web.site.form(ActionForm.self, request)
            do {
                let detail = try await web.api.perform(action, id: id, request: form.request, principal: principal)
                let drafted = (action == .answer || action == .extend) && detail.draft != nil
                return web.site.redirect(
                    "/tickets/\(id.uuidString.lowercased())", query: [("done", drafted ? "draft" : action.rawValue)])
            } catch let refusal as TicketRefusal {
                let error = refusal.error
                if error.kind == .notFound { return web.notFound(request) }
                // Post/redirect/get: the refusal is shown on the ticket's own address, so a refresh
                // never sends the form again; what was typed is kept by the page's script.
                return web.site.redirect(
                    "/tickets/\(id.uuidString.lowercased())",
                    query: [("refused", error.code)] + (error.field.map { [("field", $0)] } ?? [])
                        + [("lang", Language.of(request).rawValue)])
            }
        }
        web.registerInbox(on: router)
    }
}

// MARK: Principals: the kit's and routing's

extension Principal {
    /// Routing's view of the kit's principal (nil for a kind that has no business here).
    init?(web principal: HromadaWeb.Principal) {
        switch principal {
        case .administrator:
            self = .bootstrapAdministrator
        case .official(let o):
            let role: OfficialRole =
                switch o.role {
                case .reception: .reception
                case .administrator: .administrator
                case .official: .official
                // The kit knows no deputy: a deputy signs and decides like the head, so the
                // request context carries both as `head` (routing reads the stored role anew on
                // every request through the authenticators).
                case .head: .head
                }
            self.init(id: o.id, name: o.name, role: role, authority: o.authority)
        default:
            return nil
        }
    }

    /// The kit's view of this principal (what the authenticators put into the request context).
    var web: HromadaWeb.Principal {
        if self == .bootstrapAdministrator { return .administrator }
        let role: HromadaWeb.Principal.Role =
            switch role {
            case .official: .official
            case .head, .deputy: .head
            case .reception: .reception
            case .administrator: .administrator
            }
        return .official(.init(id: id, name: name, authority: authority ?? "", role: role))
    }
}
