import Foundation
import HromadaTestSupport
import XCTest

/// One appeal through the real processes, from the centre to the answer,
/// with the resident's emails, the tracking view and the audit trail checked at every step.
final class EndToEndTests: XCTestCase {
    func testAppealFromCentreToAnswerAcrossRealProcesses() async throws {
        try IntegrationEnvironment.requireServers()
        let system = try await SystemHarness.start(replicas: 1)
        addTeardownBlock { await system.cleanup() }
        let http = SystemHTTP.shared
        var reachedEnd = false
        defer { if !reachedEnd || (testRun?.failureCount ?? 0) > 0 { system.printLogs() } }

        // Seed through the admin APIs: a centre, an official of ЖКГ (heating → zhkg) and reception staff.
        let centreKey = try await system.seedCentre(id: "lib-central")
        // The head of ЖКГ: answers and extensions take effect under the head's signature (Art. 15, 20).
        let official = try await system.seedHousingOfficial(email: "official.zhkg@example.org")
        _ = try await system.seedReception()
        // The directory reaches notification over the broker before the first ticket does.
        let knowsOfficials = try await eventually(timeout: .seconds(20)) {
            try await system.scalar("SELECT count(*) FROM notification.officials") >= 2
        }
        XCTAssertTrue(knowsOfficials, "official.updated did not reach notification")

        // 1. Submitted at the centre through the API.
        let resident = "resident.\(UUID().uuidString.prefix(8).lowercased())@example.org"
        let appeal: [String: Any] = [
            "kind": "application", "category": "heating",
            "author": [
                "fullName": "Шевченко Тарас Григорович",
                "address": "вул. Садова, 12, кв. 3", "email": resident,
                "preferredLanguage": "uk",
            ],
            "subject": "Немає опалення",
            "text": "У квартирі немає опалення вже третій тиждень, "
                + "прошу допомогти.",
            "consent": true, "assistedBy": "Оксана",
        ]
        let auth = ["Authorization": "Bearer \(centreKey)"]
        let submitted = try await http.json(
            "POST", system.baseURL(.intake) + "/v1/appeals", appeal,
            headers: auth.merging(["Idempotency-Key": UUID().uuidString]) { a, _ in a })
        XCTAssertEqual(submitted.status, 201, submitted.text)
        let receipt = try submitted.object()
        let number = try XCTUnwrap(receipt["registrationNumber"] as? String)
        let trackingToken = try XCTUnwrap(receipt["trackingToken"] as? String)
        XCTAssertEqual(receipt["status"] as? String, "registered")

        // 2. Routed: the ticket is in the official's inbox.
        let officialAuth = ["Authorization": "Bearer \(official.token)"]
        let ticketId = await system.ticketId(for: number, seenBy: official, timeout: .seconds(20))
        let ticket = try XCTUnwrap(ticketId, "no ticket for \(number) in the zhkg inbox")

        // The resident got the registration notice with the number.
        let registrationMail = try await awaitMails(system, to: resident, count: 1)
        XCTAssertTrue(
            registrationMail.first.map { $0.subject.contains(number) || $0.text.contains(number) } ?? false,
            "registration email lacks the number: \(registrationMail.first?.subject ?? "none")")
        // The official was told about the new ticket.
        let officialMail = try await awaitMails(system, to: official.email, count: 1)
        XCTAssertFalse(officialMail.isEmpty)

        // 3. The official views (personal data access), accepts, extends and answers.
        let view = try await http.request(
            "GET", system.baseURL(.routing) + "/v1/tickets/\(ticket)", headers: officialAuth)
        XCTAssertEqual(view.status, 200, view.text)
        let detail = try view.object()
        XCTAssertEqual(detail["registrationNumber"] as? String, number)
        XCTAssertEqual(detail["authority"] as? String, "zhkg")
        let firstDeadline = try XCTUnwrap(detail["deadline"] as? String)

        let accepted = try await http.json(
            "POST", system.baseURL(.routing) + "/v1/tickets/\(ticket)/accept", [String: Any](), headers: officialAuth)
        XCTAssertEqual(accepted.status, 200, accepted.text)
        XCTAssertEqual(try accepted.object()["status"] as? String, "accepted")

        let extended = try await http.json(
            "POST", system.baseURL(.routing) + "/v1/tickets/\(ticket)/extend",
            ["days": 15, "reason": "Потрібна перевірка тепломережі"], headers: officialAuth)
        XCTAssertEqual(extended.status, 200, extended.text)
        let newDeadline = try XCTUnwrap(try extended.object()["deadline"] as? String)
        XCTAssertGreaterThan(newDeadline, firstDeadline)
        let extensionMails = try await awaitMails(system, to: resident, count: 2)
        XCTAssertTrue(
            extensionMails.dropFirst().contains {
                $0.text.contains(newDeadline) || $0.text.contains(Self.dotted(newDeadline))
            },
            "the extension email does not name the new deadline \(newDeadline): \(extensionMails.map(\.subject))")

        let answerText =
            "Опалення відновлено після ремонту ділянки тепломережі."
        let answered = try await http.json(
            "POST", system.baseURL(.routing) + "/v1/tickets/\(ticket)/answer",
            ["outcome": "resolved-positively", "text": answerText], headers: officialAuth)
        XCTAssertEqual(answered.status, 200, answered.text)
        XCTAssertEqual(try answered.object()["status"] as? String, "answered")
        let allMails = try await awaitMails(system, to: resident, count: 3)
        XCTAssertTrue(
            allMails.contains { $0.text.contains(answerText) },
            "the answer email does not carry the answer: \(allMails.map(\.subject))")
        XCTAssertEqual(
            allMails.count, 3,
            "exactly one email per resident notice (registration, extension, answer): \(allMails.map(\.subject))")
        for mail in allMails {
            XCTAssertTrue(
                mail.subject.contains(number) || mail.text.contains(number), "email without the number: \(mail.subject)"
            )
        }

        // 4. Tracking (JSON and the resident's page) shows every step.
        var statuses: [String] = []
        let tracked = try await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
            let r = try await http.request(
                "GET", system.baseURL(.intake) + "/v1/appeals/\(number)?token=\(trackingToken)")
            guard r.status == 200 else { return false }
            let body = try r.object()
            statuses = ((body["history"] as? [[String: Any]]) ?? []).compactMap { $0["status"] as? String }
            return body["status"] as? String == "answered"
        }
        XCTAssertTrue(tracked, "tracking never showed 'answered'; history: \(statuses)")
        for step in ["registered", "assigned", "accepted", "answered"] {
            XCTAssertTrue(statuses.contains(step), "tracking history lacks \(step): \(statuses)")
        }
        XCTAssertTrue(
            statuses.contains("extended") || statuses.filter { $0 == "accepted" }.count >= 2,
            "no extension step: \(statuses)")
        let wrongToken = try await http.request(
            "GET", system.baseURL(.intake) + "/v1/appeals/\(number)?token=wrong-token")
        XCTAssertEqual(wrongToken.status, 404)
        // Issue 14: the old link proves the code and redirects to a clean address (the proof cookie).
        let page = try await TrackingPageClient.get(
            system.baseURL(.intake) + "/track?number=\(number)&token=\(trackingToken)&lang=en")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains(number))

        // 5. The audit trail lists every event in order, with the official's view; the chain verifies.
        let adminAuth = system.adminHeaders
        var types: [String] = []
        let complete = try await eventually(timeout: .seconds(20), every: .milliseconds(300)) {
            let r = try await http.request("GET", system.baseURL(.audit) + "/v1/trail/\(number)", headers: adminAuth)
            guard r.status == 200, let entries = try r.object()["entries"] as? [[String: Any]] else { return false }
            let sequences = entries.compactMap { ($0["sequence"] as? NSNumber)?.int64Value }
            XCTAssertEqual(sequences, sequences.sorted(), "trail not in chain order")
            types = entries.compactMap { $0["type"] as? String }
            return [
                "appeal.registered", "ticket.assigned", "ticket.accepted", "ticket.extended", "ticket.answered",
                "personal-data.accessed",
            ]
            .allSatisfy(types.contains) && types.filter { $0 == "notification.sent" }.count >= 3
        }
        XCTAssertTrue(complete, "incomplete trail: \(types)")
        let lifecycle = types.filter {
            ["appeal.registered", "ticket.assigned", "ticket.accepted", "ticket.extended", "ticket.answered"].contains(
                $0)
        }
        XCTAssertEqual(
            lifecycle,
            ["appeal.registered", "ticket.assigned", "ticket.accepted", "ticket.extended", "ticket.answered"])
        let verify = try await http.request("GET", system.baseURL(.audit) + "/v1/verify", headers: adminAuth)
        XCTAssertEqual(verify.status, 200)
        let verification = try verify.object()
        XCTAssertEqual(verification["ok"] as? Bool, true, verify.text)
        XCTAssertGreaterThan((verification["entries"] as? NSNumber)?.intValue ?? 0, 5)

        // 6. SIGTERM: every service drains and exits 0.
        for service in SystemHarness.Service.allCases.reversed() {
            let result = await system.terminate(service)
            XCTAssertEqual(result, .exited(0), "\(service.executable) on SIGTERM: \(result)")
        }
        reachedEnd = true
    }

    /// The librarian's form: log in with the librarian's account, read the CSRF token from the form, post the
    /// appeal exactly as the browser would; the receipt names the number and the appeal is routed.
    func testLibrarianFormSubmissionIsRegisteredAndRouted() async throws {
        try IntegrationEnvironment.requireServers()
        let system = try await SystemHarness.start(replicas: 1)
        addTeardownBlock { await system.cleanup() }
        let http = SystemHTTP.shared
        _ = try await system.seedCentre(
            id: "lib-branch-5", name: "ЦОГ бібліотеки-філії №5",
            address: "пр. Центральний, 10")
        let official = try await system.seedOfficial(
            name: "Іван Петренко", authority: "zhkg", email: "petrenko@example.org")
        let intake = system.baseURL(.intake)

        // Librarians sign in to the form with their own accounts (issue 13); the key is for machines.
        let password = "librarian-" + UUID().uuidString.lowercased()
        let account = try await http.json(
            "PUT", intake + "/v1/admin/centres/lib-branch-5/librarians/oksana", ["password": password],
            headers: system.adminHeaders)
        XCTAssertEqual(account.status, 201, account.text)
        let login = try await http.form(
            intake + "/form/login?lang=uk", [("centre", "lib-branch-5"), ("login", "oksana"), ("password", password)])
        XCTAssertEqual(login.status, 303, login.text)
        let setCookie = try XCTUnwrap(login.header("Set-Cookie"), "no session cookie")
        let cookie = String(setCookie.prefix { $0 != ";" })
        let form = try await http.request("GET", intake + "/?lang=uk", headers: ["Cookie": cookie])
        XCTAssertEqual(form.status, 200)
        let csrf = try XCTUnwrap(
            Self.attribute(in: form.text, after: "name=\"csrf\" value=\""), "no CSRF field in the form")
        let resident = "form.resident@example.org"
        let submitted = try await http.form(
            intake + "/form/appeals?lang=uk",
            [
                ("csrf", csrf), ("fullName", "Коваленко Марія Іванівна"),
                ("address", "вул. Соборна, 5, кв. 8"),
                ("email", resident), ("preferredLanguage", "uk"), ("kind", "application"), ("category", "heating"),
                ("subject", "Холодні батареї"),
                (
                    "text",
                    "Батареї в під'їзді холодні з початку сезону, "
                        + "прошу перевірити."
                ),
                ("consent", "true"), ("assistedBy", "Бібліотекарка Ніна"),
            ], headers: ["Cookie": cookie])
        XCTAssertEqual(submitted.status, 201, String(submitted.text.prefix(2000)))
        let number = try XCTUnwrap(
            Self.element(in: submitted.text, id: "registration-number"), "receipt without a number")
        XCTAssertFalse(number.isEmpty)
        let fromForm = try await system.scalar(
            "SELECT count(*) FROM intake.appeals WHERE channel = 'centre' AND centre_id = 'lib-branch-5'")
        XCTAssertEqual(fromForm, 1)

        let routed = await system.ticketId(for: number, seenBy: official, timeout: .seconds(20))
        XCTAssertNotNil(routed, "the form's appeal \(number) was not routed")
        let mails = try await awaitMails(system, to: resident, count: 1)
        XCTAssertTrue(mails.contains { $0.subject.contains(number) || $0.text.contains(number) })
    }

    // MARK: Helpers

    /// Waits until `address` has at least `count` emails; returns them oldest first.
    func awaitMails(_ system: SystemHarness, to address: String, count: Int, timeout: Duration = .seconds(30))
        async throws -> [SystemHarness.Mail]
    {
        var mails: [SystemHarness.Mail] = []
        _ = try await eventually(timeout: timeout, every: .milliseconds(250)) {
            mails = try await system.mails(to: address)
            return mails.count >= count
        }
        XCTAssertGreaterThanOrEqual(mails.count, count, "emails to \(address): \(mails.map(\.subject))")
        return mails
    }

    /// `2025-01-31` → `31.01.2025` (how a Ukrainian notice may print a date).
    static func dotted(_ isoDate: String) -> String {
        let parts = isoDate.split(separator: "-")
        guard parts.count == 3 else { return isoDate }
        return "\(parts[2]).\(parts[1]).\(parts[0])"
    }

    static func attribute(in html: String, after marker: String) -> String? {
        guard let start = html.range(of: marker) else { return nil }
        return String(html[start.upperBound...].prefix { $0 != "\"" })
    }

    static func element(in html: String, id: String) -> String? {
        guard let start = html.range(of: "id=\"\(id)\">") else { return nil }
        return String(html[start.upperBound...].prefix { $0 != "<" }).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
