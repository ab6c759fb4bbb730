import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaRuntime
import HromadaWeb
import Hummingbird
import Logging

/// The centre inbox: notices for residents without email, read by the centre's librarian.
/// - `GET /v1/centres/{id}/notices?status=unread|all` and `POST /v1/centres/{id}/notices/{noticeId}/read`
///   (JSON, `Authorization: Bearer <centre key>`);
/// - `GET /centres/{id}/notices`: a printable HTML page, behind the same key given either in the
///   Authorization header or once in a login form that opens a server-side session (cookie
///   `hromada_notification`; never a key in the query). "Mark read" and sign-out are forms with
///   the session's CSRF token. The page's header (centre-header.mustache) names the centre and links
///   the librarian's form and today's appeals on intake (`HROMADA_INTAKE_URL`);
/// - `GET /centres/{id}/notices/{noticeId}/letter`: the printable answer letter of one of the centre's
///   notices of an answer (AnswerLetterPage.swift, AnswerLetters.swift).
///
/// Who is asking comes from the web kit's authenticators (`principal(bearer:)`,
/// `principal(session:)`): a valid centre key is `.centre(id)`, a live session `.librarian(centre)`.
public struct CentreRoutes: Sendable {
    let inbox: any CentreInbox
    let site: WebSite
    let clock: @Sendable () -> Date
    let logger: Logger
    /// Where the librarian's form is (`HROMADA_INTAKE_URL`): the pages' header links back to it.
    let intakeURL: PublicURL

    /// The pages this file renders (checked when the `WebSite` is built).
    public static let templates = ["centre-notices", "centre-header", "answer-letter"]

    public init(
        inbox: any CentreInbox, site: WebSite, clock: @escaping @Sendable () -> Date, logger: Logger,
        intakeURL: PublicURL = .local(port: 8080)
    ) {
        self.inbox = inbox
        self.site = site
        self.clock = clock
        self.logger = logger
        self.intakeURL = intakeURL
    }

    /// One notice as the JSON API returns it.
    public typealias Notice = CentreNotice

    public struct ReadResult: Codable, Sendable {
        public var id: UUID
        public var readAt: Date
    }

    /// Installs the kit's middlewares (errors, headers, authenticators, CSRF) and the routes.
    public func add<Context: PrincipalRequestContext>(to router: Router<Context>) {
        site.install(
            on: router,
            bearer: { token, _ in try await principal(bearer: token) },
            session: { session, _ in try await principal(session: session) })
        let signIn = signInRoutes(context: Context.self)

        router.get("/v1/centres/:centre/notices") { request, context in
            let centre = try context.parameters.require("centre")
            try requireCentreSystem(context, centre: centre)
            let status = request.uri.queryParameters.get("status") ?? "unread"
            guard status == "unread" || status == "all" else {
                throw WebError.validation([
                    FieldError(field: "status", code: "invalid_value", message: "status must be unread or all")
                ])
            }
            let list = try await inbox.notices(centre: centre, unreadOnly: status == "unread")
            return try JSON.response(LowercaseUUIDs(list))
        }
        router.post("/v1/centres/:centre/notices/:notice/read") { _, context in
            let centre = try context.parameters.require("centre")
            try requireCentreSystem(context, centre: centre)
            guard let id = UUID(uuidString: try context.parameters.require("notice")),
                let readAt = try await inbox.markRead(centre: centre, notice: id, at: clock())
            else { throw WebError.notFound("notice") }
            return try JSON.response(LowercaseUUIDs(ReadResult(id: id, readAt: readAt)))
        }

        // Pages
        router.get("/centres/:centre/notices") { request, context in
            let centre = try context.parameters.require("centre")
            guard context.principal?.centre == centre else {
                let tokenGiven = BearerAuthenticator<Context>.token(request) != nil
                return signIn.page(request, context: context, status: tokenGiven ? .unauthorized : .ok)
            }
            let all = request.uri.queryParameters.get("status") == "all"
            let list = try await inbox.notices(centre: centre, unreadOnly: !all)
            let view = noticesView(
                centre, all: all, list: list, csrf: context.session?.csrf, language: Language.of(request),
                centreName: try await inbox.centreDetails(centre: centre)?.name,
                letters: try await inbox.noticesWithLetters(centre: centre))
            return site.page("centre-notices", view, request: request)
        }
        router.get("/centres/:centre/notices/:notice/letter") { request, context in
            let centre = try context.parameters.require("centre")
            guard context.principal?.centre == centre else {
                return signIn.page(request, context: context, status: .unauthorized)
            }
            guard let id = UUID(uuidString: try context.parameters.require("notice")),
                let letter = try await inbox.answerLetter(centre: centre, notice: id)
            else { throw WebError.notFound("letter") }
            let view = letterView(letter, centre: centre, csrf: context.session?.csrf ?? "", request: request)
            return site.page("answer-letter", view, request: request)
        }
        signIn.register(on: router)
        router.post("/centres/:centre/notices/:notice/read") { _, context in
            let centre = try context.parameters.require("centre")
            guard context.principal?.centre == centre else { throw WebError.unauthorized("sign in first") }
            if let id = UUID(uuidString: try context.parameters.require("notice")) {
                _ = try await inbox.markRead(centre: centre, notice: id, at: clock())
            }
            return site.redirect(Self.noticesPath(centre))
        }
    }

