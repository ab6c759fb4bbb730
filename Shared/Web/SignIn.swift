// HromadaWeb — one sign-in and sign-out for every service's pages: `GET`/`POST` of the sign-in
// path and `POST` of the sign-out path, registered by `WebSite.signInRoutes(...)` given the credential
// check. The form is the kit's `hromada-sign-in` template with the service's own labels; the
// post is throttled per client address (failures slow it down) and rate-limited in the `signIn`
// class; the kit's `CSRFMiddleware` checks its `Origin` (and the session's token when the browser
// already has one); the session is created or ended in the service's own `SessionStore`; after
// sign-in the browser goes back to the page it came from, but only to a path of this service.
// How a service adopts the kit: Shared/Web/README.md.
import Foundation
public import HromadaContracts
public import HromadaRuntime
public import Hummingbird

/// What a service's sign-in form asks for, by string-catalogue keys (the service's catalogue wins).
public struct SignInForm: Sendable {
    /// One input of the form.
    public struct Field: Sendable {
        public var name: String
        /// The catalogue key of the label.
        public var label: String
        /// `type="password"` (otherwise `text`).
        public var secret: Bool
        public var autocomplete: String

        public init(_ name: String, label: String, secret: Bool = true, autocomplete: String = "current-password") {
            self.name = name
            self.label = label
            self.secret = secret
            self.autocomplete = autocomplete
        }
    }

    /// The catalogue key of the page's title and heading.
    public var title: String
    /// The catalogue key of the message shown after a refused attempt.
    public var refused: String
    public var fields: [Field]

    public init(title: String, refused: String, fields: [Field]) {
        self.title = title
        self.refused = refused
        self.fields = fields
    }
}

/// The answer of a credential check.
public enum SignInDecision: Sendable, Equatable {
    /// Open a session for `subject` (the session authenticator maps it back to a principal).
    case signedIn(subject: String)
    case refused
}

/// One sign-in attempt as the credential check sees it.
public struct SignInAttempt<Context: PrincipalRequestContext>: Sendable {
    /// The posted fields (absent ones are empty).
    public let fields: [String: String]
    public let request: Request
    public let context: Context

