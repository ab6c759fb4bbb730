import Foundation
import XCTest

@testable import Notification

final class MIMEMessageTests: XCTestCase {
    func message(
        subject: String, body: String = "Текст\nрядок 2",
        to: String = "resident@example.org"
    ) -> String {
        let m = MIMEMessage(
            from: "Громада <no-reply@hromada.mkrada.gov.ua>", to: to, subject: subject, body: body,
            messageID: "abc@hromada", date: Date(timeIntervalSince1970: 1_795_000_000))
        return String(decoding: m.rendered(), as: UTF8.self)
    }

    func testEveryLineEndsWithCRLFAndIsShort() {
        let text = message(
            subject: String(
                repeating: "Звернення MK-2026-000123 зареєстровано ",
                count: 4))
        XCTAssertFalse(text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "bare LF found")
        XCTAssertFalse(text.replacingOccurrences(of: "\r\n", with: "").contains("\r"), "bare CR found")
        for line in text.components(separatedBy: "\r\n") {
            XCTAssertLessThanOrEqual(line.utf8.count, 78, "line too long: \(line)")
        }
        XCTAssertTrue(text.contains("\r\n\r\n"), "no blank line between headers and body")
    }

    func testHeaders() {
        let text = message(subject: "Hello")
        let headers = text.components(separatedBy: "\r\n\r\n")[0]
        XCTAssertTrue(headers.contains("Subject: Hello\r\n"))
        XCTAssertTrue(headers.contains("Message-ID: <abc@hromada>\r\n"))
        XCTAssertTrue(headers.contains("MIME-Version: 1.0\r\n"))
        XCTAssertTrue(headers.contains("Content-Type: text/plain; charset=UTF-8\r\n"))
        XCTAssertTrue(headers.contains("Content-Transfer-Encoding: base64\r\n"))
        XCTAssertTrue(headers.contains("To: <resident@example.org>\r\n"))
        XCTAssertTrue(headers.contains("From: =?UTF-8?B?"), headers)
        XCTAssertTrue(headers.contains("<no-reply@hromada.mkrada.gov.ua>"))
        // RFC 5322 date in Kyiv time (EET/EEST).
        let date = headers.components(separatedBy: "\r\n").first { $0.hasPrefix("Date: ") }
        XCTAssertNotNil(
            date?.range(
                of: #"^Date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0[23]00$"#,
                options: .regularExpression), date ?? "")
    }