    /// `GET|POST /centres/{id}/login` with the centre's key, `POST /centres/{id}/logout`: the web
    /// kit's sign-in routes. The session remembers the key's hash (see `principal(session:)`).
    func signInRoutes<Context: PrincipalRequestContext>(context: Context.Type) -> SignInRoutes<Context> {
        let inbox = self.inbox
        let logger = self.logger
        return site.signInRoutes(
            SignInForm(
                title: "centreLoginHeading", refused: "centreKeyMismatch", fields: [.init("key", label: "centreKey")]),
            signInPath: "/centres/:centre/login", signOutPath: "/centres/:centre/logout",
            home: { _, context in Self.noticesPath(context.parameters.get("centre") ?? "") },
            note: { _, context, language in
                self.site.catalogue.string("centre", language) + ": " + (context.parameters.get("centre") ?? "")
            },
            check: { attempt in
                let centre = try attempt.context.parameters.require("centre")
                let key = attempt.fields["key"] ?? ""
                guard !key.isEmpty, key.count <= 512, let hash = try await inbox.keyHash(centre: centre),
                    TokenHash.verify(token: key, hash: hash)
                else { return .refused }
                logger.info("centre signed in to its notices", metadata: ["centre.id": "\(centre)"])
                return .signedIn(subject: Self.sessionSubject(centre: centre, keyHash: hash))
            }
        )
    }

    // MARK: - Who is asking

    /// A centre key names its centre (`.centre`); an unknown or inactive key names nobody.
    func principal(bearer token: String) async throws -> Principal? {
        try await inbox.centre(keyHash: TokenHash.hash(token: token)).map { .centre(id: $0) }
    }

    /// A session is the centre's librarian while the centre's key is the one it was opened with:
    /// issuing a new key ends every session opened with the old one.
    func principal(session: WebSession) async throws -> Principal? {
        guard let (centre, hash) = Self.parseSessionSubject(session.subject),
            let current = try await inbox.keyHash(centre: centre),
            ConstantTime.equals(current, hash)
        else { return nil }
        return .librarian(centre: centre)
    }

    /// The JSON API is for the centre's own system (its key as a bearer token), not for pages.
    func requireCentreSystem(_ context: some PrincipalRequestContext, centre: String) throws {
        guard case .centre(let id)? = context.principal else { throw WebError.unauthorized() }
        guard id == centre else { throw WebError.unauthorized("the centre key does not match") }
    }

    /// `<centre>:<key hash>`.
    static func sessionSubject(centre: String, keyHash: String) -> String { "\(centre):\(keyHash)" }

    static func parseSessionSubject(_ subject: String) -> (centre: String, keyHash: String)? {
        guard let colon = subject.lastIndex(of: ":") else { return nil }
        let centre = String(subject[..<colon])
        let hash = String(subject[subject.index(after: colon)...])
        return centre.isEmpty || hash.isEmpty ? nil : (centre, hash)
    }

    // MARK: - Pages

    /// The header's links (centre-header.mustache): the form and today's appeals on intake, the
    /// notices here; the centre by its name.
    struct CentreNav: Encodable, Sendable {
        var formLink, todayLink, noticesLink, logoutAction: String
        var centreName: String
    }

