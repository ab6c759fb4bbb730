import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import Intake

/// The librarian's form in a real headless chromium (issue 20): the librarian signs in, fills the
/// author, two co-signers (Art. 5: a collective appeal), a representative with the document of
/// powers, and the head's personal reception (Art. 22), submits, and gets the receipt; the appeal
/// is stored with every section and classified collective, arrived at a personal reception.
final class CollectiveFormInBrowserTests: XCTestCase {
    func testCoSignersRepresentativeAndReceptionThroughTheFormInChromium() async throws {
        _ = try HeadlessBrowser.chromium()
        // A known port: the browser's Origin must be the service's public URL (the kit's CSRF check).
        let server = try await IntakeTestServer.start(self, port: Int(try HeadlessBrowser.freePort()))
        let harness = server.harness
        let db = server.db
        let librarian = try await TestLibrarian.create(
            on: harness, centre: "central-library", login: "oksana", adminToken: IntakeTestServer.adminToken)

        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        try await browser.open(harness.baseURL + "/?lang=en")
        for (name, value) in librarian.signInFields { try browser.fill(name, value) }
        try await browser.click("form:has(input[name=password]) button[type=submit]")
        try await browser.wait(until: "document.querySelector('[name=coSigners]') !== null")

        let today = LocalDate(date: Date(), in: .kyiv)
        let fields: [(String, String)] = [
            ("fullName", "Коваленко Марія Іванівна"),
            ("address", "вул. Нікольська, 20, кв. 7"),
            ("kind", "application"), ("category", "heating"),
            ("subject", "Немає опалення в будинку"),
            (
                "text",
                "У будинку на Нікольській, 20 немає опалення вже тиждень; "
                    + "просимо відновити."
            ),
            (
                "coSigners",
                "Петренко Олег Васильович; вул. Нікольська, 20, кв. 9\n"
                    + "Сидоренко Ганна; вул. Нікольська, 20, кв. 12"
            ),
            ("repName", "Бондар Ірина Петрівна"),
            ("repAddress", "вул. Соборна, 5, кв. 1"),
            ("repDocumentKind", "power-of-attorney"), ("repDocumentNumber", "ННН 123456"),
            ("repDocumentDate", today.adding(days: -30).description),
            ("receptionHead", "Сєнкевич Олександр Федорович"),
            ("receptionDay", today.description),
        ]
        for (name, value) in fields { try browser.fill(name, value) }
        try browser.screenshot("intake-form-collective-filled")
        try await browser.click("form:has([name=coSigners]) button[type=submit]")
        let receipt = try browser.html()
        let number = try XCTUnwrap(
            receipt.range(of: #"MK-\d{4}-\d{6,}"#, options: .regularExpression).map { String(receipt[$0]) },
            "a receipt with the registration number: \(receipt.prefix(2000))")
        XCTAssertTrue(receipt.contains("id=\"tracking-token\""))
        XCTAssertTrue(receipt.contains("Central") || receipt.contains("ЦОГ"), "the centre is named")
        try browser.screenshot("intake-receipt-collective")

        // Stored with every section, classified collective and arrived at a personal reception.
        let client = db.client(poolSize: 1)
        let row = try await client.query(
            """
            SELECT co_signers::text, representative::text, reception::text, arrival, collective
            FROM appeals WHERE registration_number = \(number)
            """
        ).first
        await client.close()
        let stored = try XCTUnwrap(row)
        let coSigners = try stored.decode(0, as: String.self)
        XCTAssertTrue(
            coSigners.contains("Петренко Олег Васильович")
                && coSigners.contains("Сидоренко Ганна"))
        let representative = try stored.decode(1, as: String.self)
        XCTAssertTrue(representative.contains("ННН 123456") && representative.contains("power-of-attorney"))
        XCTAssertTrue(try stored.decode(2, as: String.self).contains("Сєнкевич"))
        XCTAssertEqual(try stored.decode(3, as: String.self), "personal-reception")
        XCTAssertEqual(try stored.decode(4, as: Bool.self), true)
    }
}