    /// The value of `name`, trimmed of surrounding white space; empty when absent.
    public subscript(_ name: String) -> String {
        (fields[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The sign-in and sign-out routes of one service. Build it with `WebSite.signInRoutes(...)`, `register`
/// it on the router, and call `page(...)` wherever a page needs a signed-in user and has none.
public struct SignInRoutes<Context: PrincipalRequestContext>: Sendable {
    public typealias Check = @Sendable (SignInAttempt<Context>) async throws -> SignInDecision
    public typealias Place = @Sendable (Request, Context) -> String

    let site: WebSite
    let form: SignInForm
    /// Route patterns (`/login`, `/centres/:centre/login`); parameters are filled from the request.
    public let signInPath: String
    public let signOutPath: String
    let home: Place
    let afterSignOut: Place
    let note: (@Sendable (Request, Context, Language) -> String?)?
    let link: (@Sendable (Request, Context) async throws -> SignInDecision?)?
    let check: Check
    let addresses: ClientAddressResolver
    /// The largest sign-in form read.
    static var formLimit: Int { 8 * 1024 }

    init(
        site: WebSite, form: SignInForm, signInPath: String, signOutPath: String, home: @escaping Place,
        afterSignOut: Place?, note: (@Sendable (Request, Context, Language) -> String?)?,
        link: (@Sendable (Request, Context) async throws -> SignInDecision?)?, addresses: ClientAddressResolver,
        check: @escaping Check
    ) {
        self.site = site
        self.form = form
        self.signInPath = signInPath
        self.signOutPath = signOutPath
        self.home = home
        self.afterSignOut = afterSignOut ?? home
        self.note = note
        self.link = link
        self.addresses = addresses
        self.check = check
    }

    /// Adds `GET` and `POST` of the sign-in path (throttled per address after failures, and
    /// rate-limited in the `signIn` class) and `POST` of the sign-out path.
    public func register(on router: Router<Context>) {
        let routes = self
        router.group()
            .add(middleware: SignInThrottleMiddleware<Context>(addresses: addresses))
            .add(
                middleware: RateLimitMiddleware<Context>(.signIn, requestsPerSecond: 1, burst: 10, addresses: addresses)
            )
            .get(RouterPath(signInPath)) { request, context in try await routes.show(request, context: context) }
            .post(RouterPath(signInPath)) { request, context in try await routes.attempt(request, context: context) }
        router.post(RouterPath(signOutPath)) { request, context in
            try await routes.site.signOut(context, redirectTo: routes.afterSignOut(request, context))
        }
    }

    /// The sign-in page: after a refusal, `message` (a catalogue key; the form's `refused` by
    /// default) is shown. `next` is where a successful sign-in leads (a local path; else home).
    public func page(
        _ request: Request, context: Context, refused: Bool = false, message: String? = nil,
        status: HTTPResponse.Status = .ok, next: String? = nil
    ) -> Response {
        let language = Language.of(request)
        let text = { (key: String) in site.catalogue.string(key, language) }
        let shownMessage = message ?? (refused ? form.refused : nil)
        let view = SignInView(
            title: text(form.title), note: note?(request, context, language),
            message: shownMessage.map(text),
            action: site.settings.publicURL.path(Self.fill(signInPath, context), query: [("lang", language.rawValue)]),
            csrf: context.session?.csrf, next: next.flatMap(Self.localPath),
            fields: form.fields.map {
                SignInView.Field(
                    name: $0.name, label: text($0.label), type: $0.secret ? "password" : "text",
                    autocomplete: $0.autocomplete)
            })
        return site.page("hromada-sign-in", view, request: request, status: status)
    }

    func show(_ request: Request, context: Context) async throws -> Response {
        if let decision = try await link?(request, context) {
            return try await finish(decision, request: request, context: context, next: nil)
        }
        return page(request, context: context, next: request.uri.queryParameters.get("next").map { String($0) })
    }

    func attempt(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let fields = (try? await WebForm.fields(&request, limit: Self.formLimit)) ?? [:]
        let decision = try await check(SignInAttempt(fields: fields, request: request, context: context))
        return try await finish(decision, request: request, context: context, next: fields["next"])
    }

    func finish(_ decision: SignInDecision, request: Request, context: Context, next: String?) async throws
        -> Response
    {
        guard case .signedIn(let subject) = decision else {
            context.logger.notice("sign-in refused", metadata: ["web.path": "\(signInPath)"])
            return page(request, context: context, refused: true, status: .unauthorized, next: next)
        }
        // A session already open in this browser ends: one browser, one signed-in user.
        _ = try await site.sessions.end(context.session)
        context.logger.info("signed in", metadata: ["web.path": "\(signInPath)"])
        return try await site.signIn(
            subject: subject, redirectTo: next.flatMap(Self.localPath) ?? home(request, context))
    }

    /// `pattern` with each `:name` component replaced by the request's parameter of that name.
    static func fill(_ pattern: String, _ context: Context) -> String {
        pattern.split(separator: "/", omittingEmptySubsequences: false).map { component in
            guard component.hasPrefix(":") else { return String(component) }
            return context.parameters.get(String(component.dropFirst())).map(PublicURL.encode) ?? String(component)
        }.joined(separator: "/")
    }

    /// `path` when it is a path of this service (`/…`, not `//…`, no backslash, no control
    /// character, at most 512 characters), else nil: a sign-in never leads to another site.
    public static func localPath(_ path: String) -> String? {
        guard path.hasPrefix("/"), !path.hasPrefix("//"), path.utf8.count <= 512,
            !path.contains("\\"), !path.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7f })
        else { return nil }
        return path
    }
}

/// The model of the kit's `hromada-sign-in` template.
struct SignInView: Encodable, Sendable {
    struct Field: Encodable, Sendable {
        var name: String
        var label: String
        var type: String
        var autocomplete: String
    }
    var title: String
    var note: String?
    var message: String?
    var action: String
    var csrf: String?
    var next: String?
    var fields: [Field]
}

extension WebSite {
    /// The sign-in and sign-out routes of this site (call `register(on:)` on them).
    /// - Parameters:
    ///   - signInPath: `GET` shows the form, `POST` checks it (e.g. `/login`, `/centres/:centre/login`).
    ///   - signOutPath: `POST` ends the session (the form carries the session's CSRF token).
    ///   - home: where a sign-in without a (safe) `next` leads, e.g. `/?lang=en`.
    ///   - afterSignOut: where sign-out leads (home by default).
    ///   - note: a line under the heading (e.g. which centre).
    ///   - link: a sign-in by link (the console's one-time code): nil shows the form.
    ///   - check: the credential check; `.signedIn(subject:)` opens a session for `subject`.
    public func signInRoutes<Context: PrincipalRequestContext>(
        _ form: SignInForm, context: Context.Type = Context.self, signInPath: String, signOutPath: String,
        home: @escaping SignInRoutes<Context>.Place,
        afterSignOut: SignInRoutes<Context>.Place? = nil,
        note: (@Sendable (Request, Context, Language) -> String?)? = nil,
        link: (@Sendable (Request, Context) async throws -> SignInDecision?)? = nil,
        addresses: ClientAddressResolver = .fromProcess,
        check: @escaping SignInRoutes<Context>.Check
    ) -> SignInRoutes<Context> {
        SignInRoutes(
            site: self, form: form, signInPath: signInPath, signOutPath: signOutPath, home: home,
            afterSignOut: afterSignOut, note: note, link: link, addresses: addresses, check: check)
    }
}
