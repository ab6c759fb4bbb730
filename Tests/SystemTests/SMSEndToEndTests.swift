import Foundation
import HromadaTestSupport
import XCTest

/// Issue 15, item 4, across the real processes: an appeal with a phone and no email, registered at
/// intake, reaches the resident as an SMS through a real Kannel (bearerbox, smsbox, fakesmsc) that
/// notification was given as HROMADA_SMS_URL, and Kannel's delivery report marks it delivered.
final class SMSEndToEndTests: XCTestCase {
    func testAPhoneWithoutEmailGetsTheSMSThroughKannel() async throws {
        try IntegrationEnvironment.requireServers()
        let gateway = try TestSMSGateway.start()
        addTeardownBlock { gateway.stop() }
        let system = try await SystemHarness.start(replicas: 1, environment: ["HROMADA_SMS_URL": gateway.url])
        addTeardownBlock { await system.cleanup() }
        var reachedEnd = false
        defer { if !reachedEnd || (testRun?.failureCount ?? 0) > 0 { system.printLogs() } }

        let centreKey = try await system.seedCentre(id: "lib-sms")
        let appeal: [String: Any] = [
            "kind": "application", "category": "heating",
            "author": [
                "fullName": "Шевченко Тарас Григорович",
                "address": "вул. Садова, 12, кв. 3",
                "phone": "+380 67 765 43 21",
            ],
            "subject": "Немає опалення",
            "text": "У квартирі немає опалення вже третій тиждень, "
                + "прошу допомогти.",
            "consent": true, "assistedBy": "Оксана",
        ]
        let submitted = try await SystemHTTP.shared.json(
            "POST", system.baseURL(.intake) + "/v1/appeals", appeal,
            headers: ["Authorization": "Bearer \(centreKey)", "Idempotency-Key": UUID().uuidString])
        XCTAssertEqual(submitted.status, 201, submitted.text)
        let number = try XCTUnwrap(try submitted.object()["registrationNumber"] as? String)

        let arrived = await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            ((try? gateway.messages()) ?? []).contains { $0.text.contains(number) }
        }
        XCTAssertTrue(arrived, "no SMS with \(number) at fakesmsc")
        let sms = try XCTUnwrap(try gateway.messages().first { $0.text.contains(number) })
        XCTAssertEqual(sms.to, "+380677654321")
        XCTAssertEqual(
            sms.text,
            "Звернення \(number) зареєстровано. "
                + "Стан розгляду: \(system.baseURL(.intake))/track?number=\(number)")

        let delivered = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
            try await system.scalar(
                """
                SELECT count(*) FROM notification.deliveries
                WHERE channel = 'sms' AND status = 'sent' AND sms_report = 'delivered'
                  AND registration_number = '\(number)'
                """) == 1
        }
        XCTAssertTrue(delivered, "Kannel's delivery report did not mark the SMS delivered")
        let centreNotices = try await system.scalar(
            """
            SELECT count(*) FROM notification.deliveries
            WHERE channel = 'centre' AND registration_number = '\(number)'
            """)
        XCTAssertEqual(centreNotices, 0, "an SMS instead of the centre's notice")
        reachedEnd = true
    }
}
