import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import HromadaWeb
import Logging
import XCTest

@testable import Notification

/// Issue 14, "the librarian's day", against the real PostgreSQL and RabbitMQ: the centre's notices
/// page names the centre and the language (not codes), links back to the librarian's form at the
/// configured address, and offers the answer letter for an answered appeal handed over at the
/// centre; the letter carries the answer, the number and the law, only for the centre's own notice,
/// and erasing the appeal clears it.
final class AnswerLetterIntegrationTests: XCTestCase {
    struct Fixture {
        let harness: ServiceHarness
        let client: AMQPClient
        let database: PostgresClient
    }

    static let keyA = "centre-key-A-for-letters-0123456789"
    static let keyB = "centre-key-B-for-letters-0123456789"

    func start() async throws -> Fixture {
        let (servers, database) = try await ServiceTestServers.notification(
            for: self, label: "test.notification.letters")
        var settings = NotificationSettings(smtpURL: "smtp://127.0.0.1:9", pollInterval: .milliseconds(200))
        settings.intakeURL = try PublicURL("https://form.example.test")
        let harness = try await startNotificationService(
            db: servers.db, broker: servers.broker, settings: settings, logger: servers.logger, prefetch: 20)
        return Fixture(harness: harness, client: servers.client, database: database)
    }

    func publish<E: DomainEvent>(_ event: E, correlation: UUID = UUID(), via client: AMQPClient) async throws {
        let envelope = try Envelope(
            event: event, correlationId: correlation, causationId: nil,
            producer: Producers.producers(of: E.eventType).sorted().first ?? "hromada-test")
        try await client.publish([AMQPOutgoingMessage(publishing: envelope)])
    }

    func registered(
        _ number: String, language: Language, name: String, confidential: Bool = false
    ) -> AppealRegistered {
        sampleRegistration(
            number, name: name, address: "вул. Нікольська, 20, кв. 7", email: nil,
            phone: "+380501112233",
            language: language, centre: "cog-a", kind: .application, confidential: confidential)
    }

    func page(_ f: Fixture, _ path: String, key: String = keyA) async throws -> ServiceHarness.Response {
        try await f.harness.request("GET", path, headers: ["Authorization": "Bearer \(key)"])
    }

