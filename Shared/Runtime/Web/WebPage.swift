import Foundation
import Hummingbird

/// Responses of the server-rendered pages, with the same protective headers everywhere: no
/// caching of pages that may show personal data, no framing, no scripts or styles from anywhere
/// but the page itself.
public enum WebPage {
    public static func html(_ html: String, status: HTTPResponse.Status = .ok, cookies: [String] = [], allowInlineScript: Bool = false) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
                + (allowInlineScript ? "script-src 'unsafe-inline'; connect-src 'self'; " : "")
                + "form-action 'self'; frame-ancestors 'none'",
            .init("X-Content-Type-Options")!: "nosniff",
            .init("X-Frame-Options")!: "DENY",
            .init("Referrer-Policy")!: "no-referrer",
        ]
        for cookie in cookies { headers.append(.init(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    public static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        for cookie in cookies { headers.append(.init(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// The page language: `?lang=uk|en` (remembered in a cookie), else the cookie, else Ukrainian.
    /// Returns the code and, when it changed, the `Set-Cookie` value to remember it.
    public static func language(_ request: Request, cookieName: String = "hromada_lang") -> (code: String, setCookie: String?) {
        if let lang = request.uri.queryParameters.get("lang"), lang == "uk" || lang == "en" {
            return (lang, "\(cookieName)=\(lang); Path=/; Max-Age=31536000; SameSite=Strict")
        }
        if let lang = request.cookies[cookieName]?.value, lang == "uk" || lang == "en" { return (lang, nil) }
        return ("uk", nil)
    }

    /// The folder of a target's Mustache templates (`Resources/templates` copied into its bundle).
    /// SwiftPM lays resource bundles out differently per platform, so every known place is tried;
    /// a missing folder is an error at start rather than empty pages later.
    public static func templatesFolder(in bundle: Bundle, containing probe: String) throws -> URL {
        let roots = [bundle.resourceURL, bundle.bundleURL].compactMap { $0 }
        let candidates = roots.flatMap { [$0.appendingPathComponent("Resources/templates"), $0.appendingPathComponent("templates")] }
        guard let folder = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent(probe).path) }) else {
            throw ConfigurationError(variable: "templates", reason: "the page templates are missing from the bundle at \(roots.map(\.path))")
        }
        return folder
    }
}
