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
    static let registered = TicketSamples.now
    static let today = LocalDate(string: "2026-11-30")!

    func appeal(
        _ n: Int, name: String, address: String, district: String?, kind: AppealKind = .application,
        category: String = "heating",
        text: String = "У квартирі немає опалення з понеділка."
    )
        -> AppealRegistered
    {
        var a = RoutingFixture.appeal(
            category: category, district: district, kind: kind,
            registeredAt: Self.registered.addingTimeInterval(
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
                    text: n == 5
                        ? "Прорвало трубу біля будинку, вода у підвалі."
                        : "Немає опалення."))
        }
        // And one for another body (roads), which a zhkg official never sees.
        let elsewhere = appeal(
            99, name: "Іван Коваленко", address: "вул. Морехідна, 7", district: nil,
            category: "public-transport")
        try await f.publish(try (appeals + [elsewhere]).map(f.envelope))
        for a in appeals + [elsewhere] { _ = try await f.waitForTicket(a) }

        let (aId, _) = try await f.official(name: "Оксана Левченко", authority: "zhkg")
        let (bId, _) = try await f.official(name: "Петро Гнатюк", authority: "zhkg")
        let (cId, _) = try await f.official(
            name: "Чужий Урядовець", authority: "korabelnyi-administration")
        let a = Principal(id: aId, name: "Оксана Левченко", role: .official, authority: "zhkg")
        let b = Principal(id: bId, name: "Петро Гнатюк", role: .official, authority: "zhkg")
        let c = Principal(
            id: cId, name: "Чужий Урядовець", role: .official, authority: "korabelnyi-administration")

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
        expectEqual(
            try await page(f, a, [("q", "Прорвало")]).rows.first?.ticket.registrationNumber, "MK-2026-500005")
        expectEqual(
            try await page(f, a, [("q", "mk-2026-500007")]).rows.map(\.ticket.registrationNumber),
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
                try RoutingStore.addNote(
                    ticketId: ticketId, text: "чужа нотатка", principal: c, now: now, in: tx)
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

    func testAGroupIsAnsweredAtOnceEachResidentOnceAndTemplatesStayWithTheirBody() async throws {
        let f = try await RoutingFixture.start(self, clock: TestClock(Self.registered))
        let appeals = (0..<3).map {
            appeal(
                $0, name: "Мешканець \($0)", address: "вул. Соборна, \($0 + 1)",
                district: "tsentralnyi",
                text: "Прорив водогону на вулиці Соборній.")
        }
        try await f.publish(try appeals.map(f.envelope))
        var ids: [UUID] = []
        for a in appeals { ids.append(try await f.waitForTicket(a)) }
        let (officialId, _) = try await f.official(name: "Оксана Левченко", authority: "zhkg")
        let (headId, _) = try await f.official(
            name: "Голова Департаменту", authority: "zhkg", role: "head")
        let (otherId, _) = try await f.official(name: "Чужий Урядовець", authority: "transport")
        let official = Principal(
            id: officialId, name: "Оксана Левченко", role: .official, authority: "zhkg")
        let head = Principal(id: headId, name: "Голова Департаменту", role: .head, authority: "zhkg")
        let other = Principal(
            id: otherId, name: "Чужий Урядовець", role: .official, authority: "transport")
        let api = RoutingAPI(runtime: f.runtimes[0], settings: RoutingSettings(clock: f.clock.clock))

        // Another body cannot group these; a group needs at least two appeals.
        do {
            _ = try await api.createGroup(title: "Порив", ticketIds: ids, principal: other)
            XCTFail("another body grouped the tickets")
        } catch let error as RoutingError { XCTAssertEqual(error.code, "not_own_ticket") }
        do {
            _ = try await api.createGroup(title: "Порив", ticketIds: [ids[0]], principal: official)
            XCTFail("a group of one")
        } catch let error as RoutingError { XCTAssertEqual(error.field, "ticket") }
        let groupId = try await api.createGroup(
            title: "Порив на Соборній", ticketIds: ids, principal: official)
        let listed = try await page(f, official, [])
        XCTAssertTrue(listed.rows.allSatisfy { $0.groupId == groupId })

        // The official's group answer: a draft on each ticket (Art. 15), nothing answered yet.
        let text = "Аварійна бригада усунула порив водогону 28.11.2026."
        let drafted = try await api.performOnGroup(
            .answer, groupId: groupId, request: TicketActionRequest(outcome: "resolved-positively", text: text),
            principal: official)
        XCTAssertEqual(drafted.changed.count, 3)
        // The head signs the whole group at once: each ticket answered once.
        let signed = try await api.performOnGroup(
            .sign, groupId: groupId, request: TicketActionRequest(), principal: head)
        XCTAssertEqual(Set(signed.changed), Set(appeals.map(\.registrationNumber)))
        // Sent again (a double click, a resent form): nothing left to sign or answer, nobody answered twice.
        let again = try await api.performOnGroup(
            .sign, groupId: groupId, request: TicketActionRequest(), principal: head)
        XCTAssertEqual(again.changed, [])
        XCTAssertEqual(again.skipped.count, 3)
        let answerAgain = try await api.performOnGroup(
            .answer, groupId: groupId, request: TicketActionRequest(outcome: "explained", text: text), principal: head)
        XCTAssertEqual(answerAgain.changed, [])

        let answeredOnce = try await eventually(timeout: .seconds(20)) {
            let answered = try await f.observed(type: TicketAnswered.eventType)
            let grouped = try await f.observed(type: TicketGrouped.eventType)
            return answered.count >= 3 && grouped.count >= 3
        }
        XCTAssertTrue(answeredOnce)
        let answered = try await f.observed(type: TicketAnswered.eventType).map { try $0.decode(TicketAnswered.self) }
        XCTAssertEqual(
            answered.map(\.ticketId).sorted { $0.uuidString < $1.uuidString },
            ids.sorted { $0.uuidString < $1.uuidString }, "one ticket.answered per resident")
        expectEqual(try await f.observed(type: TicketGrouped.eventType).count, 3)
        let finished = try await page(f, official, [("status", "finished")])
        expectEqual(finished.total, 3)

        // Answer templates: kept by the body's officials, per body.
        try await api.saveTemplate(title: "Порив водогону", body: text, principal: official)
        try await api.saveTemplate(
            title: "Порив водогону", body: text + " Дякуємо.", principal: head)
        do {
            try await api.saveTemplate(title: "Закоротко", body: "ні", principal: official)
            XCTFail("a template shorter than an answer")
        } catch let error as RoutingError { XCTAssertEqual(error.field, "body") }
        let zhkgTemplates = try await api.templates(authority: "zhkg")
        XCTAssertEqual(zhkgTemplates.map(\.body), [text + " Дякуємо."], "the same title replaces the text")
        expectEqual(try await api.templates(authority: "transport").count, 0)
        try await api.deleteTemplate(id: zhkgTemplates[0].id, principal: other)
        expectEqual(try await api.templates(authority: "zhkg").count, 1, "another body cannot delete it")
        try await api.deleteTemplate(id: zhkgTemplates[0].id, principal: official)
        expectEqual(try await api.templates(authority: "zhkg").count, 0)
    }
}