    struct NoticesView: Encodable, Sendable {
        var centre: String
        var all: Bool
        var csrf: String
        var allLink: String
        var unreadLink: String
        var logoutAction: String
        var nav: CentreNav
        var notices: [NoticeView]
    }

    struct NoticeView: Encodable, Sendable {
        var id: String
        var registrationNumber: String
        var residentName: String
        var phone: String
        var language: String
        var subject: String
        var text: String
        var read: Bool
        var createdAt: String
        var readAction: String
        /// "Print the answer letter" (an answered appeal handed over at the centre).
        var letterLink: String?
    }

    func nav(_ centre: String, centreName: String?, language: Language) -> CentreNav {
        let lang = [("lang", language.rawValue)]
        return CentreNav(
            formLink: intakeURL.link(path: "/", query: lang),
            todayLink: intakeURL.link(path: "/form/today", query: lang),
            noticesLink: path(Self.noticesPath(centre), query: lang),
            logoutAction: path(Self.centrePath(centre) + "/logout"), centreName: centreName ?? centre)
    }

    func noticesView(
        _ centre: String, all: Bool, list: [CentreNotice], csrf: String?, language: Language = .uk,
        centreName: String? = nil, letters: Set<UUID> = []
    ) -> NoticesView {
        let notices = Self.noticesPath(centre)
        return NoticesView(
            centre: centreName ?? centre, all: all, csrf: csrf ?? "",
            allLink: path(notices, query: [("status", "all")]),
            unreadLink: path(notices, query: [("status", "unread")]),
            logoutAction: path(Self.centrePath(centre) + "/logout"),
            nav: nav(centre, centreName: centreName, language: language),
            notices: list.map { n in
                let id = n.id.uuidString.lowercased()
                return NoticeView(
                    id: id, registrationNumber: n.registrationNumber ?? "", residentName: n.residentName ?? "",
                    phone: n.phone ?? "", language: languageName(n.language, in: language), subject: n.subject,
                    text: n.text, read: n.readAt != nil, createdAt: PeopleDates.minute(n.createdAt, language),
                    readAction: path(notices + "/\(id)/read"),
                    letterLink: letters.contains(n.id)
                        ? path(notices + "/\(id)/letter", query: [("lang", n.language)]) : nil)
            })
    }

    /// «Українська», «Англійська» (in the page's language), not the code.
    func languageName(_ code: String, in language: Language) -> String {
        let key = "language_" + code
        let name = site.catalogue.string(key, language)
        return name == key || name.isEmpty ? code : name
    }

    /// A path within the service under the configured public URL's base path.
    func path(_ path: String, query: [(String, String)] = []) -> String {
        site.settings.publicURL.path(path, query: query)
    }

    static func centrePath(_ centre: String) -> String { "/centres/\(PublicURL.encode(centre))" }

    static func noticesPath(_ centre: String) -> String { centrePath(centre) + "/notices" }
}

/// What the centre routes need from the database: the PostgreSQL store in the service, a memory
/// inbox in the router tests.
public protocol CentreInbox: Sendable {
    /// The active centre's key hash (hex SHA-256), nil for an unknown or inactive centre.
    func keyHash(centre: String) async throws -> String?
    /// The active centre whose key hashes to `keyHash`, if any.
    func centre(keyHash: String) async throws -> String?
    /// The centre's notices, newest first.
    func notices(centre: String, unreadOnly: Bool) async throws -> [CentreNotice]
    /// Marks one of the centre's notices read (once); nil when the centre has no such notice.
    func markRead(centre: String, notice: UUID, at now: Date) async throws -> Date?
    /// The centre's name and address (nil: unknown).
    func centreDetails(centre: String) async throws -> CentreDetails?
    /// The answer letter behind one of the centre's notices (AnswerLetters.swift).
    func answerLetter(centre: String, notice: UUID) async throws -> AnswerLetter?
    /// Which of the centre's notices have an answer letter.
    func noticesWithLetters(centre: String) async throws -> Set<UUID>
}

/// Inboxes without names or letters (the router tests' memory inbox) show codes and no letters.
extension CentreInbox {
    public func centreDetails(centre: String) async throws -> CentreDetails? { nil }
    public func answerLetter(centre: String, notice: UUID) async throws -> AnswerLetter? { nil }
    public func noticesWithLetters(centre: String) async throws -> Set<UUID> { [] }
}
