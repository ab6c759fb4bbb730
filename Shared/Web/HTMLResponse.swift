// HromadaWeb — the responses of server-rendered pages and the protective headers every page gets:
// a Content-Security-Policy without 'unsafe-inline' (scripts and styles only from the service
// itself: the kit's stylesheet and script files), no framing, no MIME sniffing, no referrer, no
// caching of pages that may show personal data. How a service adopts the kit: Shared/Web/README.md.
import Foundation
public import Hummingbird

public enum SecurityHeaders {
    /// The pages' policy: nothing inline, nothing from elsewhere.
    public static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
    ].joined(separator: "; ")

    /// Adds the headers every response of a page-serving service carries.
    public static func apply(to headers: inout HTTPFields) {
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        // `same-origin`, not `no-referrer`: under `no-referrer` Chromium sends `Origin: null` with a
        // same-origin form POST, which the CSRF origin check must refuse, so no form would work in
        // a real browser. `same-origin` still sends nothing to other sites.
        headers[.init("Referrer-Policy")!] = "same-origin"
        headers[.init("X-Frame-Options")!] = "DENY"
    }

    /// Adds the page headers (CSP included) to an HTML response.
    public static func applyPage(to headers: inout HTTPFields) {
        apply(to: &headers)
        headers[.contentSecurityPolicy] = contentSecurityPolicy
    }
}

/// Puts the protective headers on every response that lacks them (error pages, redirects, JSON):
/// add it once to a page-serving router.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        if response.headers[.init("X-Content-Type-Options")!] == nil { SecurityHeaders.apply(to: &response.headers) }
        if response.headers[.contentType]?.hasPrefix("text/html") == true,
            response.headers[.contentSecurityPolicy] == nil
        {
            response.headers[.contentSecurityPolicy] = SecurityHeaders.contentSecurityPolicy
        }
        return response
    }
}

public enum HTMLResponse {
    /// An HTML page with the page headers, `no-store`, and `cookies` set.
    public static func page(_ html: String, status: HTTPResponse.Status = .ok, cookies: [Cookie] = []) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        SecurityHeaders.applyPage(to: &headers)
        var response = Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    /// A file to save (a CSV export, an open-data file): `Content-Type: type`,
    /// `Content-Disposition: attachment; filename="<filename>"` and, unless `storable`,
    /// `Cache-Control: no-store`.
    public static func attachment(_ body: ByteBuffer, type: String, filename: String, storable: Bool = false)
        -> Response
    {
        var headers: HTTPFields = [.contentType: type, .contentDisposition: "attachment; filename=\"\(filename)\""]
        if !storable { headers[.cacheControl] = "no-store" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// `303 See Other` to `location` (a path from `PublicURL.path` or an absolute public link).
    public static func redirect(_ location: String, cookies: [Cookie] = []) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        SecurityHeaders.apply(to: &headers)
        var response = Response(status: .seeOther, headers: headers)
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }
}
