import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import Intake

/// The issue 20 tests' name for the folder's one intake fixture.
typealias IntakeTestServer = IntakeTestService

extension IntakeTestService {
    /// Registers through the centres' API; returns the registration number.
    func register(name: String, address: String, text: String) async throws -> String {
        let response = try await harness.request(
            "POST", "/v1/appeals",
            json: [
                "kind": "application", "category": "heating", "subject": "Немає опалення", "text": text,
                "author": ["fullName": name, "address": address, "preferredLanguage": "uk"],
            ], headers: ["Authorization": "Bearer \(Self.centreKey)"])
        guard response.status == 201, let body = try response.json() as? [String: Any],
            let number = body["registrationNumber"] as? String
        else {
            XCTFail("not registered: \(response.status) \(response.text)")
            throw CancellationError()
        }
        return number
    }

    func sql(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let client = db.client(poolSize: 1)
        defer { Task { await client.close() } }
        return Array(try await client.query(query))
    }

    func frequency(_ number: String) async throws -> String? {
        try await sql("SELECT frequency FROM appeals WHERE registration_number = \(number)").first?.decode(
            0, as: String.self)
    }
}

/// Resolution 858's "mass" and "multiple" decided at registration against the real PostgreSQL.
final class ClassificationIntegrationTests: XCTestCase {
    static let issue =
        "У будинку на вулиці Садовій, 12 "
        + "немає опалення вже тиждень, батареї холодні."

    func testMassAndMultipleAreRecordedAtRegistration() async throws {
        let server = try await IntakeTestServer.start(self)
        // Five other authors on one issue: the sixth author's first appeal is "mass".
        for i in 1...5 {
            let number = try await server.register(
                name: "Мешканець Номер\(i)", address: "вул. Садова, 12, кв. \(i)",
                text: Self.issue)
            let recorded = try await server.frequency(number)
            XCTAssertEqual(recorded, "first", "\(i) authors so far: not yet mass")
        }
        let sixth = try await server.register(
            name: "Коваль Петро", address: "вул. Садова, 12, кв. 40", text: Self.issue)
        let sixthFrequency = try await server.frequency(sixth)
        XCTAssertEqual(sixthFrequency, "mass")
        let unrelated = try await server.register(
            name: "Коваль Ольга", address: "вул. Садова, 14, кв. 2",
            text: "Прошу пояснити порядок перерахунку "
                + "плати за тепло за жовтень місяць.")
        let unrelatedFrequency = try await server.frequency(unrelated)
        XCTAssertEqual(unrelatedFrequency, "first", "another issue in the same category")

        // One author whose issue was decided twice: the third time is "multiple".
        let author = ("Шевченко Тарас Григорович", "вул. Садова, 12, кв. 3")
        let text =
            "Прошу відновити освітлення у дворі будинку "
            + "на Садовій, 12: ліхтарі не світять."
        let first = try await server.register(name: author.0, address: author.1, text: text)
        _ = try await server.sql("UPDATE appeals SET status = 'answered' WHERE registration_number = \(first)")
        let second = try await server.register(name: author.0, address: author.1, text: text)
        let secondFrequency = try await server.frequency(second)
        XCTAssertEqual(secondFrequency, "repeat")
        _ = try await server.sql("UPDATE appeals SET status = 'closed' WHERE registration_number = \(second)")
        let third = try await server.register(name: author.0, address: author.1, text: text)
        let thirdFrequency = try await server.frequency(third)
        XCTAssertEqual(thirdFrequency, "multiple")
    }
}
