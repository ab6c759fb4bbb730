import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import XCTest

@testable import Routing

/// The officials' inbox against the real PostgreSQL and RabbitMQ: search, each filter, paging and
/// counts; assignment only within the authority; internal notes as sealed audit events; the CSV
/// export recorded as an access; erasure clearing the search column and the notes.
final class InboxIntegrationTests: XCTestCase {
    static let registered = ISO8601.parse("2026-11-27T10:00:00+02:00")!
    static let today = LocalDate(string: "2026-11-30")!

    func appeal(_ n: Int, name: String, address: String, district: String?, kind: AppealKind = .application,
                category: String = "heating", text: String = "У квартирі немає опалення з понеділка.")
        -> AppealRegistered
    {
        var a = RoutingFixture.appeal(
            category: category, district: district, kind: kind, registeredAt: Self.registered.addingTimeInterval(
                Double(n) * 60), number: 500_000 + n)
        a.author.fullName = name
        a.author.address = address
        a.text = text
        return a
    }

    func page(_ f: RoutingFixture, _ principal: Principal, _ pairs: [(String, String)], today: LocalDate = today)
        async throws -> InboxPage
    {
        let query = try InboxQuery.parse(pairs).get()
        return try await f.runtimes[0].database.withConnection { c in
            try RoutingStore.inboxPage(query, principal: principal, today: today, on: c)
        }
    }

    /// `XCTAssertEqual` for awaited values (its autoclosures cannot await).
    func expectEqual<T: Equatable>(
        _ actual: T, _ expected: T, _ message: String = "", file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(actual, expected, message, file: file, line: line)
    }

