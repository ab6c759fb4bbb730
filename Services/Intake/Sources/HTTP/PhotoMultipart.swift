import Foundation
import HromadaRuntime
import Hummingbird

/// A `multipart/form-data` body (RFC 7578) split into its parts: the centre API's `appeal` JSON
/// with `photo` files, and the librarian's form with its `photos` input. Only the framing is read
/// here: a part's declared type and file name are kept but never trusted (photos are judged by
/// their bytes, `PhotoRules`). Bounded: at most `maxParts` parts, headers of at most 8 kB each.
struct MultipartForm: Sendable {
    struct Part: Sendable {
        var name: String
        var filename: String?
        var contentType: String?
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    var parts: [Part]

    static let maxParts = 200
    static let maxHeaderBytes = 8 * 1024

    /// The first part named `name`.
    func first(_ name: String) -> Part? { parts.first { $0.name == name } }

    /// Every part named `name`, in order.
    func all(_ name: String) -> [Part] { parts.filter { $0.name == name } }

    /// Text fields (parts without a file name), the first of a repeated name winning.
    var fields: [String: String] {
        var result: [String: String] = [:]
        for part in parts where part.filename == nil && result[part.name] == nil { result[part.name] = part.text }
        return result
    }

    /// True when the request says it is `multipart/form-data`.
    static func isMultipart(_ request: Request) -> Bool {
        request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") ?? false
    }

    /// The boundary of a `multipart/form-data; boundary=…` type (quoted or not), nil when absent or
    /// not 1–70 characters.
    static func boundary(contentType: String) -> String? {
        for parameter in splitParameters(contentType).dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let value = unquote(pair[1])
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    /// Reads the request's body (at most `limit` bytes: larger is 413) and splits it.
    static func read(_ request: Request, limit: Int) async throws -> MultipartForm {
        guard let type = request.headers[.contentType], let boundary = boundary(contentType: type) else {
            throw malformed
        }
        let buffer = try await request.body.collect(upTo: limit)
        guard let form = parse(Array(buffer: buffer), boundary: boundary) else { throw malformed }
        return form
    }

    static let malformed = APIError(
        .badRequest, code: "malformed_multipart", message: "the multipart body could not be read",
        messageUk: "Не вдалося прочитати тіло multipart")

    /// Splits `body` at `--boundary` lines; nil when the framing is broken.
    static func parse(_ body: [UInt8], boundary: String) -> MultipartForm? {
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n--\(boundary)".utf8)
        let headerEnd: [UInt8] = Array("\r\n\r\n".utf8)
        // The preamble ends at the first delimiter (at the start, or after a CRLF).
        guard var cursor = find(delimiter, in: body, from: 0) else { return nil }
        cursor += delimiter.count
        var parts: [Part] = []
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body.count >= cursor + 2, body[cursor] == UInt8(ascii: "-"), body[cursor + 1] == UInt8(ascii: "-") {
                return MultipartForm(parts: parts)
            }
            // Transport padding (spaces, tabs) may follow a delimiter.
            while cursor < body.count, body[cursor] == 0x20 || body[cursor] == 0x09 { cursor += 1 }
            guard body.count >= cursor + 2, body[cursor] == 0x0D, body[cursor + 1] == 0x0A else { return nil }
            cursor += 2
            guard parts.count < maxParts else { return nil }
            let headersEnd: Int
            if body.count >= cursor + 2, body[cursor] == 0x0D, body[cursor + 1] == 0x0A {
                headersEnd = cursor  // no headers at all
            } else {
                guard let end = find(headerEnd, in: body, from: cursor), end - cursor <= maxHeaderBytes else {
                    return nil
                }
                headersEnd = end + 2
            }
            let headerText = String(decoding: body[cursor..<headersEnd], as: UTF8.self)
            let contentStart = headersEnd + 2
            guard let contentEnd = nextDelimiter(separator, in: body, from: contentStart) else { return nil }
            guard var part = Self.part(headers: headerText) else { return nil }
            part.body = Array(body[contentStart..<contentEnd])
            parts.append(part)
            cursor = contentEnd + separator.count
        }
    }

    /// The part's name, file name and declared type from its headers; nil without a form-data name.
    static func part(headers: String) -> Part? {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in headers.components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if key == "content-type" {
                contentType = value
            } else if key == "content-disposition" {
                let pieces = splitParameters(value)
                guard pieces.first?.lowercased() == "form-data" else { return nil }
                for piece in pieces.dropFirst() {
                    let pair = piece.split(separator: "=", maxSplits: 1).map { String($0) }
                    guard pair.count == 2 else { continue }
                    let key = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
                    let value = unquote(pair[1].trimmingCharacters(in: .whitespaces))
                    if key == "name" { name = value } else if key == "filename" { filename = value }
                }
            }
        }
        guard let name else { return nil }
        return Part(name: name, filename: filename, contentType: contentType, body: [])
    }

    /// `form-data; name="a;b"; filename="x"` split at semicolons outside quotes.
    static func splitParameters(_ value: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in value {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" && quoted {
                current.append(character)
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
                current.append(character)
            } else if character == ";" && !quoted {
                pieces.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        pieces.append(current.trimmingCharacters(in: .whitespaces))
        return pieces
    }

    static func unquote(_ value: String) -> String {
        guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else { return value }
        var result = ""
        var escaped = false
        for character in value.dropFirst().dropLast() {
            if escaped || character != "\\" {
                result.append(character)
                escaped = false
            } else {
                escaped = true
            }
        }
        return result
    }

    /// The next delimiter line (`separator` then "--", or optional spaces and CRLF) at or after
    /// `start`; the same bytes followed by anything else are content (RFC 2046, 5.1.1).
    static func nextDelimiter(_ separator: [UInt8], in body: [UInt8], from start: Int) -> Int? {
        var from = start
        while let index = find(separator, in: body, from: from) {
            var after = index + separator.count
            if body.count >= after + 2, body[after] == UInt8(ascii: "-"), body[after + 1] == UInt8(ascii: "-") {
                return index
            }
            while after < body.count, body[after] == 0x20 || body[after] == 0x09 { after += 1 }
            if body.count >= after + 2, body[after] == 0x0D, body[after + 1] == 0x0A { return index }
            from = index + 1
        }
        return nil
    }

    /// The first index of `needle` in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else {
            return nil
        }
        let first = needle[0]
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pin in
                var index = start
                let last = hay.count - pin.count
                while index <= last {
                    if hay[index] == first, memcmp(hay.baseAddress! + index, pin.baseAddress!, pin.count) == 0 {
                        return index
                    }
                    index += 1
                }
                return nil
            }
        }
    }
}
