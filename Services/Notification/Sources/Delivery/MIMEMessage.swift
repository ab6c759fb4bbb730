import Foundation

/// A plain-text email as RFC 5322 / 2045 / 2047 want it: UTF-8 subject as encoded words folded
/// to short lines, a base64 body wrapped at 76 characters, CRLF line endings everywhere, and a
/// `Message-ID` that is stable per notification row (a receiving system can deduplicate a resend).
public struct MIMEMessage: Sendable, Equatable {
    public var from: String
    public var to: String
    public var subject: String
    public var body: String
    public var messageID: String
    public var date: Date

    /// The message as it goes over SMTP DATA (libcurl dot-stuffs it).
    public func rendered() -> [UInt8] {
        var lines: [String] = []
        lines.append("Date: " + Self.rfc5322Date(date))
        lines.append(Self.foldedHeader("From", mailbox: from))
        lines.append(Self.foldedHeader("To", mailbox: to))
        lines.append(Self.encodedHeader("Subject", Self.singleLine(subject)))
        lines.append("Message-ID: <\(Self.singleLine(messageID))>")
        lines.append("MIME-Version: 1.0")
        lines.append("Content-Type: text/plain; charset=UTF-8")
        lines.append("Content-Transfer-Encoding: base64")
        lines.append("Auto-Submitted: auto-generated")
        var text = lines.joined(separator: "\r\n") + "\r\n\r\n"
        text += Self.base64Lines(Array(Self.crlf(body).utf8)).joined(separator: "\r\n") + "\r\n"
        return Array(text.utf8)
    }

    // MARK: - Pieces (internal for the unit tests)

    /// RFC 5322 date, e.g. `Fri, 27 Nov 2026 12:15:30 +0200`, in Kyiv time.
    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone =
            TimeZone(identifier: "Europe/Kyiv") ?? TimeZone(identifier: "Europe/Kiev") ?? TimeZone(
                secondsFromGMT: 7200)!
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    /// Removes CR and LF (and other controls) so no value can start a header of its own.
    static func singleLine(_ value: String) -> String {
        String(
            String.UnicodeScalarView(
                value.unicodeScalars.map { scalar in
                    scalar.properties.generalCategory == .control ? " " : scalar
                }))
    }

    static func isPlainASCII(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && !value.contains("=?")
    }

    /// `Name: value` where value is ASCII and short, else RFC 2047 encoded words (`=?UTF-8?B?…?=`)
    /// of at most 45 bytes of text each, one per line, folded with CRLF + space.
    static func encodedHeader(_ name: String, _ value: String) -> String {
        if isPlainASCII(value) && name.count + 2 + value.count <= 78 {
            return "\(name): \(value)"
        }
        return "\(name): " + encodedWords(value).joined(separator: "\r\n ")
    }

    /// Splits `value` into chunks of at most 42 UTF-8 bytes (56 base64 characters, so each word is
    /// at most 68 characters and even the first line stays under 78) without cutting a character.
    static func encodedWords(_ value: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in value {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 42, !chunk.isEmpty {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty {
            words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
        }
        return words
    }

    /// `From`/`To` with an optional display name: `Name <addr>` (name encoded when not plain
    /// ASCII, quoted when it has specials) or `<addr>`.
    static func foldedHeader(_ name: String, mailbox: String) -> String {
        let mailbox = singleLine(mailbox)
        guard let address = address(in: mailbox) else { return "\(name): \(mailbox)" }
        var display = ""
        if let open = mailbox.lastIndex(of: "<") {
            display = mailbox[..<open].trimmingCharacters(in: .whitespaces)
            if display.hasPrefix("\""), display.hasSuffix("\""), display.count >= 2 {
                display = String(display.dropFirst().dropLast())
            }
        }
        if display.isEmpty { return "\(name): <\(address)>" }
        if isPlainASCII(display) {
            let specials = CharacterSet(charactersIn: "()<>[]:;@\\,.\"")
            let needsQuotes = display.unicodeScalars.contains { specials.contains($0) }
            let shown =
                needsQuotes
                ? "\""
                    + display.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    + "\"" : display
            return "\(name): \(shown) <\(address)>"
        }
        return "\(name): " + encodedWords(display).joined(separator: "\r\n ") + "\r\n <\(address)>"
    }

    /// The bare address of `Name <addr>` or `addr`; nil when it is not a plausible address.
    public static func address(in mailbox: String) -> String? {
        var candidate = mailbox.trimmingCharacters(in: .whitespaces)
        if let open = candidate.lastIndex(of: "<"), let close = candidate.lastIndex(of: ">"), open < close {
            candidate = String(candidate[candidate.index(after: open)..<close])
        }
        return isPlausibleAddress(candidate) ? candidate : nil
    }

    /// One `@`, something on both sides, no spaces, angle brackets or controls.
    public static func isPlausibleAddress(_ address: String) -> Bool { EmailAddress.isPlausible(address) }

    /// Every line break as CRLF.
    static func crlf(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
    }

    static func base64Lines(_ bytes: [UInt8]) -> [String] {
        let encoded = Data(bytes).base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }
}
