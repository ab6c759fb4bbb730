import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import Notification

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The SMS channel end to end against real PostgreSQL, RabbitMQ and a real Kannel (bearerbox,
/// smsbox, fakesmsc): `appeal.registered` in over AMQP, the exact SMS out at fakesmsc, Kannel's
/// delivery report back over HTTP, `notification.*` on the broker.
final class SMSIntegrationTests: XCTestCase {
    static let observeQueue = "test.sms-notification-events"
    static let trackingURL = "https://hromada.mkrada.gov.ua/track"

    struct Stack {
        let servers: ServiceTestServers
        let database: PostgresClient
        let gateway: TestSMSGateway
        let mail: SMTPSink
        /// The service's HTTP port, fixed so the report URL Kannel is given stays right across restarts.
        let port: Int
    }

    func makeStack() async throws -> Stack {
        try IntegrationEnvironment.requireServers()
        let gateway = try TestSMSGateway.start()
        let mail = try SMTPSink.start()
        addTeardownBlock {
            gateway.stop()
            mail.stop()
        }
        let (servers, database) = try await ServiceTestServers.notification(for: self, label: "test.sms")
        try await servers.client.observeNotificationEvents(on: Self.observeQueue)
        return Stack(
            servers: servers, database: database, gateway: gateway, mail: mail,
            port: try IntegrationEnvironment.freeLoopbackPort())
    }

    /// One notification service on the stack (a second call after `stop()` is a restart).
    func startService(_ stack: Stack, retryDelays: [Duration] = [.milliseconds(300)]) async throws -> ServiceHarness {
        var settings = NotificationSettings(
            smtpURL: stack.mail.url, retryDelays: retryDelays, maxAttempts: 20, lease: .seconds(30),
            pollInterval: .milliseconds(200), smtpConnectTimeoutSeconds: 5, smtpTimeoutSeconds: 15,
            trackingURL: Self.trackingURL)
        settings.smsURL = stack.gateway.url
        settings.smsReportURL = "http://127.0.0.1:\(stack.port)\(SMSReportLinks.path)"
        return try await startNotificationService(
            db: stack.servers.db, broker: stack.servers.broker, settings: settings, logger: stack.servers.logger,
            port: stack.port)
    }

    func publish(_ envelope: Envelope, _ stack: Stack) async throws {
        try await stack.servers.client.publish([AMQPOutgoingMessage(publishing: envelope)])
    }

    func registered(
        _ number: String, email: String? = nil, phone: String? = "+380671234567", language: Language = .uk,
        notifyBy: String? = nil
    ) throws -> Envelope {
        let event = sampleRegistration(
            number, email: email, phone: phone, language: language, notifyBy: notifyBy, centre: "cog-a")
        return try Envelope(
            event: event, correlationId: event.appealId, causationId: nil,
            producer: Producers.producers(of: AppealRegistered.eventType).sorted().first ?? "hromada-intake")
    }

    struct Row {
        let id: UUID
        let channel: String
        let status: String
        let attempts: Int
        let address: String?
        let report: String?
        let lastError: String?
    }

    func rows(_ stack: Stack) async throws -> [Row] {
        try await stack.database.withConnection { connection in
            try connection.query(
                """
                SELECT id, channel, status, attempts, address, sms_report, last_error FROM deliveries
                ORDER BY created_at, id
                """
            ).map {
                Row(
                    id: try $0.decode(0), channel: try $0.decode(1), status: try $0.decode(2),
                    attempts: try $0.decode(3),
                    address: try $0.decode(4, as: String?.self), report: try $0.decode(5, as: String?.self),
                    lastError: try $0.decode(6, as: String?.self))
            }
        }
    }

    func observed(_ stack: Stack) async throws -> [Envelope] {
        try await stack.servers.client.takeEnvelopes(from: Self.observeQueue)
    }

    func smsCount(_ stack: Stack) -> Int { (try? stack.gateway.messages().count) ?? -1 }

    // MARK: - A phone and no email: the exact SMS arrives, and the report marks it delivered

    func testPhoneWithoutEmailGetsTheExactSMSAndTheReportMarksItDelivered() async throws {
        let stack = try await makeStack()
        _ = try await startService(stack)
        let event = try registered("MK-2026-000901")
        try await publish(event, stack)

        let arrived = await eventually(timeout: .seconds(20)) { self.smsCount(stack) == 1 }
        XCTAssertTrue(arrived, "one SMS expected at fakesmsc")
        let sms = try XCTUnwrap(try stack.gateway.messages().first)
        XCTAssertEqual(sms.to, "+380671234567")
        XCTAssertEqual(
            sms.text,
            "Звернення MK-2026-000901 зареєстровано. Стан розгляду: "
                + "https://hromada.mkrada.gov.ua/track?number=MK-2026-000901"
        )
        XCTAssertEqual(sms.parts, 2, "UCS-2, more than 70 characters: two concatenated segments")

        // fakesmsc's SMSC reports "at the SMSC" (8) and "delivered" (1); the row ends delivered.
        let delivered = await eventually(timeout: .seconds(15)) {
            (try? await self.rows(stack).first?.report) == "delivered"
        }
        XCTAssertTrue(delivered, "the delivery report must mark it delivered")
        let firstRows = try await rows(stack)
        let row = try XCTUnwrap(firstRows.first)
        XCTAssertEqual(row.channel, "sms")
        XCTAssertEqual(row.status, "sent")
        XCTAssertEqual(row.attempts, 1)
        XCTAssertEqual(row.address, "+380671234567")
        XCTAssertEqual(firstRows.count, 1, "an SMS instead of the centre's notice, not both")

        var seen: [Envelope] = []
        let announced = await eventually(timeout: .seconds(15)) {
            seen += (try? await self.observed(stack)) ?? []
            return seen.contains { $0.type == NotificationSent.eventType }
        }
        XCTAssertTrue(announced)
        let sent = try XCTUnwrap(seen.first { $0.type == NotificationSent.eventType }).decode(NotificationSent.self)
        XCTAssertEqual(sent.channel, .sms)
        XCTAssertEqual(sent.recipientKind, .resident)
        XCTAssertEqual(sent.sourceEventId, event.id)
        XCTAssertFalse(seen.contains { $0.type == NotificationFailed.eventType })
    }

    // MARK: - Who can fake a report? Nobody without the signature

    func testForgedReportsAreRefusedAndAnUndeliveredOneFailsTheNotice() async throws {
        let stack = try await makeStack()
        let harness = try await startService(stack)
        try await publish(try registered("MK-2026-000902"), stack)
        let delivered = await eventually(timeout: .seconds(25)) {
            (try? await self.rows(stack).first?.report) == "delivered"
        }
        XCTAssertTrue(delivered)
        let firstRows = try await rows(stack)
        let row = try XCTUnwrap(firstRows.first)
        let links = SMSReportLinks(gatewayURL: stack.gateway.url, base: "unused")
        let id = row.id.uuidString.lowercased()
        let path = SMSReportLinks.path
        // The genuine signature with its last character changed (to another one: a fixed "A" was
        // the genuine one whenever the signature ended in "A").
        let genuine = links.signature(for: row.id)
        let tampered = String(genuine.dropLast()) + (genuine.hasSuffix("A") ? "B" : "A")

        // Unsigned, signed for another delivery, tampered, or signed with another gateway password: 403.
        let forgeries = [
            "\(path)?d=\(id)&s=2",
            "\(path)?d=\(id)&s=2&sig=\(links.signature(for: UUID()))",
            "\(path)?d=\(id)&s=2&sig=\(tampered)",
            "\(path)?d=\(id)&s=2&sig=\(SMSReportLinks(gatewayURL: "http://x:y@h/", base: "").signature(for: row.id))",
            "\(path)?s=2&sig=\(links.signature(for: row.id))",
        ]
        for forged in forgeries {
            let response = try await harness.request("GET", forged)
            XCTAssertEqual(response.status, 403, forged)
        }
        // A genuine but late failure report after "delivered" changes nothing either.
        let late = try await harness.request("GET", "\(path)?d=\(id)&s=2&sig=\(links.signature(for: row.id))")
        XCTAssertEqual(late.status, 200)
        let afterRows = try await rows(stack)
        let after = try XCTUnwrap(afterRows.first)
        XCTAssertEqual(after.status, "sent")
        XCTAssertEqual(after.report, "delivered")
        let bad = try await harness.request("GET", "\(path)?d=\(id)&s=7&sig=\(links.signature(for: row.id))")
        XCTAssertEqual(bad.status, 422)

        // A genuine "not delivered" report on an SMS the gateway accepted: failed, notification.failed once.
        let pendingId = UUID()
        try await stack.database.withTransaction { connection in
            try connection.execute(
                """
                INSERT INTO deliveries (id, source_event_id, source_event_type, recipient_key, recipient_kind, channel,
                    appeal_id, registration_number, address, language, template, subject, body, status, attempts,
                    sent_at)
                VALUES (\(pendingId), \(UUID()), 'appeal.registered', 'resident', 'resident', 'sms', \(UUID()),
                    'MK-2026-000903', '+380671234568', 'uk', 'appeal.registered.sms', 's', 'b', 'sent', 1, now())
                """)
        }
        _ = try await observed(stack)
        let signed = "\(path)?d=\(pendingId.uuidString.lowercased())&s=16&sig=\(links.signature(for: pendingId))"
        let report = try await harness.request("GET", signed)
        XCTAssertEqual(report.status, 200)
        let again = try await harness.request("GET", signed)
        XCTAssertEqual(again.status, 200, "a repeated report is harmless")
        let reportedRows = try await rows(stack)
        let failedRow = try XCTUnwrap(reportedRows.first { $0.id == pendingId })
        XCTAssertEqual(failedRow.status, "failed")
        XCTAssertEqual(failedRow.report, "undelivered")
        XCTAssertTrue(failedRow.lastError?.hasPrefix("sms_undelivered") == true)
        var seen: [Envelope] = []
        _ = await eventually(timeout: .seconds(10)) {
            seen += (try? await self.observed(stack)) ?? []
            return seen.contains { $0.type == NotificationFailed.eventType }
        }
        try await Task.sleep(for: .seconds(1))
        seen += try await observed(stack)
        let failures = seen.filter { $0.type == NotificationFailed.eventType }
        XCTAssertEqual(failures.count, 1, "one notification.failed, however many reports")
        XCTAssertEqual(try failures.first?.decode(NotificationFailed.self).channel, .sms)
        let unknown = UUID()
        let missing = "\(path)?d=\(unknown.uuidString.lowercased())&s=1&sig=\(links.signature(for: unknown))"
        let notFound = try await harness.request("GET", missing)
        XCTAssertEqual(notFound.status, 404)
    }

    // MARK: - Restarting the sender does not send twice

    func testARestartedServiceDoesNotSendAgain() async throws {
        let stack = try await makeStack()
        let first = try await startService(stack)
        let event = try registered("MK-2026-000904")
        try await publish(event, stack)
        let arrived = await eventually(timeout: .seconds(20)) { self.smsCount(stack) == 1 }
        XCTAssertTrue(arrived)
        let recorded = await eventually(timeout: .seconds(10)) { (try? await self.rows(stack).first?.status) == "sent" }
        XCTAssertTrue(recorded)
        await first.stop()

        _ = try await startService(stack)
        // The broker redelivers the same event to the new instance: still nothing new.
        try await publish(event, stack)
        try await Task.sleep(for: .seconds(3))
        XCTAssertEqual(smsCount(stack), 1, "a restart must not resend an SMS already recorded as sent")
        let all = try await rows(stack)
        XCTAssertEqual(all.count, 1)
        XCTAssertEqual(all.first?.attempts, 1)
    }

    // MARK: - Kannel down: retried later, then sent once

    func testGatewayDownIsRetriedThenSentOnce() async throws {
        let stack = try await makeStack()
        try stack.gateway.stopKannel()
        _ = try await startService(stack, retryDelays: [.milliseconds(500)])
        try await publish(try registered("MK-2026-000905", language: .en), stack)
        let retried = await eventually(timeout: .seconds(20)) {
            guard let row = try? await self.rows(stack).first else { return false }
            return row.status == "pending" && row.attempts >= 2
        }
        XCTAssertTrue(retried, "the refused tries must be counted and retried")
        let firstRows = try await rows(stack)
        let row = try XCTUnwrap(firstRows.first)
        XCTAssertTrue(row.lastError?.contains("unreachable") == true, row.lastError ?? "")
        XCTAssertFalse(row.lastError?.contains(stack.gateway.password) == true, "no password in the reason")
        XCTAssertEqual(smsCount(stack), 0)

        try stack.gateway.startKannel()
        let arrived = await eventually(timeout: .seconds(20)) { self.smsCount(stack) == 1 }
        XCTAssertTrue(arrived, "sent once the gateway is back")
        let sms = try XCTUnwrap(try stack.gateway.messages().first)
        XCTAssertEqual(
            sms.text,
            "Appeal MK-2026-000905 is registered. Follow it at "
                + "https://hromada.mkrada.gov.ua/track?number=MK-2026-000905"
        )
        let sent = await eventually(timeout: .seconds(10)) { (try? await self.rows(stack).first?.status) == "sent" }
        XCTAssertTrue(sent)
        try await Task.sleep(for: .seconds(2))
        XCTAssertEqual(smsCount(stack), 1)
    }

    // MARK: - Asked for SMS and gave an email: both

    func testAskingForSMSWithAnEmailSendsBoth() async throws {
        let stack = try await makeStack()
        _ = try await startService(stack)
        try await publish(try registered("MK-2026-000906", email: "olena@example.org", notifyBy: "sms"), stack)
        let both = await eventually(timeout: .seconds(20)) {
            let mails = (try? await stack.mail.messages().count) ?? 0
            return self.smsCount(stack) == 1 && mails == 1
        }
        XCTAssertTrue(both, "an email and an SMS")
        let channels = try await rows(stack).map(\.channel).sorted()
        XCTAssertEqual(channels, ["email", "sms"])
        XCTAssertTrue(try stack.gateway.messages().first?.text.contains("MK-2026-000906") == true)
        // A phone number that is no phone: no SMS, the email alone.
        try await publish(
            try registered("MK-2026-000907", email: "o2@example.org", phone: "n/a", notifyBy: "sms"), stack)
        let email = await eventually(timeout: .seconds(20)) { (try? await stack.mail.messages().count) == 2 }
        XCTAssertTrue(email)
        XCTAssertEqual(smsCount(stack), 1)
    }
}
