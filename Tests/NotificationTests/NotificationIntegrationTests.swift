import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import Notification

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The whole service against real PostgreSQL, RabbitMQ and an SMTP sink: events in over AMQP,
/// emails out over SMTP, `notification.*` events observed on the broker, the centre inbox over HTTP.
final class NotificationIntegrationTests: XCTestCase {
    static let observeQueue = "test.notification-events"

    struct Fixture {
        let sink: SMTPSink
        let harness: ServiceHarness
        let client: AMQPClient
        let database: PostgresClient
    }

    func start(retryDelays: [Duration] = [.milliseconds(200), .milliseconds(300)], maxAttempts: Int = 5) async throws
        -> Fixture
    {
        try IntegrationEnvironment.requireServers()
        let sink: SMTPSink
        do { sink = try SMTPSink.start() } catch {
            if IntegrationEnvironment.infrastructureRequired { XCTFail("\(error)") }
            throw XCTSkip("\(error)")
        }
        addTeardownBlock { sink.stop() }
        let (servers, database) = try await ServiceTestServers.notification(for: self, label: "test.notification")
        try await servers.client.observeNotificationEvents(on: Self.observeQueue)
        let settings = NotificationSettings(
            smtpURL: sink.url, retryDelays: retryDelays, maxAttempts: maxAttempts, lease: .seconds(30),
            pollInterval: .milliseconds(200),
            smtpConnectTimeoutSeconds: 5, smtpTimeoutSeconds: 15, trackingURL: "http://127.0.0.1:8080/track")
        let harness = try await startNotificationService(
            db: servers.db, broker: servers.broker, settings: settings, logger: servers.logger)
        return Fixture(sink: sink, harness: harness, client: servers.client, database: database)
    }

    func publish(_ envelope: Envelope, via client: AMQPClient) async throws {
        try await client.publish([AMQPOutgoingMessage(publishing: envelope)])
    }

    func envelope<E: DomainEvent>(_ event: E, correlation: UUID = UUID()) throws -> Envelope {
        // Published as the service that produces the type: consumers accept an event type only from
        // its producer (`Producers`), and the test broker sets `user_id` to the producer.
        try Envelope(
            event: event, correlationId: correlation, causationId: nil,
            producer: Producers.producers(of: E.eventType).sorted().first ?? "hromada-test")
    }

    /// Everything on the observation queue so far.
    func observed(_ client: AMQPClient) async throws -> [Envelope] {
        try await client.takeEnvelopes(from: Self.observeQueue)
    }

    func registered(
        _ number: String, email: String?, language: Language, centre: String? = nil,
        name: String = "Олена Петренко",
        phone: String? = "+380501112233"
    ) -> AppealRegistered {
        sampleRegistration(number, name: name, email: email, phone: phone, language: language, centre: centre)
    }

    func deliveryRows(_ fixture: Fixture) async throws -> [(
        status: String, attempts: Int, recipientKey: String, lastError: String?
    )] {
        try await fixture.database.withConnection { connection in
            try connection.query(
                "SELECT status, attempts, recipient_key, last_error FROM deliveries ORDER BY created_at, id"
            ).map {
                (
                    try $0.decode(0, as: String.self), try $0.decode(1, as: Int.self),
                    try $0.decode(2, as: String.self), try $0.decode(3, as: String?.self)
                )
            }
        }
    }

    // MARK: - Done when: the resident's email arrives with the registration number in the right language

