// HromadaWeb — one form decoder: `application/x-www-form-urlencoded` bodies into `Decodable`
// structs through Hummingbird's `URLEncodedFormDecoder`. A field that cannot be read is a 422 naming
// the field, never a crash. How a service adopts the kit: Shared/Web/README.md.
import Foundation
import HromadaRuntime
public import Hummingbird

public enum WebForm {
    /// The largest form body read by default (larger is 413).
    public static let defaultLimit = 64 * 1024

    /// Decodes the request's form body into `T`. The body stays readable afterwards.
    /// Missing optional fields are nil; a checkbox is a `Bool` when its value is `true`.
    public static func decode<T: Decodable>(
        _ type: T.Type, from request: inout Request, limit: Int = defaultLimit
    ) async throws -> T {
        let text = try await body(&request, limit: limit)
        return try decode(type, from: text)
    }

    /// Decodes a form-encoded string (a body or a query) into `T`.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        do {
            return try URLEncodedFormDecoder().decode(type, from: text)
        } catch let error as DecodingError {
            throw WebError(.unprocessableContent, errors: [describe(error)])
        } catch let error as WebError {
            throw error
        } catch {
            throw WebError(
                .badRequest, code: "malformed_form", message: "the form could not be read",
                messageUk: "Не вдалося прочитати форму")
        }
    }

    /// Every field of the form body, the first value of a repeated key winning.
    public static func fields(_ request: inout Request, limit: Int = defaultLimit) async throws -> [String: String] {
        let text = try await body(&request, limit: limit)
        var result: [String: String] = [:]
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decodeComponent(pair[0])
            if result[key] == nil { result[key] = pair.count > 1 ? decodeComponent(pair[1]) : "" }
        }
        return result
    }

    /// True for `application/x-www-form-urlencoded` and `multipart/form-data` bodies.
    public static func isForm(_ request: Request) -> Bool {
        guard let type = request.headers[.contentType]?.lowercased() else { return false }
        return type.hasPrefix("application/x-www-form-urlencoded") || type.hasPrefix("multipart/form-data")
    }

    public static func isURLEncoded(_ request: Request) -> Bool {
        request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false
    }

    /// The body as text, buffered so that later readers see it too.
    static func body(_ request: inout Request, limit: Int) async throws -> String {
        let buffer = try await request.collectBody(upTo: limit)
        return String(buffer: buffer)
    }

    /// Names the field and what was wrong, never the value.
    static func describe(_ error: DecodingError) -> FieldError {
        func path(_ codingPath: [any CodingKey]) -> String? {
            let joined = codingPath.map(\.stringValue).joined(separator: ".")
            return joined.isEmpty ? nil : joined
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = (path(context.codingPath).map { $0 + "." } ?? "") + key.stringValue
            return FieldError(
                field: field, code: "required", message: "\(field) is required",
                messageUk: "Поле \(field) обовʼязкове")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return FieldError(
                field: path(context.codingPath), code: "invalid_value", message: "invalid value",
                messageUk: "Неприпустиме значення")
        @unknown default:
            return FieldError(
                code: "malformed_form", message: "the form could not be read",
                messageUk: "Не вдалося прочитати форму")
        }
    }

    static func decodeComponent(_ s: Substring) -> String {
        let replaced = s.replacingOccurrences(of: "+", with: " ")
        return replaced.removingPercentEncoding ?? replaced
    }
}