    func testTheAnswerLetterCarriesTheAnswerNumberAndLawForTheCentresOwnNoticeAndErasureClearsIt() async throws {
        let f = try await start()
        let centres = [
            ("cog-a", "ЦОГ Центральної бібліотеки", Self.keyA),
            (
                "cog-b",
                "ЦОГ Північний", Self.keyB
            ),
        ]
        for (id, name, key) in centres {
            try await publish(
                CentreUpdated(
                    centreId: id, name: name, address: "вул. Потьомкінська, 143а",
                    keyHash: TokenHash.hash(token: key),
                    active: true, updatedAt: Date()), via: f.client)
        }
        let official = UUID()
        try await publish(
            OfficialUpdated(
                officialId: official, name: "Ірина Бондар", authority: "zhkg", role: .official, active: true,
                updatedAt: Date()), via: f.client)
        let appeal = registered("MK-2026-000777", language: .uk, name: "Марія Коваль")
        try await publish(appeal, correlation: appeal.appealId, via: f.client)
        let english = registered("MK-2026-000778", language: .en, name: "John Smith")
        try await publish(english, correlation: english.appealId, via: f.client)
        let secret = registered("MK-2026-000779", language: .uk, name: "Таємна Особа", confidential: true)
        try await publish(secret, correlation: secret.appealId, via: f.client)
        let answerText =
            "Теплопостачання відновлено 2 грудня.\n"
            + "Перерахунок плати зроблено за весь тиждень."
        for (a, text) in [(appeal, answerText), (secret, "Конфіденційна відповідь")] {
            let answered = TicketAnswered(
                ticketId: UUID(), appealId: a.appealId, registrationNumber: a.registrationNumber, authority: "zhkg",
                officialId: official.uuidString.lowercased(), outcome: .refused, answerText: text, answeredAt: Date())
            try await publish(answered, correlation: a.appealId, via: f.client)
        }

        var html = ""
        let arrived = await eventually(timeout: .seconds(20)) {
            let response = try? await self.page(f, "/centres/cog-a/notices?status=all&lang=uk")
            guard let response else { return false }
            html = response.text
            return html.components(separatedBy: "<article").count - 1 == 5
        }
        XCTAssertTrue(arrived, "five notices: three registrations, two answers\n\(html.prefix(3000))")
        // Names, not codes (defect 17); the shared header with links back to the form.
        XCTAssertTrue(
            html.contains("id=\"centre-name\">ЦОГ Центральної бібліотеки<"),
            String(html.prefix(1500)))
        XCTAssertTrue(html.contains("<dd>Англійська</dd>") && html.contains("<dd>Українська</dd>"))
        XCTAssertFalse(html.contains("<dd>en</dd>") || html.contains("<dd>uk</dd>"))
        XCTAssertTrue(html.contains("href=\"https://form.example.test/?lang=uk\""), "the form, at intake's address")
        XCTAssertTrue(html.contains("href=\"https://form.example.test/form/today?lang=uk\""))
        XCTAssertTrue(html.contains("class=\"skip\" href=\"#main\""))
        // One letter: the answered, not confidential appeal.
        let links = html.components(separatedBy: "class=\"letter-link\" href=\"").dropFirst()
            .compactMap { $0.split(separator: "\"").first.map(String.init) }
        XCTAssertEqual(links.count, 1, "\(links)")
        let link = try XCTUnwrap(links.first).replacingOccurrences(of: "&amp;", with: "&")

        let letter = try await page(f, link)
        XCTAssertEqual(letter.status, 200, letter.text)
        let text = letter.text
        for expected in [
            "MK-2026-000777", "Марія Коваль", "вул. Нікольська, 20, кв. 7",
            "ЦОГ Центральної бібліотеки",
            "Перерахунок плати зроблено за весь тиждень.",
            "Ірина Бондар", "статей 15 і 20",
            "статті 16, 17", "«Про звернення громадян»", "відмовлено",
        ] {
            XCTAssertTrue(text.contains(expected), "the letter shows \(expected)")
        }
        let authority = try XCTUnwrap(Reference.body(code: "zhkg")?.nameUk)
        XCTAssertTrue(text.contains("id=\"letter-authority\">\(authority)<"), "the answering body by name")
        XCTAssertTrue(text.contains("id=\"answer-outcome\">відмовлено<"))
        XCTAssertTrue(text.contains("стаття 15"), "a refusal says how to appeal it")

        // Only the centre's own: another centre's key, or the same notice under another centre.
        let noticeId = try XCTUnwrap(link.components(separatedBy: "/notices/").last?.components(separatedBy: "/").first)
        let foreign = try await page(f, link, key: Self.keyB)
        XCTAssertEqual(foreign.status, 401)
        XCTAssertFalse(foreign.text.contains("Перерахунок"))
        let elsewhere = try await page(f, "/centres/cog-b/notices/\(noticeId)/letter", key: Self.keyB)
        XCTAssertEqual(elsewhere.status, 404)
        XCTAssertFalse(elsewhere.text.contains("Перерахунок"))

        // Erasure clears the letter and the address.
        try await publish(
            AppealPersonalDataErased(
                appealId: appeal.appealId, registrationNumber: appeal.registrationNumber, trigger: .administrator,
                erasedBy: "admin", erasedAt: Date()), correlation: appeal.appealId, via: f.client)
        let erased = await eventually(timeout: .seconds(20)) {
            (try? await self.page(f, link).status) == 404
        }
        XCTAssertTrue(erased, "the letter is gone after erasure")
        let rows = try await f.database.count(
            "SELECT count(*)::int FROM answer_letters WHERE appeal_id = \(appeal.appealId)")
        XCTAssertEqual(rows, 0)
        let addresses = try await f.database.count(
            "SELECT count(*)::int FROM recipients WHERE address LIKE '%Нікольська%'")
        XCTAssertEqual(addresses, 2, "the other two residents keep theirs")
    }
}
