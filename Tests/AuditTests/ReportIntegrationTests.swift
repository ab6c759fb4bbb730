import Foundation
import HromadaAMQP
import HromadaAPI
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import XCTest

@testable import Audit

/// Reports and open data end to end: a known set of appeals published as events on a real broker,
/// appended by the audit service to a real database, read back over HTTP and checked figure by
/// figure; erasure leaves the figures unchanged; the open-data export holds no trace of a resident.
final class ReportIntegrationTests: XCTestCase {
    let adminToken = "report-test-admin-\(UUID().uuidString)"
    /// "Now" for the service: 20 November 2026, noon in Kyiv.
    static let now = day("2026-11-20").startOfDay(in: .kyiv).addingTimeInterval(12 * 3600)

    static func day(_ text: String) -> LocalDate { LocalDate(string: text)! }
    /// 10:00 in Kyiv on `text`.
    static func at(_ text: String) -> Date { day(text).startOfDay(in: .kyiv).addingTimeInterval(10 * 3600) }

    typealias Fixture = AuditServiceFixture

    func start() async throws -> Fixture {
        let now = Self.now
        return try await Fixture.start(
            for: self, label: "report-test", adminToken: adminToken,
            settings: AuditSettings(clock: { now }, checkpointEvery: 0, checkpointInterval: .zero),
            topology: AMQPTopology(exchanges: EventTopology.exchanges, queues: [], bindings: []))
    }

    var auth: [String: String] { ["Authorization": "Bearer \(adminToken)"] }

