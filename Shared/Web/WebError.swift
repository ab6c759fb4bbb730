// HromadaWeb — errors that render themselves: JSON `{"errors":[{field?,code,message}]}` for API
// clients (the shape ARCHITECTURE.md fixes, byte for byte what `APIError` answers) and an HTML page
// for browsers (`Accept: text/html`). `WebErrorMiddleware` turns every error escaping a route into
// one, so a browser never sees raw JSON. Messages come from codes, never from request values.
// How a service adopts the kit: Shared/Web/README.md.
import Foundation
public import HromadaRuntime
public import Hummingbird

/// An HTTP error of any Hromada service or page: the runtime's `APIError` (status, field errors,
/// headers) that also knows how to be a page.
public struct WebError: HTTPResponseError, CustomStringConvertible, Sendable {
    /// The error as the JSON API answers it.
    public var apiError: APIError

    public var status: HTTPResponse.Status { apiError.status }
    public var errors: [FieldError] { apiError.errors }
    public var headers: HTTPFields { apiError.headers }

    public init(_ error: APIError) { self.apiError = error }

    public init(_ status: HTTPResponse.Status, errors: [FieldError], headers: HTTPFields = [:]) {
        self.init(APIError(status, errors: errors, headers: headers))
    }

    public init(
        _ status: HTTPResponse.Status, code: String, message: String, field: String? = nil, messageUk: String? = nil
    ) {
        self.init(APIError(status, code: code, message: message, field: field, messageUk: messageUk))
    }

    public static func unauthorized(_ message: String = "a valid bearer token is required") -> WebError {
        WebError(APIError.unauthorized(message))
    }
    public static func forbidden(_ message: String = "this role may not do that") -> WebError {
        WebError(APIError.forbidden(message))
    }
    public static func notFound(_ what: String = "resource") -> WebError { WebError(APIError.notFound(what)) }
    public static func validation(_ errors: [FieldError]) -> WebError {
        WebError(.unprocessableContent, errors: errors)
    }
    /// A state-changing form without this session's token, or posted from another origin.
    public static func csrf() -> WebError {
        WebError(
            .forbidden, code: "csrf", message: "the form has expired or came from another site; reload the page",
            messageUk: "Форма застаріла або надіслана з іншого сайту; "
                + "оновіть сторінку")
    }

    public var description: String { "\(status.code) \(errors.map(\.code).joined(separator: ","))" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        guard ContentNegotiation.prefersHTML(request) else {
            return try apiError.response(from: request, context: context)
        }
        let language = WebLanguage.of(request)
        let page = ErrorPageModel(status: status, errors: errors, language: language, catalogue: KitResources.catalogue)
        let html =
            KitResources.templates?.render(
                page, template: "error", language: language, catalogue: KitResources.catalogue)
            ?? "<!DOCTYPE html><title>\(status.code)</title><h1>\(status.code)</h1>"
        var response = HTMLResponse.page(html, status: status)
        for field in headers where field.name != .contentType { response.headers.append(field) }
        return response
    }
}

/// What the error page shows: the status's title and the errors' messages in the page's language.
struct ErrorPageModel: Encodable, Sendable {
    struct Item: Encodable, Sendable {
        var field: String?
        var message: String
    }
    var status: Int
    var title: String
    var explanation: String
    var items: [Item]
    var hasItems: Bool

    init(status: HTTPResponse.Status, errors: [FieldError], language: WebLanguage, catalogue: StringCatalogue) {
        let strings = catalogue.strings(language)
        self.status = status.code
        self.title = strings["error_\(status.code)_title"] ?? strings["error_title"] ?? "Error"
        self.explanation = strings["error_\(status.code)_text"] ?? strings["error_text"] ?? ""
        self.items = errors.map { error in
            let message = (language == .uk ? error.messageUk : nil) ?? error.message
            return Item(field: error.field, message: message)
        }
        self.hasItems = !items.isEmpty
    }
}

/// Reading `Accept`.
public enum ContentNegotiation {
    /// True when the client asks for an HTML page before JSON: a browser's navigation
    /// (`text/html,…,*/*;q=0.8`). `*/*` alone, JSON, XML or no `Accept` at all mean an API client.
    public static func prefersHTML(_ request: Request) -> Bool {
        guard let accept = request.headers[values: .accept].joined(separator: ",").nonEmpty else { return false }
        var html = 0.0
        var json = 0.0
        for part in accept.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let type = pieces.first else { continue }
            var quality = 1.0
            for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            switch type {
            case "text/html", "application/xhtml+xml": html = max(html, quality)
            case "application/json", "application/problem+json": json = max(json, quality)
            default: break
            }
        }
        return html > 0 && html >= json
    }
}

/// Turns every error escaping a route into a `WebError` (so browsers get a page), using the
/// runtime's `ErrorMiddleware` to decide the status and the JSON body exactly as before: malformed
/// JSON 400, oversized body 413, a value the database refuses 400, anything unexpected a 500 that
/// says nothing of its cause. Another `HTTPResponseError` (e.g. Open311's own format) is left as it is
/// for API clients and becomes a page for browsers.
///
/// Add it after `runtime.makeRouter(...)`, i.e. inside the runtime's `ErrorMiddleware`.
public struct WebErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as WebError {
            throw error
        } catch {
            throw await Self.normalise(error, request: request, context: context)
        }
    }

    /// The runtime's classification of `error` (its `ErrorMiddleware`), as a `WebError` when it is
    /// one of the JSON API's errors.
    static func normalise(_ error: any Error, request: Request, context: Context) async -> any Error {
        do {
            _ = try await ErrorMiddleware<Context>().handle(request, context: context) { _, _ in throw error }
            return error
        } catch let apiError as APIError {
            return WebError(apiError)
        } catch let other as any HTTPResponseError {
            guard ContentNegotiation.prefersHTML(request) else { return other }
            let code = other.status.code == 404 ? "not_found" : "http_\(other.status.code)"
            return WebError(other.status, code: code, message: other.status.reasonPhrase)
        } catch {
            return error
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