    func testNonASCIISubjectIsEncodedWordsThatDecodeBack() {
        let subject =
            "Звернення MK-2026-000123 зареєстровано — «тепло» "
            + "у будинку на вулиці Потьомкінській"
        let text = message(subject: subject)
        let decoded = MIMETestDecoder.header("Subject", in: text)
        XCTAssertEqual(decoded, subject)
        let raw = MIMETestDecoder.rawHeader("Subject", in: text)!
        XCTAssertTrue(raw.contains("\r\n "), "long subject not folded")
        for word in raw.replacingOccurrences(of: "\r\n ", with: " ").dropFirst("Subject: ".count).split(separator: " ")
        {
            XCTAssertTrue(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="), String(word))
            XCTAssertLessThanOrEqual(word.count, 75, "encoded word longer than RFC 2047 allows")
        }
    }

    func testEncodedWordsNeverSplitACharacter() {
        let words = MIMEMessage.encodedWords(String(repeating: "ї😀", count: 30))
        XCTAssertGreaterThan(words.count, 1)
        for word in words {
            let base64 = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            let bytes = Data(base64Encoded: String(base64))!
            XCTAssertNotNil(String(data: bytes, encoding: .utf8), "a word holds a broken UTF-8 sequence")
        }
    }

    func testBodyIsBase64OfCRLFText() {
        let text = message(subject: "S", body: "Рядок 1\nРядок 2\n")
        XCTAssertEqual(MIMETestDecoder.body(of: text), "Рядок 1\r\nРядок 2\r\n")
        let body = text.components(separatedBy: "\r\n\r\n")[1]
        for line in body.components(separatedBy: "\r\n") where !line.isEmpty {
            XCTAssertLessThanOrEqual(line.count, 76)
        }
    }

    func testHeaderInjectionIsNeutralised() {
        let text = message(subject: "Hi\r\nBcc: victim@example.org")
        let headers = text.components(separatedBy: "\r\n\r\n")[0]
        XCTAssertFalse(headers.components(separatedBy: "\r\n").contains { $0.hasPrefix("Bcc:") })
    }

    func testAddressParsing() {
        XCTAssertEqual(
            MIMEMessage.address(in: "Hromada <no-reply@hromada.mkrada.gov.ua>"), "no-reply@hromada.mkrada.gov.ua")
        XCTAssertEqual(MIMEMessage.address(in: "a@b.c"), "a@b.c")
        XCTAssertNil(MIMEMessage.address(in: "not an address"))
        XCTAssertNil(MIMEMessage.address(in: "a@b@c"))
        XCTAssertFalse(MIMEMessage.isPlausibleAddress("a b@c.d"))
        XCTAssertFalse(MIMEMessage.isPlausibleAddress("<a@c.d>"))
    }

    func testSMTPURLParsing() throws {
        let plain = try SMTPEndpoint(url: "smtp://127.0.0.1:2525")
        XCTAssertEqual(plain.url, "smtp://127.0.0.1:2525")
        XCTAssertEqual(plain.tls, .none)
        XCTAssertNil(plain.username)
        let auth = try SMTPEndpoint(url: "smtp://us%40er:p%3Ass@mail.example:587?starttls=required")
        XCTAssertEqual(auth.url, "smtp://mail.example:587")
        XCTAssertEqual(auth.username, "us@er")
        XCTAssertEqual(auth.password, "p:ss")
        XCTAssertEqual(auth.tls, .startTLSRequired)
        let implicit = try SMTPEndpoint(url: "smtps://mail.example")
        XCTAssertEqual(implicit.url, "smtps://mail.example:465")
        XCTAssertEqual(implicit.tls, .implicit)
        XCTAssertThrowsError(try SMTPEndpoint(url: "http://mail.example"))
        XCTAssertThrowsError(try SMTPEndpoint(url: "smtp://host?starttls=maybe"))
    }

    func testFailureClassification() {
        XCTAssertEqual(
            SMTPTransport.classify(curlCode: 55, smtpCode: 554, reason: "554 5.7.1 Rejected"),
            .permanent(reason: "554 5.7.1 Rejected"))
        XCTAssertEqual(
            SMTPTransport.classify(curlCode: 55, smtpCode: 451, reason: "451 4.3.0 Temporary failure"),
            .temporary(reason: "451 4.3.0 Temporary failure"))
        XCTAssertEqual(
            SMTPTransport.classify(curlCode: 7, smtpCode: 0, reason: "curl 7: connection refused"),
            .temporary(reason: "curl 7: connection refused"))
    }

    func testRetryDelaysGrowAndRepeatTheLast() {
        let settings = NotificationSettings(retryDelays: [.seconds(2), .seconds(10), .seconds(60)])
        XCTAssertEqual(settings.delay(afterAttempts: 1), .seconds(2))
        XCTAssertEqual(settings.delay(afterAttempts: 2), .seconds(10))
        XCTAssertEqual(settings.delay(afterAttempts: 3), .seconds(60))
        XCTAssertEqual(settings.delay(afterAttempts: 9), .seconds(60))
    }
}

/// Decodes what the tests need of a MIME message: unfolded headers with RFC 2047 words, base64 body.
enum MIMETestDecoder {
    static func rawHeader(_ name: String, in message: String) -> String? {
        let head = message.components(separatedBy: "\r\n\r\n")[0]
        var result: String?
        for line in head.components(separatedBy: "\r\n") {
            if line.hasPrefix(" ") || line.hasPrefix("\t") {
                if result != nil { result! += "\r\n" + line }
            } else if result != nil {
                break
            } else if line.lowercased().hasPrefix(name.lowercased() + ":") {
                result = line
            }
        }
        return result
    }

    static func header(_ name: String, in message: String) -> String? {
        guard let raw = rawHeader(name, in: message) else { return nil }
        let value = raw.dropFirst(name.count + 1).replacingOccurrences(of: "\r\n", with: "").trimmingCharacters(
            in: .whitespaces)
        let tokens = value.split(separator: " ", omittingEmptySubsequences: true)
        guard tokens.allSatisfy({ $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") }) else { return value }
        var bytes = Data()
        for token in tokens {
            let base64 = token.dropFirst("=?UTF-8?B?".count).dropLast(2)
            guard let chunk = Data(base64Encoded: String(base64)) else { return nil }
            bytes += chunk
        }
        return String(data: bytes, encoding: .utf8)
    }

    static func body(of message: String) -> String? {
        guard let range = message.range(of: "\r\n\r\n") else { return nil }
        let base64 = message[range.upperBound...].replacingOccurrences(of: "\r\n", with: "")
        guard let data = Data(base64Encoded: base64) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