    func testSearchFiltersPagingAssignmentNotesExportAndErasure() async throws {
        let f = try await RoutingFixture.start(self, clock: TestClock(Self.registered))
        // 24 heating appeals for zhkg: 8 from Коваленко in Korabelnyi (complaints), 16 from others.
        var appeals: [AppealRegistered] = []
        for n in 0..<24 {
            let kovalenko = n % 3 == 0
            appeals.append(
                appeal(
                    n, name: kovalenko ? "Іван Коваленко" : "Марія Шевчук",
                    address: kovalenko ? "вул. Морехідна, 7" : "просп. Центральний, 12",
                    district: kovalenko ? "korabelnyi" : "tsentralnyi", kind: kovalenko ? .complaint : .application,
                    text: n == 5 ? "Прорвало трубу біля будинку, вода у підвалі." : "Немає опалення."))
        }
        // And one for another body (roads), which a zhkg official never sees.
        let elsewhere = appeal(99, name: "Іван Коваленко", address: "вул. Морехідна, 7", district: nil, category: "public-transport")
        try await f.publish(try (appeals + [elsewhere]).map(f.envelope))
        for a in appeals + [elsewhere] { _ = try await f.waitForTicket(a) }

        let (aId, _) = try await f.official(name: "Оксана Левченко", authority: "zhkg")
        let (bId, _) = try await f.official(name: "Петро Гнатюк", authority: "zhkg")
        let (cId, _) = try await f.official(name: "Чужий Урядовець", authority: "korabelnyi-administration")
        let a = Principal(id: aId, name: "Оксана Левченко", role: .official, authority: "zhkg")
        let b = Principal(id: bId, name: "Петро Гнатюк", role: .official, authority: "zhkg")
        let c = Principal(id: cId, name: "Чужий Урядовець", role: .official, authority: "korabelnyi-administration")

        // The default list: this authority's open tickets, with labelled counts.
        let all = try await page(f, a, [])
        XCTAssertEqual(all.total, 24)
        XCTAssertEqual(all.open, 24)
        XCTAssertEqual(all.rows.count, 24)
        XCTAssertTrue(all.rows.allSatisfy { $0.ticket.authority == "zhkg" })

        // Search: a name's prefix, an address word, a word of the text, a number and its serial.
        expectEqual(try await page(f, a, [("q", "коваленк")]).total, 8)
        expectEqual(try await page(f, a, [("q", "Морехідна Коваленко")]).total, 8)
        expectEqual(try await page(f, a, [("q", "трубу")]).total, 1)
        expectEqual(try await page(f, a, [("q", "Прорвало")]).rows.first?.ticket.registrationNumber, "MK-2026-500005")
        expectEqual(try await page(f, a, [("q", "mk-2026-500007")]).rows.map(\.ticket.registrationNumber),
                       ["MK-2026-500007"])
        expectEqual(try await page(f, a, [("q", "500007")]).total, 1)
        expectEqual(try await page(f, a, [("q", "нічого-такого")]).total, 0)
        expectEqual(try await page(f, c, [("q", "коваленко")]).total, 0, "another body's official sees none")

        // Filters: district, kind, category, overdue, due this week.
        expectEqual(try await page(f, a, [("district", "korabelnyi")]).total, 8)
        expectEqual(try await page(f, a, [("kind", "complaint")]).total, 8)
        expectEqual(try await page(f, a, [("category", "roads")]).total, 0)
        expectEqual(try await page(f, a, [("overdue", "true")]).total, 0)
        let later = LocalDate(string: "2027-02-01")!
        expectEqual(try await page(f, a, [("overdue", "true")], today: later).total, 24)
        let deadline = all.rows[0].ticket.deadline
        expectEqual(try await page(f, a, [("week", "true")], today: deadline.adding(days: -1)).total, 24)
        expectEqual(try await page(f, a, [("week", "true")], today: deadline.adding(days: 1)).total, 0)

        // Paging and sorting: pages of 10 do not overlap and cover everything.
        let p1 = try await page(f, a, [("size", "10"), ("sort", "number")])
        let p2 = try await page(f, a, [("size", "10"), ("sort", "number"), ("page", "2")])
        let p3 = try await page(f, a, [("size", "10"), ("sort", "number"), ("page", "3")])
        XCTAssertEqual([p1.rows.count, p2.rows.count, p3.rows.count], [10, 10, 4])
        let numbers = (p1.rows + p2.rows + p3.rows).map(\.ticket.registrationNumber)
        XCTAssertEqual(numbers, numbers.sorted())
        XCTAssertEqual(Set(numbers).count, 24)
        let newest = try await page(f, a, [("sort", "registered"), ("size", "10")])
        XCTAssertEqual(newest.rows.first?.ticket.registrationNumber, "MK-2026-500023")

        // Answered and closed tickets leave the default list; a filter shows them.
        let closedId = all.rows[0].ticket.id
        let db = f.db.client(poolSize: 1)
        _ = try await db.execute("UPDATE tickets SET status = 'closed' WHERE id = \(closedId)")
        await db.close()
        expectEqual(try await page(f, a, []).total, 23)
        expectEqual(try await page(f, a, [("status", "finished")]).rows.map(\.ticket.id), [closedId])
        expectEqual(try await page(f, a, [("status", "all")]).total, 24)

        // Assignment: only to an official of the ticket's body, only by its people; "mine" lists it.
        let ticketId = all.rows[1].ticket.id
        let runtime = f.runtimes[0]
        let now = Self.registered
        try await runtime.transaction { tx in
            try RoutingStore.assign(ticketId: ticketId, to: UUID(uuidString: bId)!, principal: a, now: now, in: tx)
        }
        do {
            try await runtime.transaction { tx in
                try RoutingStore.assign(ticketId: ticketId, to: UUID(uuidString: cId)!, principal: a, now: now, in: tx)
            }
            XCTFail("assigned to another body's official")
        } catch let error as RoutingError {
            XCTAssertEqual(error.code, "not_a_colleague")
            XCTAssertEqual(error.field, "assignee")
        }
        do {
            try await runtime.transaction { tx in
                try RoutingStore.assign(ticketId: ticketId, to: UUID(uuidString: cId)!, principal: c, now: now, in: tx)
            }
            XCTFail("another body's official assigned a ticket")
        } catch TicketRefusal.notFound {}
        let mine = try await page(f, b, [("mine", "true")])
        XCTAssertEqual(mine.rows.map(\.ticket.id), [ticketId])
        XCTAssertEqual(mine.rows.first?.assigneeName, "Петро Гнатюк")
        XCTAssertEqual(mine.mine, 1)
        expectEqual(try await page(f, a, [("mine", "true")]).total, 0)

        // A note: stored, published as ticket.note-added with its text sealed; another body cannot add one.
        let secret = "Заявник просив не телефонувати до обіду"
        try await runtime.transaction { tx in
            try RoutingStore.addNote(ticketId: ticketId, text: secret, principal: b, now: now, in: tx)
        }
        do {
            try await runtime.transaction { tx in
                try RoutingStore.addNote(ticketId: ticketId, text: "чужа нотатка", principal: c, now: now, in: tx)
            }
            XCTFail("another body's official added a note")
        } catch TicketRefusal.notFound {}
        let notes = try await runtime.database.withConnection { c in try RoutingStore.notes(ticketId: ticketId, on: c) }
        XCTAssertEqual(notes.map(\.text), [secret])
        XCTAssertEqual(notes.first?.authorName, "Петро Гнатюк")
        let noted = try await eventually(timeout: .seconds(20)) {
            let notes = try await f.observed(type: TicketNoteAdded.eventType)
            let delegations = try await f.observed(type: TicketDelegated.eventType)
            return !notes.isEmpty && !delegations.isEmpty
        }
        XCTAssertTrue(noted)
        let noteEvent = try await f.observed(type: TicketNoteAdded.eventType)
        XCTAssertEqual(noteEvent.count, 1)
        XCTAssertEqual(noteEvent.first?.routingKey, "ticket.note-added.v1.zhkg")
        // The audit trail receives the note; its text is a personal field, sealed when the bus has a key.
        XCTAssertEqual(try noteEvent[0].decode(TicketNoteAdded.self).text, secret)
        XCTAssertEqual(TicketNoteAdded.personalFields, [["text"]])
        expectEqual(try await f.observed(type: TicketDelegated.eventType).count, 1)

        // The export: the filtered rows, each recorded as a personal-data access.
        let api = RoutingAPI(runtime: runtime, settings: RoutingSettings(clock: f.clock.clock))
        let exported = try await api.exportRows(
            try InboxQuery.parse([("q", "коваленк"), ("status", "all")]).get(), principal: a)
        XCTAssertEqual(exported.count, 8)
        XCTAssertTrue(exported.allSatisfy { $0.authorName == "Іван Коваленко" })
        func exportAccesses() async throws -> [PersonalDataAccessed] {
            try await f.observed(type: PersonalDataAccessed.eventType).map { try $0.decode(PersonalDataAccessed.self) }
                .filter { $0.purpose == "inbox.export" }
        }
        _ = try await eventually(timeout: .seconds(20)) { try await exportAccesses().count >= 8 }
        let accesses = try await exportAccesses()
        XCTAssertEqual(accesses.count, 8, "one recorded access per exported ticket")
        XCTAssertEqual(Set(accesses.map(\.registrationNumber)), Set(exported.map(\.ticket.registrationNumber)))

        // Erasure: the search no longer finds the resident, the note is gone.
        let erased = all.rows[1].ticket
        let erasedRow = try await api.exportRows(
            try InboxQuery.parse([("q", erased.registrationNumber), ("status", "all")]).get(), principal: a)
        let surname = try XCTUnwrap(erasedRow.first?.authorName.split(separator: " ").last).lowercased()
        let before = try await page(f, a, [("q", surname), ("status", "all")]).total
        try await runtime.transaction { tx in
            try RoutingErasure.erase(
                AppealPersonalDataErased(
                    appealId: erased.appealId, registrationNumber: erased.registrationNumber,
                    trigger: .retention, erasedBy: "test", erasedAt: now), in: tx)
        }
        expectEqual(try await page(f, a, [("q", surname), ("status", "all")]).total, before - 1)
        expectEqual(try await page(f, a, [("q", erased.registrationNumber)]).total, 1, "the number stays")
        let afterNotes = try await runtime.database.withConnection { c in
            try RoutingStore.notes(ticketId: ticketId, on: c)
        }
        XCTAssertFalse(afterNotes.contains { $0.text.contains("обіду") }, "erasure replaced the note")
    }
}
