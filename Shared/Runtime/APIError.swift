import Foundation
import HromadaAPI
import HromadaContracts
import HromadaCore
import HromadaPostgres
import Hummingbird
import Logging
import NIOCore

/// One problem with a request, as ARCHITECTURE.md fixes it: `{"field"?, "code", "message"}` (and the
/// Ukrainian message, where the service gives one). The wire type clients decode, HromadaAPI's.
public typealias FieldError = ErrorBody.Item

/// Every error a Hromada HTTP API returns outside Open311: a status and `{"errors": [...]}`.
public struct APIError: HTTPResponseError, CustomStringConvertible, Sendable {
    public var status: HTTPResponse.Status
    public var errors: [FieldError]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, errors: [FieldError], headers: HTTPFields = [:]) {
        self.status = status
        self.errors = errors
        self.headers = headers
    }

    public init(
        _ status: HTTPResponse.Status, code: String, message: String, field: String? = nil, messageUk: String? = nil
    ) {
        self.init(status, errors: [FieldError(field: field, code: code, message: message, messageUk: messageUk)])
    }

    public static func unauthorized(_ message: String = "a valid bearer token is required") -> APIError {
        let error = FieldError(
            code: "unauthorized", message: message,
            messageUk: "Потрібен дійсний токен доступу")
        return APIError(.unauthorized, errors: [error], headers: [.wwwAuthenticate: "Bearer"])
    }
    public static func forbidden(_ message: String = "this role may not do that") -> APIError {
        APIError(.forbidden, code: "forbidden", message: message, messageUk: "Недостатньо прав")
    }
    public static func notFound(_ what: String = "resource") -> APIError {
        APIError(.notFound, code: "not_found", message: "\(what) not found", messageUk: "Не знайдено")
    }
    public static func validation(_ errors: [FieldError]) -> APIError {
        APIError(.unprocessableContent, errors: errors)
    }

    public var description: String { "\(status.code) \(errors.map(\.code).joined(separator: ","))" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        let body = try JSON.encoder.encode(["errors": errors])
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Turns every error escaping a route into the `{"errors": [...]}` shape with the right status:
/// malformed JSON is 400, an oversized body 413, an unknown path 404 — and anything unexpected a
/// 500 whose body says nothing about the cause (the log has it).
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw APIError(
                error.status, headers: error.headers, errorCode: Self.code(for: error.status),
                message: error.body ?? error.status.reasonPhrase)
        } catch let error as DecodingError {
            throw APIError(.badRequest, errors: [Self.describe(error)])
        } catch is NIOTooManyBytesError {
            // `request.body.collect(upTo:)` past its limit: Hummingbird would answer a bare 413.
            throw APIError(
                .contentTooLarge, code: "payload_too_large", message: "the request body is too large",
                messageUk: "Запит завеликий")
        } catch let error as PostgresError
            where error.code == .encodingFailed || error.sqlState?.hasPrefix("22") == true
        {
            // A value the database cannot hold — a NUL character (refused before it is sent), or a
            // data exception of class 22 (out of range, bad encoding) — came from the client:
            // the client's error, not ours.
            context.logger.notice(
                "request value refused by the database", metadata: ["error": "\(error.redactedDescription)"])
            throw APIError(
                .badRequest, code: "invalid_value", message: "a value in the request cannot be stored",
                messageUk: "Значення в запиті неможливо зберегти")
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error.redactedDescription)"])
            throw APIError(
                .internalServerError, code: "internal_error",
                message: "the request could not be completed; it has been logged")
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 409: "conflict"
        case 413: "payload_too_large"
        case 415: "unsupported_media_type"
        case 429: "rate_limited"
        default: "http_\(status.code)"
        }
    }

    /// A decoding error names the field path and what was wrong with it, never the value.
    static func describe(_ error: DecodingError) -> FieldError {
        func path(_ codingPath: [any CodingKey]) -> String? {
            let p = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? nil : p.replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .required((path(context.codingPath).map { $0 + "." } ?? "") + key.stringValue)
        case .typeMismatch(let type, let context):
            return FieldError(field: path(context.codingPath), code: "invalid_type", message: "expected \(type)")
        case .valueNotFound(let type, let context):
            return FieldError(
                field: path(context.codingPath), code: "required", message: "expected \(type), found null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return FieldError(
                    code: "malformed_json", message: "the body is not valid JSON",
                    messageUk: "Тіло запиту не є коректним JSON")
            }
            return FieldError(field: path(context.codingPath), code: "invalid_value", message: "invalid value")
        @unknown default:
            return FieldError(code: "malformed_json", message: "the body could not be read")
        }
    }
}

extension FieldError {
    /// `field` is missing: the one wording, in English and Ukrainian, of a required field.
    public static func required(_ field: String) -> FieldError {
        FieldError(
            field: field, code: "required", message: "\(field) is required",
            messageUk: "Поле \(field) обовʼязкове")
    }
}

extension APIError {
    init(_ status: HTTPResponse.Status, headers: HTTPFields, errorCode: String, message: String) {
        self.init(status, errors: [FieldError(code: errorCode, message: message)], headers: headers)
    }
}

/// JSON coders with the conventions of the contracts: ISO 8601 dates with offsets.
public enum JSON {
    public static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(ISO8601.format(date))
        }
        return e
    }()
    public static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let s = try c.decode(String.self)
            guard let date = ISO8601.parse(s) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an ISO 8601 date-time")
            }
            return date
        }
        return d
    }()

    /// The request's body decoded as `T`: at most `limit` bytes (a larger body is a 413), then `decoder`.
    public static func body<T: Decodable>(_ type: T.Type, of request: Request, limit: Int) async throws -> T {
        let buffer = try await request.body.collect(upTo: limit)
        return try decoder.decode(T.self, from: Data(buffer.readableBytesView))
    }

    /// Encodes `value` as a JSON response.
    public static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:])
        throws -> Response
    {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        let body = try encoder.encode(value)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
