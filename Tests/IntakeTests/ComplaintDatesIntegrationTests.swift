import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import Intake

/// Art. 17 over intake's API against the real PostgreSQL and RabbitMQ: a complaint's decision day
/// and the day its author learned of it are refused with a 422 naming the field when wrong, and
/// carried in `appeal.registered` (in the clear: dates are not personal data) when right.
final class ComplaintDatesIntegrationTests: XCTestCase {
    static let queue = "test.observe.complaint-dates"

    static func complaint(decidedOn: String?, learnedOn: String?) -> [String: Any] {
        var body: [String: Any] = [
            "kind": "complaint", "against": "zhkg", "category": "heating",
            "author": [
                "fullName": "Олена Петренко", "address": "вул. Соборна, 1",
                "preferredLanguage": "uk",
            ],
            "subject": "Скарга на відповідь",
            "text": "Не згодна з відповіддю департаменту про опалення.",
        ]
        body["decidedOn"] = decidedOn
        body["learnedOn"] = learnedOn
        return body
    }

    func testTheAPIRefusesBadDatesNamingTheFieldAndCarriesGoodOnesInTheEvent() async throws {
        let intake = try await IntakeTestService.start(self)
        let client = try await intake.observer(queue: Self.queue, test: self, label: "test.intake.complaint-dates")
        let auth = ["Authorization": "Bearer \(IntakeTestService.centreKey)"]
        let today = LocalDate.today()

        let refused: [(String?, String?, String, String)] = [
            ("2027-02-29", nil, "decidedOn", "invalid_date"),
            (today.adding(days: 1).description, nil, "decidedOn", "in_future"),
            (nil, today.adding(days: 1).description, "learnedOn", "in_future"),
            (today.adding(days: -10).description, today.adding(days: -11).description, "learnedOn", "too_early"),
        ]
        for (decided, learned, field, code) in refused {
            let r = try await intake.harness.request(
                "POST", "/v1/appeals", json: Self.complaint(decidedOn: decided, learnedOn: learned), headers: auth)
            XCTAssertEqual(r.status, 422, r.text)
            let errors = try XCTUnwrap((try r.json() as? [String: Any])?["errors"] as? [[String: Any]])
            XCTAssertEqual(errors.map { $0["field"] as? String }, [field], r.text)
            XCTAssertEqual(errors.first?["code"] as? String, code)
        }
        var application = Self.complaint(decidedOn: today.adding(days: -3).description, learnedOn: nil)
        application["kind"] = "application"
        application["against"] = nil
        let notAllowed = try await intake.harness.request("POST", "/v1/appeals", json: application, headers: auth)
        XCTAssertEqual(notAllowed.status, 422, notAllowed.text)
        XCTAssertTrue(notAllowed.text.contains("\"not_allowed\""), notAllowed.text)

        let decided = today.adding(days: -40).description
        let learned = today.adding(days: -5).description
        let r = try await intake.harness.request(
            "POST", "/v1/appeals", json: Self.complaint(decidedOn: decided, learnedOn: learned), headers: auth)
        XCTAssertEqual(r.status, 201, r.text)
        let receipt = try r.decode(RegistrationReceipt.self)
        let delivery = try await client.awaitMessage(
            type: AppealRegistered.eventType, in: Self.queue, within: .seconds(10))
        let d = try XCTUnwrap(delivery)
        let raw = String(decoding: d.body, as: UTF8.self)
        let registered = try Envelope.decode(from: d.body).decode(AppealRegistered.self)
        XCTAssertEqual(registered.registrationNumber, receipt.registrationNumber)
        XCTAssertEqual(registered.complaintDecidedOn?.description, decided)
        XCTAssertEqual(registered.complaintLearnedOn?.description, learned)
        XCTAssertTrue(raw.contains("\"complaintLearnedOn\":\"\(learned)\""), "not sealed: dates are not personal")
    }
}
