import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaRuntime
import Hummingbird
import Logging
import Mustache

/// The centre inbox: notices for residents without email, read by the centre's librarian.
/// - `GET /v1/centres/{id}/notices?status=unread|all` and `POST /v1/centres/{id}/notices/{noticeId}/read`
///   (JSON, `Authorization: Bearer <centre key>`);
/// - `GET /centres/{id}/notices`: a printable HTML page, behind the same key given either in the
///   Authorization header or once in a login form that sets a signed cookie (never in the query).
public struct CentreRoutes: Sendable {
    let inbox: any CentreInbox
    let settings: NotificationSettings
    let pages: MustacheLibrary
    let sessions: SignedSession
    let logger: Logger

    public init(inbox: any CentreInbox, settings: NotificationSettings, logger: Logger) throws {
        self.inbox = inbox
        self.settings = settings
        self.logger = logger
        self.sessions = SignedSession(
            cookieName: "hromada_centre", secret: settings.cookieSecret,
            lifetime: .seconds(Int64(settings.cookieLifetime.seconds))
        )
        let folder = NotificationTemplates.resourceFolder("pages")
        var library = MustacheLibrary()
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            try library.register(text, named: String(file.dropLast(".mustache".count)))
        }
        self.pages = library
    }

    /// One notice as the JSON API returns it.
    public typealias Notice = CentreNotice

    public struct ReadResult: Codable, Sendable {
        public var id: UUID
        public var readAt: Date
    }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/v1/centres/:centre/notices") { request, context in
            let centre = try context.parameters.require("centre")
            guard let key = BearerToken.from(request) else { throw APIError.unauthorized() }
            guard try await authenticate(centre: centre, key: key) else { throw APIError.unauthorized("the centre key does not match") }
            let status = request.uri.queryParameters.get("status") ?? "unread"
            guard status == "unread" || status == "all" else {
                throw APIError.validation([FieldError(field: "status", code: "invalid_value", message: "status must be unread or all")])
            }
            return try JSON.response(LowercaseUUIDs(try await notices(centre: centre, unreadOnly: status == "unread")))
        }
        router.post("/v1/centres/:centre/notices/:notice/read") { request, context in
            let centre = try context.parameters.require("centre")
            guard let key = BearerToken.from(request) else { throw APIError.unauthorized() }
            guard try await authenticate(centre: centre, key: key) else { throw APIError.unauthorized("the centre key does not match") }
            guard let id = UUID(uuidString: try context.parameters.require("notice")), let readAt = try await markRead(centre: centre, notice: id) else {
                throw APIError.notFound("notice")
            }
            return try JSON.response(LowercaseUUIDs(ReadResult(id: id, readAt: readAt)))
        }

        // HTML
        router.get("/centres/:centre/notices") { request, context in
            let centre = try context.parameters.require("centre")
            let language = Self.language(request)
            var response: Response
            if try await isSignedIn(request, centre: centre) {
                let all = request.uri.queryParameters.get("status") == "all"
                let list = try await notices(centre: centre, unreadOnly: !all)
                response = page("notices", language: language, context: [
                    "centre": centre, "all": all, "empty": list.isEmpty, "count": list.count,
                    "notices": list.map { n in
                        [
                            "id": n.id.uuidString.lowercased(), "registrationNumber": n.registrationNumber ?? "",
                            "residentName": n.residentName ?? "", "phone": n.phone ?? "", "language": n.language,
                            "subject": n.subject, "text": n.text, "read": n.readAt != nil,
                            "createdAt": Self.display(n.createdAt),
                        ] as [String: Any]
                    },
                ])
            } else {
                response = page("login", language: language, context: ["centre": centre, "failed": false])
                response.status = BearerToken.from(request) == nil ? .ok : .unauthorized
            }
            Self.rememberLanguage(request, &response)
            return response
        }
        router.post("/centres/:centre/login") { request, context in
            let centre = try context.parameters.require("centre")
            let language = Self.language(request)
            let form = try await FormData.read(request, limit: 4096)
            let key = form["key"] ?? ""
            guard !key.isEmpty, key.count <= 512, try await authenticate(centre: centre, key: key), let hash = try await keyHash(centre: centre) else {
                var response = page("login", language: language, context: ["centre": centre, "failed": true])
                response.status = .unauthorized
                return response
            }
            let (_, cookie) = sessions.issue(subject: Self.sessionSubject(centre: centre, keyHash: hash))
            return WebPage.redirect("/centres/\(Self.pathSafe(centre))/notices", cookies: [cookie])
        }
        router.post("/centres/:centre/logout") { _, context in
            let centre = try context.parameters.require("centre")
            return WebPage.redirect("/centres/\(Self.pathSafe(centre))/notices", cookies: [sessions.clearCookie])
        }
        router.post("/centres/:centre/notices/:notice/read") { request, context in
            let centre = try context.parameters.require("centre")
            guard try await isSignedIn(request, centre: centre) else { throw APIError.unauthorized() }
            if let id = UUID(uuidString: try context.parameters.require("notice")) { _ = try await markRead(centre: centre, notice: id) }
            return Response(status: .seeOther, headers: [.location: "/centres/\(Self.pathSafe(centre))/notices"])
        }
    }

    // MARK: - Authentication

    /// True when `key` is the active centre's key. Unknown centres compare against a dummy hash so
    /// the answer takes the same time.
    func authenticate(centre: String, key: String) async throws -> Bool {
        let hash = try await keyHash(centre: centre)
        let ok = TokenHash.verify(token: key, hash: hash ?? String(repeating: "0", count: 64))
        return ok && hash != nil
    }

    func keyHash(centre: String) async throws -> String? { try await inbox.keyHash(centre: centre) }

    /// The session names the centre and its current key's hash, so issuing a new key ends every
    /// session opened with the old one.
    static func sessionSubject(centre: String, keyHash: String) -> String { "\(centre):\(keyHash)" }

    func isSignedIn(_ request: Request, centre: String) async throws -> Bool {
        if let key = BearerToken.from(request) { return try await authenticate(centre: centre, key: key) }
        guard let session = sessions.read(request), let hash = try await keyHash(centre: centre) else { return false }
        return ConstantTime.equals(Array(session.subject.utf8), Array(Self.sessionSubject(centre: centre, keyHash: hash).utf8))
    }

    // MARK: - Data

    func notices(centre: String, unreadOnly: Bool) async throws -> [Notice] {
        try await inbox.notices(centre: centre, unreadOnly: unreadOnly)
    }

    func markRead(centre: String, notice: UUID) async throws -> Date? {
        try await inbox.markRead(centre: centre, notice: notice, at: settings.clock())
    }

    // MARK: - Pages

    func page(_ name: String, language: String, context: [String: Any]) -> Response {
        let html = pages.render(context, withTemplate: "\(name).\(language)") ?? pages.render(context, withTemplate: "\(name).uk") ?? ""
        return WebPage.html(html)
    }

    static func language(_ request: Request) -> String { WebPage.language(request).code }

    static func rememberLanguage(_ request: Request, _ response: inout Response) {
        if let cookie = WebPage.language(request).setCookie { response.headers.append(.init(name: .setCookie, value: cookie)) }
    }

    static func display(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .kyiv
        formatter.dateFormat = "dd.MM.yyyy HH:mm"
        return formatter.string(from: date)
    }

    static func pathSafe(_ centre: String) -> String {
        centre.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? "-"
    }
}

/// What the centre routes need from the database: the PostgreSQL store in the service, a memory
/// inbox in the router tests.
public protocol CentreInbox: Sendable {
    /// The active centre's key hash (hex SHA-256), nil for an unknown or inactive centre.
    func keyHash(centre: String) async throws -> String?
    /// The centre's notices, newest first.
    func notices(centre: String, unreadOnly: Bool) async throws -> [CentreNotice]
    /// Marks one of the centre's notices read (once); nil when the centre has no such notice.
    func markRead(centre: String, notice: UUID, at now: Date) async throws -> Date?
}
