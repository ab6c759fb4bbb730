import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaTestSupport
import XCTest

@testable import Intake

/// The registration side of issue 20 against the real PostgreSQL and RabbitMQ.
extension IntakeIntegrationTests {
    /// Numbers keep growing past 999,999 in a year (Kyiv registers ~1.2 million a year).
    func testNumbersGrowBeyondNineHundredNinetyNineThousand() async throws {
        let env = try await start()
        let year = LocalDate(date: Date(), in: .kyiv).year
        let client = env.db.client(poolSize: 1)
        _ = try await client.execute(
            "INSERT INTO registration_counter (year, last) VALUES (\(year), 999998)")
        await client.close()
        let first = try await env.harness.request("POST", "/v1/appeals", json: Self.appeal(), headers: auth)
        XCTAssertEqual(first.status, 201, first.text)
        XCTAssertEqual(try first.decode(RegistrationReceipt.self).registrationNumber, "MK-\(year)-999999")
        let second = try await env.harness.request(
            "POST", "/v1/appeals",
            json: Self.appeal(
                text: "Прошу встановити ліхтар біля під'їзду номер два."),
            headers: auth)
        XCTAssertEqual(second.status, 201, second.text)
        let number = try second.decode(RegistrationReceipt.self).registrationNumber
        XCTAssertEqual(number, "MK-\(year)-1000000")
        let token = try second.decode(RegistrationReceipt.self).trackingToken
        let tracked = try await env.harness.request("GET", "/v1/appeals/\(number)?token=\(token)")
        XCTAssertEqual(tracked.status, 200, tracked.text)
    }

    /// No consent → 201; a collective appeal by a representative, entered late, carries every
    /// new field in `appeal.registered`, and the terms start on the arrival day.
    func testCollectiveLateAppealThroughTheAPI() async throws {
        let env = try await start()
        let today = LocalDate(date: Date(), in: .kyiv)
        var body = Self.appeal()
        body["consent"] = nil
        body["coSigners"] = [
            ["fullName": "Коваленко Марія", "address": "вул. Садова, 12, кв. 4"],
            ["fullName": "Бондар Іван", "address": "вул. Садова, 12, кв. 5"],
        ]
        body["representative"] = [
            "fullName": "Мельник Ольга", "address": "вул. Миру, 3",
            "documentKind": "power-of-attorney",
            "documentNumber": "НОА 123456", "documentDate": today.adding(days: -30).description,
        ]
        body["receivedOn"] = today.adding(days: -3).description
        body["enteredBy"] = "Оксана Бойко"
        var bad = body
        bad["coSigners"] = [
            ["fullName": "Коваленко Марія", "address": "вул. Садова, 12, кв. 4"],
            ["fullName": "Іван"],
        ]
        let refused = try await env.harness.request("POST", "/v1/appeals", json: bad, headers: auth)
        XCTAssertEqual(refused.status, 422)
        XCTAssertTrue(refused.text.contains("coSigners[1].fullName"), refused.text)
        XCTAssertTrue(refused.text.contains("coSigners[1].address"), refused.text)

        let response = try await env.harness.request("POST", "/v1/appeals", json: body, headers: auth)
        XCTAssertEqual(response.status, 201, response.text)
        let receipt = try response.decode(RegistrationReceipt.self)
        let delivery = try await awaitMessage(env, type: "appeal.registered")
        let event = try Envelope.decode(from: try XCTUnwrap(delivery).body).decode(AppealRegistered.self)
        XCTAssertEqual(event.registrationNumber, receipt.registrationNumber)
        XCTAssertEqual(event.coSigners?.map(\.fullName), ["Коваленко Марія", "Бондар Іван"])
        XCTAssertEqual(event.representative?.documentNumber, "НОА 123456")
        XCTAssertEqual(event.termsStartOn, today.adding(days: -3))
        XCTAssertEqual(event.lateEntry?.enteredBy, "Оксана Бойко")
        XCTAssertEqual(
            event.classifier,
            .init(arrival: "post", frequency: "first", form: "collective", socialCategory: nil, duplicateOf: nil))
        XCTAssertEqual(event.consents, .init(publication: false))

        let client = env.db.client(poolSize: 1)
        let rows = try await client.query(
            """
            SELECT frequency, collective, terms_start_on::text, entered_by, co_signers::text
            FROM appeals WHERE registration_number = \(receipt.registrationNumber)
            """)
        await client.close()
        let row = try XCTUnwrap(rows.first)
        XCTAssertEqual(try row.decode(0, as: String.self), "first")
        XCTAssertEqual(try row.decode(1, as: Bool.self), true)
        XCTAssertEqual(try row.decode(2, as: String.self), today.adding(days: -3).description)
        XCTAssertEqual(try row.decode(3, as: String.self), "Оксана Бойко")
        XCTAssertTrue(try row.decode(4, as: String.self).contains("Бондар Іван"))
    }

    /// Art. 22 through the API with the reception's centre-like key; and a second identical
    /// appeal while the first is within its term is a duplicate, linked.
    func testPersonalReceptionAndDuplicate() async throws {
        let env = try await start()
        let today = LocalDate(date: Date(), in: .kyiv)
        var body = Self.appeal()
        body["reception"] = ["headName": "Сєнкевич Олександр", "heldOn": today.description]
        let first = try await env.harness.request("POST", "/v1/appeals", json: body, headers: auth)
        XCTAssertEqual(first.status, 201, first.text)
        let firstNumber = try first.decode(RegistrationReceipt.self).registrationNumber
        let again = try await env.harness.request("POST", "/v1/appeals", json: body, headers: auth)
        XCTAssertEqual(try again.decode(RegistrationReceipt.self).repeatOf, firstNumber)
        var events: [AppealRegistered] = []
        for _ in 0..<2 {
            let message = try await awaitMessage(env, type: "appeal.registered")
            let d = try XCTUnwrap(message)
            events.append(try Envelope.decode(from: d.body).decode(AppealRegistered.self))
        }
        XCTAssertEqual(events[0].reception?.headName, "Сєнкевич Олександр")
        XCTAssertEqual(events[0].classifier?.arrival, "personal-reception")
        XCTAssertEqual(events[0].classifier?.frequency, "first")
        XCTAssertEqual(events[1].classifier?.frequency, "duplicate")
        XCTAssertEqual(events[1].classifier?.duplicateOf, firstNumber)
    }
}