    func testResidentEmailArrivesInTheirLanguageWithCorrectMIME() async throws {
        let f = try await start()
        let uk = registered("MK-2026-000101", email: "olena@example.org", language: .uk)
        let en = registered("MK-2026-000102", email: "john@example.org", language: .en, name: "John Smith")
        let ukEnvelope = try envelope(uk, correlation: uk.appealId)
        try await publish(ukEnvelope, via: f.client)
        try await publish(try envelope(en, correlation: en.appealId), via: f.client)

        let arrived = await eventually(timeout: .seconds(20)) { (try? await f.sink.messages().count) == 2 }
        XCTAssertTrue(arrived, "two emails expected")
        let messages = try await f.sink.messages()
        let toOlena = try XCTUnwrap(messages.first { $0.rcptTo.contains("olena@example.org") })
        let toJohn = try XCTUnwrap(messages.first { $0.rcptTo.contains("john@example.org") })

        XCTAssertEqual(toOlena.subject, "Звернення MK-2026-000101 зареєстровано")
        let ukBody = try XCTUnwrap(toOlena.body)
        XCTAssertTrue(ukBody.contains("Реєстраційний номер: MK-2026-000101"), ukBody)
        XCTAssertTrue(ukBody.contains("Код для відстеження: TRK-MK-2026-000101"))
        XCTAssertTrue(ukBody.contains("Олена Петренко"))
        XCTAssertTrue(ukBody.contains("\r\n"), "body lines must end in CRLF")

        XCTAssertEqual(toJohn.subject, "Appeal MK-2026-000102 registered")
        let enBody = try XCTUnwrap(toJohn.body)
        XCTAssertTrue(enBody.contains("Registration number: MK-2026-000102"), enBody)
        XCTAssertTrue(enBody.contains("Dear John Smith"))

        // MIME structure as sent.
        XCTAssertTrue(toOlena.raw.contains("Subject: =?UTF-8?B?"), "non-ASCII subject must be an encoded word")
        XCTAssertNotNil(toOlena.raw.range(of: #"Message-ID: <[0-9a-f-]{36}@hromada>"#, options: .regularExpression))
        XCTAssertTrue(toOlena.raw.contains("Content-Type: text/plain; charset=UTF-8"))
        XCTAssertTrue(toOlena.raw.contains("MIME-Version: 1.0"))
        XCTAssertEqual(toOlena.mailFrom, "no-reply@hromada.mkrada.gov.ua")

        // notification.sent for each, caused by the source event.
        var sent: [Envelope] = []
        let observed = await eventually(timeout: .seconds(15)) {
            sent += (try? await self.observed(f.client)) ?? []
            return sent.filter { $0.type == NotificationSent.eventType }.count >= 2
        }
        XCTAssertTrue(observed, "notification.sent expected twice, saw \(sent.map(\.type))")
        let forOlena = try XCTUnwrap(sent.first { $0.causationId == ukEnvelope.id })
        let event = try forOlena.decode(NotificationSent.self)
        XCTAssertEqual(event.registrationNumber, "MK-2026-000101")
        XCTAssertEqual(event.channel, .email)
        XCTAssertEqual(event.recipientKind, .resident)
        XCTAssertEqual(forOlena.correlationId, uk.appealId)
        let rows = try await deliveryRows(f)
        XCTAssertEqual(rows.map(\.status), ["sent", "sent"])
    }

    // MARK: - Done when: a redelivered event sends nothing new

    func testRedeliveredEventSendsNothingNew() async throws {
        let f = try await start()
        let event = registered("MK-2026-000201", email: "twice@example.org", language: .uk)
        let env = try envelope(event, correlation: event.appealId)
        try await publish(env, via: f.client)
        let first = await eventually(timeout: .seconds(20)) { (try? await f.sink.messages().count) == 1 }
        XCTAssertTrue(first)
        // The same message (same id) again, as the broker would redeliver it.
        try await publish(env, via: f.client)
        try await publish(env, via: f.client)
        // Give the consumer and the sender time to (not) act, then check nothing new happened.
        try await Task.sleep(for: .seconds(2))
        let messages = try await f.sink.messages()
        XCTAssertEqual(messages.count, 1, "a redelivered event must not send a second email")
        let rows = try await deliveryRows(f)
        XCTAssertEqual(rows.count, 1)
        let sent = try await observed(f.client).filter { $0.type == NotificationSent.eventType }
        XCTAssertEqual(sent.count, 1)
        // The unique key holds even without the inbox: a second insert for the same event and recipient is ignored.
        let inserted = try await f.database.withTransaction { connection in
            try connection.execute(
                """
                INSERT INTO deliveries (id, source_event_id, source_event_type, recipient_key, recipient_kind, channel,
                    address, language, template, subject, body, status)
                VALUES (\(UUID()), \(env.id), \(env.type), 'resident', 'resident', 'email', 'x@example.org', 'uk',
                    't', 's', 'b', 'pending')
                ON CONFLICT (source_event_id, recipient_key) DO NOTHING
                """)
        }
        XCTAssertEqual(inserted, 0)
    }

    // MARK: - Done when: temporary refusal is retried and then succeeds

    func testTemporaryRefusalIsRetriedThenSucceeds() async throws {
        let f = try await start()
        try await f.sink.fault("temporary", count: 2)
        let event = registered("MK-2026-000301", email: "retry@example.org", language: .en)
        try await publish(try envelope(event, correlation: event.appealId), via: f.client)
        let arrived = await eventually(timeout: .seconds(20)) { (try? await f.sink.messages().count) == 1 }
        XCTAssertTrue(arrived, "the email must arrive after two temporary refusals")
        let sent = await eventually(timeout: .seconds(5)) { (try? await self.deliveryRows(f).first?.status) == "sent" }
        XCTAssertTrue(sent)
        let rowsNow = try await deliveryRows(f)
        let row = try XCTUnwrap(rowsNow.first)
        XCTAssertEqual(row.attempts, 3, "two refused tries and one that succeeded")
        let v1 = try await f.sink.messages()
        XCTAssertEqual(v1.first?.subject, "Appeal MK-2026-000301 registered")
    }

    func testTemporaryRefusalsBeyondMaxAttemptsFail() async throws {
        let f = try await start(retryDelays: [.milliseconds(100)], maxAttempts: 2)
        try await f.sink.fault("temporary", count: 5)
        let event = registered("MK-2026-000302", email: "never@example.org", language: .uk)
        try await publish(try envelope(event, correlation: event.appealId), via: f.client)
        var seen: [Envelope] = []
        let failed = await eventually(timeout: .seconds(20)) {
            seen += (try? await self.observed(f.client)) ?? []
            return seen.contains { $0.type == NotificationFailed.eventType }
        }
        XCTAssertTrue(failed)
        let event2 = try XCTUnwrap(seen.first { $0.type == NotificationFailed.eventType }).decode(
            NotificationFailed.self)
        XCTAssertEqual(event2.attempts, 2)
        XCTAssertTrue(event2.reason.hasPrefix("451"), event2.reason)
    }

    // MARK: - Done when: a permanent refusal ends in notification.failed

    func testPermanentRefusalEndsInNotificationFailed() async throws {
        let f = try await start()
        try await f.sink.fault("permanent", count: 1)
        let event = registered("MK-2026-000401", email: "rejected@example.org", language: .uk)
        let env = try envelope(event, correlation: event.appealId)
        try await publish(env, via: f.client)
        var seen: [Envelope] = []
        let failed = await eventually(timeout: .seconds(20)) {
            seen += (try? await self.observed(f.client)) ?? []
            return seen.contains { $0.type == NotificationFailed.eventType }
        }
        XCTAssertTrue(failed, "notification.failed expected on the broker")
        let failure = try XCTUnwrap(seen.first { $0.type == NotificationFailed.eventType })
        let payload = try failure.decode(NotificationFailed.self)
        XCTAssertEqual(payload.sourceEventId, env.id)
        XCTAssertEqual(payload.registrationNumber, "MK-2026-000401")
        XCTAssertEqual(payload.attempts, 1, "a permanent refusal is not retried")
        XCTAssertTrue(payload.reason.hasPrefix("554"), payload.reason)
        XCTAssertEqual(failure.routingKey, "notification.failed.v1")
        XCTAssertFalse(seen.contains { $0.type == NotificationSent.eventType })
        let rows = try await deliveryRows(f)
        XCTAssertEqual(rows.first?.status, "failed")
        let v2 = try await f.sink.messages()
        XCTAssertEqual(v2.count, 0)
    }

    // MARK: - Done when: residents without email appear in their centre's inbox

    func testResidentWithoutEmailAppearsInTheirCentresInbox() async throws {
        let f = try await start()
        let keyA = "centre-key-A-\(UUID().uuidString)"
        let keyB = "centre-key-B-\(UUID().uuidString)"
        for (id, key) in [("cog-a", keyA), ("cog-b", keyB)] {
            try await publish(
                try envelope(
                    CentreUpdated(
                        centreId: id, name: "ЦОГ \(id)", address: "Миколаїв",
                        keyHash: TokenHash.hash(token: key),
                        active: true, updatedAt: Date())), via: f.client)
        }
        let event = registered(
            "MK-2026-000501", email: nil, language: .uk, centre: "cog-a",
            name: "Марія Коваль")
        try await publish(try envelope(event, correlation: event.appealId), via: f.client)

        var notices: [CentreRoutes.Notice] = []
        let appeared = await eventually(timeout: .seconds(20)) {
            guard
                let response = try? await f.harness.request(
                    "GET", "/v1/centres/cog-a/notices", headers: ["Authorization": "Bearer \(keyA)"]),
                response.status == 200, let list = try? response.decode([CentreRoutes.Notice].self)
            else { return false }
            notices = list
            return !list.isEmpty
        }
        XCTAssertTrue(appeared, "the notice must reach centre cog-a")
        XCTAssertEqual(notices.count, 1)
        let notice = try XCTUnwrap(notices.first)
        XCTAssertEqual(notice.registrationNumber, "MK-2026-000501")
        XCTAssertEqual(notice.residentName, "Марія Коваль")
        XCTAssertEqual(notice.phone, "+380501112233")
        XCTAssertEqual(notice.language, "uk")
        XCTAssertEqual(notice.subject, "Звернення MK-2026-000501 зареєстровано")
        XCTAssertTrue(notice.text.contains("TRK-MK-2026-000501"))
        XCTAssertNil(notice.readAt)
        let v3 = try await f.sink.messages()
        XCTAssertEqual(v3.count, 0, "no email for a resident without one")

        // Another centre's key, no key, or a wrong centre: nothing.
        let other = try await f.harness.request(
            "GET", "/v1/centres/cog-a/notices", headers: ["Authorization": "Bearer \(keyB)"])
        XCTAssertEqual(other.status, 401)
        XCTAssertFalse(other.text.contains("MK-2026-000501"))
        let noKey = try await f.harness.request("GET", "/v1/centres/cog-a/notices")
        XCTAssertEqual(noKey.status, 401)
        let bList = try await f.harness.request(
            "GET", "/v1/centres/cog-b/notices", headers: ["Authorization": "Bearer \(keyB)"])
        XCTAssertEqual(bList.status, 200)
        XCTAssertEqual(try bList.decode([CentreRoutes.Notice].self).count, 0)
        // The key is not accepted in the query string.
        let queryKey = try await f.harness.request("GET", "/v1/centres/cog-a/notices?key=\(keyA)")
        XCTAssertEqual(queryKey.status, 401)
        // Centre B cannot mark A's notice.
        let steal = try await f.harness.request(
            "POST", "/v1/centres/cog-b/notices/\(notice.id.uuidString)/read",
            headers: ["Authorization": "Bearer \(keyB)"])
        XCTAssertEqual(steal.status, 404)

        // Mark read: gone from unread, still in all.
        let read = try await f.harness.request(
            "POST", "/v1/centres/cog-a/notices/\(notice.id.uuidString)/read",
            headers: ["Authorization": "Bearer \(keyA)"])
        XCTAssertEqual(read.status, 200)
        let unread = try await f.harness.request(
            "GET", "/v1/centres/cog-a/notices?status=unread", headers: ["Authorization": "Bearer \(keyA)"])
        XCTAssertEqual(try unread.decode([CentreRoutes.Notice].self).count, 0)
        let all = try await f.harness.request(
            "GET", "/v1/centres/cog-a/notices?status=all", headers: ["Authorization": "Bearer \(keyA)"])
        XCTAssertNotNil(try all.decode([CentreRoutes.Notice].self).first?.readAt)

        // A centre notice counts as delivered: notification.sent with channel centre.
        var seen: [Envelope] = []
        let sent = await eventually(timeout: .seconds(10)) {
            seen += (try? await self.observed(f.client)) ?? []
            return seen.contains { $0.type == NotificationSent.eventType }
        }
        XCTAssertTrue(sent)
        XCTAssertEqual(
            try seen.first { $0.type == NotificationSent.eventType }?.decode(NotificationSent.self).channel, .centre)

        // The printable page: login form without credentials, the notices with the signed cookie.
        let login = try await f.harness.request("GET", "/centres/cog-a/notices?status=all")
        XCTAssertEqual(login.status, 200)
        XCTAssertTrue(login.text.contains("<label for=\"key\">"))
        XCTAssertFalse(login.text.contains("MK-2026-000501"))
        let wrong = try await f.harness.request(
            "POST", "/centres/cog-a/login", body: Data("key=\(keyB)".utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded"])
        XCTAssertEqual(wrong.status, 401)
        let page = try await f.harness.request(
            "GET", "/centres/cog-a/notices?status=all", headers: ["Authorization": "Bearer \(keyA)"])
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("MK-2026-000501"))
        XCTAssertTrue(page.text.contains("Марія Коваль"))
        try await checkCookieLogin(f, key: keyA)
    }

    /// Logs in through the form with a raw socket-free request (URLSession follows redirects and
    /// keeps cookies on its own, so read the Set-Cookie of the 303 directly).
    func checkCookieLogin(_ f: Fixture, key: String) async throws {
        var request = URLRequest(url: URL(string: f.harness.baseURL + "/centres/cog-a/login")!)
        request.httpMethod = "POST"
        request.httpBody = Data("key=\(key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)".utf8)
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let (_, response) = try await session.data(for: request)
        let http = try XCTUnwrap(response as? HTTPURLResponse)
        XCTAssertEqual(http.statusCode, 303)
        let setCookie = try XCTUnwrap(http.value(forHTTPHeaderField: "Set-Cookie"))
        XCTAssertTrue(setCookie.contains("HttpOnly"))
        let cookie = String(setCookie.split(separator: ";")[0])
        XCTAssertTrue(cookie.hasPrefix("hromada_notification="), "the kit names the cookie per service")
        let page = try await f.harness.request(
            "GET", "/centres/cog-a/notices?status=all&lang=en", headers: ["Cookie": cookie])
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("MK-2026-000501"))
        XCTAssertTrue(page.text.contains("Notices for residents"), "English page expected")
        // A tampered cookie is refused.
        let tampered = try await f.harness.request(
            "GET", "/centres/cog-a/notices?status=all", headers: ["Cookie": cookie + "0"])
        XCTAssertFalse(tampered.text.contains("MK-2026-000501"))
    }

    // MARK: - Officials of the authority get the assigned notice; the reception gets escalations

    func testOfficialsOfTheAuthorityGetAssignedAndReceptionGetsOverdue() async throws {
        let f = try await start()
        let zhkg1 = UUID()
        let zhkg2 = UUID()
        let transport = UUID()
        let reception = UUID()
        let officials: [OfficialUpdated] = [
            OfficialUpdated(
                officialId: zhkg1, name: "Іван Шевченко", authority: "zhkg", role: .official,
                email: "ivan@zhkg.example", active: true, updatedAt: Date()),
            OfficialUpdated(
                officialId: zhkg2, name: "Без пошти", authority: "zhkg", role: .official, email: nil,
                active: true,
                updatedAt: Date()),
            OfficialUpdated(
                officialId: transport, name: "Transport", authority: "transport", role: .official,
                email: "t@transport.example", active: true, updatedAt: Date()),
            OfficialUpdated(
                officialId: reception, name: "Приймальня", authority: "mayor-reception", role: .reception,
                email: "reception@city.example", active: true, updatedAt: Date()),
        ]
        for official in officials { try await publish(try envelope(official), via: f.client) }
        let appealId = UUID()
        let assigned = TicketAssigned(
            ticketId: UUID(), appealId: appealId, registrationNumber: "MK-2026-000601", authority: "zhkg",
            category: "heating", priority: true, deadline: LocalDate(string: "2026-12-12")!, assignedAt: Date(),
            reason: "rule")
        try await publish(try envelope(assigned, correlation: appealId), via: f.client)
        let one = await eventually(timeout: .seconds(20)) { (try? await f.sink.messages().count) == 1 }
        XCTAssertTrue(one)
        try await Task.sleep(for: .milliseconds(800))
        var messages = try await f.sink.messages()
        XCTAssertEqual(messages.count, 1, "only the zhkg official with an email")
        XCTAssertEqual(messages.first?.rcptTo, ["ivan@zhkg.example"])
        XCTAssertEqual(messages.first?.subject, "Нове звернення MK-2026-000601 (пріоритетне)")
        XCTAssertTrue(messages.first?.body?.contains("12.12.2026") ?? false)

        let overdue = TicketOverdue(
            ticketId: assigned.ticketId, appealId: appealId, registrationNumber: "MK-2026-000601", authority: "zhkg",
            deadline: LocalDate(string: "2026-12-12")!, daysOverdue: 1, raisedAt: Date())
        try await publish(try envelope(overdue, correlation: appealId), via: f.client)
        let three = await eventually(timeout: .seconds(20)) { (try? await f.sink.messages().count) == 3 }
        XCTAssertTrue(three)
        messages = try await f.sink.messages()
        let escalation = try XCTUnwrap(messages.first { $0.rcptTo == ["reception@city.example"] })
        XCTAssertTrue(escalation.subject?.hasPrefix("На контроль приймальні") ?? false)
        XCTAssertEqual(messages.filter { $0.rcptTo == ["ivan@zhkg.example"] }.count, 2)
        XCTAssertFalse(messages.contains { $0.rcptTo == ["t@transport.example"] })
    }
}

final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