    func publish(_ envelopes: [Envelope], on fixture: Fixture) async throws {
        try await fixture.client.publish(envelopes.map(AMQPOutgoingMessage.init(publishing:)))
        let expected = envelopes.count
        let reached = try await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            (try await fixture.admin.count("SELECT count(*)::bigint FROM audit.log") ?? 0) >= expected
        }
        XCTAssertTrue(reached, "the log holds the \(expected) events")
    }

    func get<T: Decodable>(_ type: T.Type, _ path: String, on fixture: Fixture) async throws -> T {
        let response = try await fixture.harness.request("GET", path, headers: auth)
        XCTAssertEqual(response.status, 200, response.text)
        return try APICoding.decode(T.self, from: Data(response.text.utf8))
    }

    // MARK: A known set of appeals

    /// Builds one appeal's events; `steps` add ticket events after registration.
    struct AppealEvents {
        let id = UUID()
        let ticket = UUID()
        let number: String
        var events: [Envelope] = []

        init(
            _ number: String, registered: String, category: String = "heating", district: String? = "zavodskyi",
            kind: AppealKind = .application, centre: String? = "c1", repeatOf: String? = nil,
            author: String = "Іван Петренко", address: String = "вул. Соборна, 1",
            text: String = "Немає опалення",
            classifier: AppealRegistered.Classifier? = nil
        ) throws {
            self.number = number
            let event = AppealRegistered(
                appealId: id, registrationNumber: number, registeredAt: at(registered), kind: kind, category: category,
                district: district, author: .init(fullName: author, address: address, email: "r@example.org"),
                subject: "Звернення", text: text, centreId: centre, repeatOf: repeatOf,
                trackingToken: "t-\(number)",
                channel: "centre", classifier: classifier)
            events.append(
                try Envelope(
                    event: event, occurredAt: at(registered), correlationId: id, causationId: nil,
                    producer: Producers.intake))
        }

        private func at(_ day: String) -> Date { ReportIntegrationTests.at(day) }

        mutating func add<E: DomainEvent>(_ event: E, on day: String) throws {
            events.append(
                try Envelope(
                    event: event, occurredAt: at(day), correlationId: id, causationId: events.first?.id,
                    producer: Producers.routing))
        }

        mutating func assign(_ authority: String, deadline: String, on day: String, category: String = "heating")
            throws
        {
            try add(
                TicketAssigned(
                    ticketId: ticket, appealId: id, registrationNumber: number, authority: authority,
                    category: category,
                    priority: false, deadline: ReportIntegrationTests.day(deadline), assignedAt: at(day), reason: "rule"
                ),
                on: day)
        }

        mutating func answer(_ authority: String, _ outcome: AnswerOutcome, on day: String) throws {
            try add(
                TicketAnswered(
                    ticketId: ticket, appealId: id, registrationNumber: number, authority: authority,
                    officialId: "official-1", outcome: outcome, answerText: "Відповідь", answeredAt: at(day)),
                on: day)
        }
    }

    /// Received in November: seven appeals with known figures, and one in October outside the period.
    func knownSet() throws -> [AppealEvents] {
        var a1 = try AppealEvents(
            "MK-2026-100001", registered: "2026-11-02",
            classifier: .init(arrival: "centre", frequency: "first", form: "individual"))
        try a1.assign("zhkg", deadline: "2026-11-17", on: "2026-11-02")
        try a1.answer("zhkg", .resolvedPositively, on: "2026-11-06")  // 4 days, on time

        var a2 = try AppealEvents("MK-2026-100002", registered: "2026-11-02")
        try a2.assign("zhkg", deadline: "2026-11-17", on: "2026-11-02")
        try a2.add(
            TicketExtended(
                ticketId: a2.ticket, appealId: a2.id, registrationNumber: a2.number, authority: "zhkg",
                officialId: "head-1", reason: "Обстеження", previousDeadline: Self.day("2026-11-17"),
                newDeadline: Self.day("2026-12-02"), extendedAt: Self.at("2026-11-10")), on: "2026-11-10")
        try a2.answer("zhkg", .explained, on: "2026-11-19")  // 17 days, on time after the extension

        var a3 = try AppealEvents("MK-2026-100003", registered: "2026-11-02", kind: .complaint)
        try a3.assign("zhkg", deadline: "2026-11-17", on: "2026-11-02")
        try a3.add(
            TicketForwarded(
                ticketId: a3.ticket, appealId: a3.id, registrationNumber: a3.number, authority: "transport",
                fromAuthority: "zhkg", officialId: "official-1", reason: "Не наша",
                forwardedAt: Self.at("2026-11-04"),
                deadline: Self.day("2026-11-17")), on: "2026-11-04")
        try a3.answer("transport", .refused, on: "2026-11-18")  // 16 days, late

        var a4 = try AppealEvents(
            "MK-2026-100004", registered: "2026-11-03", category: "roads", district: "inhulskyi",
            repeatOf: "MK-2026-000099", classifier: .init(arrival: "post", frequency: "repeat", form: "collective"))
        try a4.assign("zhkg", deadline: "2026-12-03", on: "2026-11-03", category: "roads")  // open

        var a5 = try AppealEvents("MK-2026-100005", registered: "2026-11-03", district: "inhulskyi", centre: nil)
        try a5.assign("zhkg", deadline: "2026-11-18", on: "2026-11-03")  // open, overdue

        var a6 = try AppealEvents("MK-2026-100006", registered: "2026-11-04", kind: .proposal)
        try a6.assign("zhkg", deadline: "2026-11-19", on: "2026-11-04")
        try a6.answer("zhkg", .explained, on: "2026-11-08")
        try a6.add(
            TicketReopened(
                ticketId: a6.ticket, appealId: a6.id, registrationNumber: a6.number, authority: "zhkg",
                reopenedBy: "resident", reason: "Не згоден", reopenedAt: Self.at("2026-11-10"),
                deadline: Self.day("2026-11-25")), on: "2026-11-10")  // disputed: open again, not overdue

        var a7 = try AppealEvents("MK-2026-100007", registered: "2026-11-05")
        try a7.add(
            AppealReturned(
                appealId: a7.id, registrationNumber: a7.number, reason: "Немає адреси",
                returnedAt: Self.at("2026-11-06")), on: "2026-11-06")

        var a8 = try AppealEvents("MK-2026-100008", registered: "2026-10-30")
        try a8.assign("zhkg", deadline: "2026-11-14", on: "2026-10-30")
        return [a1, a2, a3, a4, a5, a6, a7, a8]
    }

    func testReportsFromKnownEventsSurviveErasure() async throws {
        let fixture = try await start()
        let set = try knownSet()
        let centre = try Envelope(
            event: CentreUpdated(
                centreId: "c1", name: "ЦОГ Центральної бібліотеки",
                address: "вул. Потьомкінська, 143а",
                keyHash: String(repeating: "a", count: 64), active: true, updatedAt: Self.at("2026-10-01")),
            occurredAt: Self.at("2026-10-01"), correlationId: CentreUpdated.correlationId(centreId: "c1"),
            causationId: nil, producer: Producers.intake)
        // Tickets first and registrations last for two appeals: the projection does not depend on order.
        var envelopes = [centre] + set.flatMap(\.events)
        envelopes.swapAt(1, 2)
        try await publish(envelopes, on: fixture)

        let query = "from=2026-11-01&to=2026-11-30"
        let total = try await get(ReportJSON.Report.self, "/v1/reports/appeals?\(query)", on: fixture)
        let expected = ReportJSON.Figures(
            received: 7, answered: 3, answeredOnTime: 2, answeredLate: 1, open: 3, overdue: 1, extensions: 1,
            forwards: 1, repeats: 1, returned: 1, notConsidered: 0, disputes: 1, collective: 1,
            averageDaysToAnswer: 37.0 / 3,
            p90DaysToAnswer: 17, outcomes: .init(resolvedPositively: 1, refused: 1, explained: 1, other: 0))
        XCTAssertEqual(total.total, expected)
        XCTAssertEqual(total.asOf, Self.now)
        XCTAssertEqual(total.groups, [])

        let byAuthority = try await get(
            ReportJSON.Report.self, "/v1/reports/appeals?\(query)&by=authority", on: fixture)
        XCTAssertEqual(byAuthority.groups.map(\.key), ["none", "transport", "zhkg"])
        XCTAssertEqual(byAuthority.groups.map(\.figures.received), [1, 1, 5])
        XCTAssertEqual(byAuthority.groups[1].figures.answeredLate, 1)
        XCTAssertEqual(byAuthority.groups[1].figures.forwards, 1)

        let byDistrict = try await get(
            ReportJSON.Report.self, "/v1/reports/appeals?\(query)&by=district", on: fixture)
        XCTAssertEqual(byDistrict.groups.map(\.key), ["inhulskyi", "zavodskyi"])
        XCTAssertEqual(byDistrict.groups.map(\.nameUk), ["Інгульський", "Заводський"])
        XCTAssertEqual(byDistrict.groups.map(\.figures.received), [2, 5])
        XCTAssertEqual(byDistrict.groups[0].figures.overdue, 1)

        let byKind = try await get(ReportJSON.Report.self, "/v1/reports/appeals?\(query)&by=kind", on: fixture)
        XCTAssertEqual(byKind.groups.map(\.key), ["application", "complaint", "proposal"])
        XCTAssertEqual(byKind.groups.map(\.figures.received), [5, 1, 1])

        let byCentre = try await get(ReportJSON.Report.self, "/v1/reports/appeals?\(query)&by=centre", on: fixture)
        XCTAssertEqual(byCentre.groups.map(\.key), ["c1", "none"])
        XCTAssertEqual(byCentre.groups[0].nameUk, "ЦОГ Центральної бібліотеки")
        XCTAssertEqual(byCentre.groups.map(\.figures.received), [6, 1])

        let byDay = try await get(ReportJSON.Report.self, "/v1/reports/appeals?\(query)&by=day", on: fixture)
        XCTAssertEqual(byDay.groups.map(\.key), ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"])
        XCTAssertEqual(byDay.groups.map(\.figures.received), [3, 2, 1, 1])

        let byArrival = try await get(ReportJSON.Report.self, "/v1/reports/appeals?\(query)&by=arrival", on: fixture)
        XCTAssertEqual(byArrival.groups.map(\.key), ["centre", "none", "post"])
        XCTAssertEqual(byArrival.groups.map(\.figures.received), [1, 5, 1])
        XCTAssertEqual(byArrival.groups[2].figures.collective, 1)
        XCTAssertEqual(byArrival.groups[2].nameUk, "поштою (паперові)")

        let byCategory = try await get(
            ReportJSON.Report.self, "/v1/reports/appeals?\(query)&by=category", on: fixture)
        XCTAssertEqual(byCategory.groups.map(\.key), ["heating", "roads"])
        XCTAssertEqual(byCategory.groups.map(\.figures.repeats), [0, 1])

        // October alone: the one appeal outside November, overdue now.
        let october = try await get(
            ReportJSON.Report.self, "/v1/reports/appeals?from=2026-10-01&to=2026-10-31", on: fixture)
        XCTAssertEqual(october.total.received, 1)
        XCTAssertEqual(october.total.overdue, 1)

        // CSV: the same figures.
        let csv = try await fixture.harness.request(
            "GET", "/v1/reports/appeals.csv?\(query)&by=district", headers: auth)
        XCTAssertEqual(csv.status, 200)
        XCTAssertEqual(csv.header("Content-Type"), "text/csv; charset=utf-8")
        XCTAssertEqual(csv.text, byDistrict.csv())
        XCTAssertTrue(
            csv.text.hasSuffix("total,Усього,Total,7,3,2,1,3,1,1,1,1,1,0,1,12.3,17,1,1,1,0,1,0\r\n"), csv.text)

        // Bad input names the field; no token, no report.
        let bad = try await fixture.harness.request("GET", "/v1/reports/appeals?from=2026-11-31", headers: auth)
        XCTAssertEqual(bad.status, 422)
        XCTAssertTrue(bad.text.contains("\"field\":\"from\""), bad.text)
        let anonymous = try await fixture.harness.request("GET", "/v1/reports/appeals?\(query)")
        XCTAssertEqual(anonymous.status, 401)

        // The projection holds no personal data, and erasure changes no figure.
        let columns =
            try await fixture.admin.query(
                """
                SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns
                WHERE table_schema = 'audit' AND table_name = 'report_appeals'
                """
            ).first?.decode(0, as: String.self) ?? ""
        for column in columns.split(separator: ",") {
            XCTAssertNotEqual(column, "author")
            for personal in ["name", "address", "email", "phone", "text", "subject", "token", "assisted"] {
                XCTAssertFalse(column.contains(personal), "report_appeals has no personal column: \(column)")
            }
        }
        let erased = try await fixture.harness.request("POST", "/v1/erase/MK-2026-100001", headers: auth)
        XCTAssertEqual(erased.status, 200, erased.text)
        let after = try await get(ReportJSON.Report.self, "/v1/reports/appeals?\(query)", on: fixture)
        XCTAssertEqual(after.total, expected)

        // A system upgraded from a release without reports: the projection is rebuilt from the log
        // (after the erasure too: the entries keep their non-personal fields in clear).
        let backfill = try await fixture.admin.query(
            "SELECT through_seq, done_seq FROM audit.report_backfill"
        ).first
        XCTAssertEqual(try backfill?.decode(0, as: Int64.self), 0, "a fresh system has nothing to replay")
        let replayed = try await fixture.admin.withTransaction { connection -> Int in
            try connection.execute("SET LOCAL search_path = audit")
            try connection.execute("DELETE FROM report_appeals")
            try connection.execute("DELETE FROM report_centres")
            try connection.execute(
                "UPDATE report_backfill SET through_seq = (SELECT seq FROM chain_head), done_seq = 0")
            var total = 0
            while true {
                let applied = try ReportBackfill.step(pageSize: 5, on: connection)
                if applied == 0 { break }
                total += applied
            }
            return total
        }
        XCTAssertGreaterThanOrEqual(replayed, envelopes.count)
        for by in ["authority", "district", "centre", "day"] {
            let rebuilt = try await get(ReportJSON.Report.self, "/v1/reports/appeals?\(query)&by=\(by)", on: fixture)
            XCTAssertEqual(rebuilt.total, expected, by)
        }
        let rebuiltByCentre = try await get(
            ReportJSON.Report.self, "/v1/reports/appeals?\(query)&by=centre", on: fixture)
        XCTAssertEqual(rebuiltByCentre.groups, byCentre.groups)
    }

    func testOpenDataHoldsNoResidentAndSuppressesSmallCells() async throws {
        let fixture = try await start()
        let name = "Ярослава Унікальнова-Тестенко"
        let street = "вул. Неповторна, 77"
        let text = "Унікальний-текст-\(UUID().uuidString)"
        var set: [AppealEvents] = []
        for n in 1...5 {  // a cell of five: published
            var a = try AppealEvents(
                "MK-2026-2000\(n)", registered: "2026-11-07", district: "tsentralnyi",
                author: "Мешканець \(n)", address: "вул. Велика, \(n)")
            if n <= 2 {
                try a.assign("zhkg", deadline: "2026-11-22", on: "2026-11-07")
                try a.answer("zhkg", .explained, on: "2026-11-09")
            }
            set.append(a)
        }
        // The one resident of a small cell: suppressed, and nowhere in the export.
        set.append(
            try AppealEvents(
                "MK-2026-300001", registered: "2026-11-07", category: "roads", district: "tsentralnyi",
                author: name, address: street, text: text))
        try await publish(set.flatMap(\.events), on: fixture)

        let json = try await fixture.harness.request("GET", "/v1/open-data/2026-11-07.json", headers: auth)
        XCTAssertEqual(json.status, 200, json.text)
        let csv = try await fixture.harness.request("GET", "/v1/open-data/2026-11-07.csv", headers: auth)
        XCTAssertEqual(csv.status, 200, csv.text)
        for body in [json.text, csv.text] {
            for secret in [
                name, "Унікальнова", street, "Неповторна", text, "MK-2026-300001",
                "Мешканець", "Велика", "c1",
            ] {
                XCTAssertFalse(body.contains(secret), "the export holds \(secret)")
            }
        }
        let export = try APICoding.decode(ReportJSON.OpenDataDay.self, from: Data(json.text.utf8))
        XCTAssertEqual(export.threshold, 5)
        XCTAssertEqual(export.suppressedCells, 1)
        XCTAssertEqual(export.cells.count, 2)
        let heating = try XCTUnwrap(export.cells.first { $0.category == "heating" })
        XCTAssertEqual(heating.district, "tsentralnyi")
        XCTAssertFalse(heating.suppressed)
        XCTAssertEqual(heating.received, 5)
        XCTAssertEqual(heating.answered, 2)
        XCTAssertEqual(heating.answeredOnTime, 2)
        XCTAssertEqual(heating.open, 3)
        let roads = try XCTUnwrap(export.cells.first { $0.category == "roads" })
        XCTAssertTrue(roads.suppressed)
        XCTAssertNil(roads.received)
        XCTAssertTrue(json.text.contains("\"received\":null"), json.text)
        XCTAssertEqual(csv.text, export.csv())

        let badDay = try await fixture.harness.request("GET", "/v1/open-data/2026-11-7.csv", headers: auth)
        XCTAssertEqual(badDay.status, 422)
    }
}
