// HromadaWeb — one CSRF defence for every state-changing form: a synchronizer token bound to the
// session (`WebSession.csrf`, posted back in the hidden field `csrf`) compared in constant time,
// plus a same-origin check of `Origin` (or `Referer`) against the configured public URL.
// `CSRFMiddleware` applies both to every form POST/PUT/PATCH/DELETE of the routes it guards.
// How a service adopts the kit: Shared/Web/README.md.
import Foundation
import HromadaCrypto
public import Hummingbird

/// The checks, usable on their own or through `CSRFMiddleware`.
public struct CSRFGuard: Sendable {
    /// The hidden field's name: `<input type="hidden" name="csrf" value="{{csrf}}">`.
    public static let field = "csrf"
    public let publicURL: PublicURL

    public init(publicURL: PublicURL) { self.publicURL = publicURL }

    /// Refuses a request whose `Origin` (or, without one, `Referer`) names another site. A request
    /// with neither (an old browser, a script) is left to the token check.
    public func checkOrigin(_ request: Request) throws {
        if let origin = request.headers[.origin] {
            guard origin == publicURL.origin else { throw WebError.csrf() }
            return
        }
        if let referer = request.headers[.referer] {
            guard referer == publicURL.origin || referer.hasPrefix(publicURL.origin + "/") else {
                throw WebError.csrf()
            }
        }
    }

    /// Refuses a posted token that is missing or is not `session`'s.
    public func checkToken(_ posted: String?, session: WebSession) throws {
        guard let posted, !posted.isEmpty, ConstantTime.equals(posted, session.csrf) else { throw WebError.csrf() }
    }
}

/// Guards the form posts of the routes it is added to: a same-origin check on every unsafe method,
/// and, when the request has a session, the session's token in the form's `csrf` field. Forms
/// posted without a session (sign-in) pass the origin check only; their handlers require no session.
/// JSON requests are not forms (a browser cannot attach the bearer token they need) and pass.
public struct CSRFMiddleware<Context: PrincipalRequestContext>: RouterMiddleware {
    let guardian: CSRFGuard
    let limit: Int

    public init(publicURL: PublicURL, bodyLimit: Int = WebForm.defaultLimit) {
        self.guardian = CSRFGuard(publicURL: publicURL)
        self.limit = bodyLimit
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard [.post, .put, .patch, .delete].contains(request.method), WebForm.isForm(request) else {
            return try await next(request, context)
        }
        try guardian.checkOrigin(request)
        var request = request
        // A multipart body (an upload) is not parsed here: its handler calls `CSRFGuard.checkToken`.
        if let session = context.session, WebForm.isURLEncoded(request) {
            let fields = try await WebForm.fields(&request, limit: limit)
            try guardian.checkToken(fields[CSRFGuard.field], session: session)
        }
        return try await next(request, context)
    }
}
