// HromadaWeb — the one object a service builds to serve pages: settings, sessions, the merged
// string catalogue, templates, assets, CSRF and the middlewares, in the right order.
// How a service adopts the kit: Shared/Web/README.md.
import Foundation
import HromadaContracts
public import Hummingbird
public import Logging

/// A service's web front: build it once at start (it fails when a template, string or asset is
/// missing), then `install(on:)` its middlewares and routes, and render pages with `page(...)`.
public struct WebSite: Sendable {
    public let settings: WebSettings
    public let sessions: WebSessions
    public let catalogue: StringCatalogue
    public let templates: TemplateLibrary
    public let assets: WebAssets
    public let csrf: CSRFGuard

    /// - Parameters:
    ///   - bundle: the service's bundle (`Bundle.module`) holding `Resources/templates/<name>.mustache`
    ///     and, optionally, `Resources/strings/{uk,en}.json` and `Resources/assets/<asset>`.
    ///   - templates: every template the service renders (checked now).
    ///   - assets: the service's own files under `Resources/assets` (e.g. a script), served at `/assets/`.
    ///   - sessionStore: `PostgresSessionStore` (services) or `SignedCookieSessionStore` (console).
    public init(
        settings: WebSettings,
        bundle: Bundle,
        templates: [String],
        assets: [String] = [],
        sessionStore: any SessionStore,
        sameSite: Cookie.SameSite = .lax,
        clock: @escaping @Sendable () -> Date = Date.init
    ) throws {
        let kit = try KitResources.shared.get()
        self.settings = settings
        self.sessions = WebSessions(settings: settings, store: sessionStore, sameSite: sameSite, clock: clock)
        let serviceStrings = try? StringCatalogue.load(from: bundle)
        self.catalogue = try serviceStrings.map { try kit.catalogue.merging($0) } ?? kit.catalogue
        self.templates = try TemplateLibrary(bundle: bundle, names: templates)
        self.assets = try kit.assets.merging(WebAssets.load(from: bundle, names: assets))
        self.csrf = CSRFGuard(publicURL: settings.publicURL)
    }

    /// Adds, in this order: `WebErrorMiddleware` (pages for browsers), `SecurityHeadersMiddleware`,
    /// the bearer authenticator (when given), the `SessionAuthenticator`, `CSRFMiddleware`; and the
    /// `/assets/` routes. Call it right after `runtime.makeRouter(context: WebRequestContext.self)`,
    /// before adding any route.
    public func install<Context: PrincipalRequestContext>(
        on router: Router<Context>,
        bearer: (@Sendable (String, Context) async throws -> Principal?)? = nil,
        session principal: @escaping @Sendable (WebSession, Context) async throws -> Principal?
    ) {
        router.middlewares.add(WebErrorMiddleware<Context>())
        router.middlewares.add(SecurityHeadersMiddleware<Context>())
        if let bearer { router.middlewares.add(BearerAuthenticator<Context>(principal: bearer)) }
        router.middlewares.add(SessionAuthenticator<Context>(sessions: sessions, principal: principal))
        router.middlewares.add(CSRFMiddleware<Context>(publicURL: settings.publicURL))
        assets.addRoutes(to: router)
    }

    /// Renders `template` with `model` in the request's language; remembers a `?lang=` choice.
    public func page<Model: Encodable & Sendable>(
        _ template: String, _ model: Model, request: Request,
        status: HTTPResponse.Status = .ok, cookies: [Cookie] = []
    ) -> Response {
        let language = Language.of(request)
        let html = templates.render(model, template: template, language: language, catalogue: catalogue)
        return HTMLResponse.page(
            html, status: status, cookies: (Language.rememberCookie(request).map { [$0] } ?? []) + cookies)
    }

    /// `303` to a path of this service (`PublicURL.path`, so a base path is kept).
    public func redirect(_ path: String, query: [(String, String)] = [], cookies: [Cookie] = []) -> Response {
        HTMLResponse.redirect(settings.publicURL.path(path, query: query), cookies: cookies)
    }

    /// An absolute link for pages, receipts and emails: from the configured public URL, never `Host`.
    public func link(_ path: String, query: [(String, String)] = []) -> String {
        settings.publicURL.link(path: path, query: query)
    }

    /// Signs `subject` in: a new session and a redirect to `path` that sets its cookie.
    public func signIn(subject: String, redirectTo path: String, query: [(String, String)] = []) async throws
        -> Response
    {
        let (_, cookie) = try await sessions.start(subject: subject)
        return redirect(path, query: query, cookies: [cookie])
    }

    /// Ends the request's session (its row is deleted: the old cookie stops working) and redirects.
    public func signOut(
        _ context: some PrincipalRequestContext, redirectTo path: String,
        query: [(String, String)] = []
    ) async throws -> Response {
        let cookie = try await sessions.end(context.session)
        return redirect(path, query: query, cookies: [cookie])
    }

    /// Decodes a form body into `T` (CSRF was checked by the middleware before the route ran).
    public func form<T: Decodable>(_ type: T.Type, _ request: Request, limit: Int = WebForm.defaultLimit) async throws
        -> T
    {
        var request = request
        return try await WebForm.decode(type, from: &request, limit: limit)
    }

    /// Logs the settings operators must know about at start (see `WebSettings.logStartup`).
    public func logStartup(_ logger: Logger) { settings.logStartup(logger) }
}
