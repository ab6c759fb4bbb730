import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaTestSupport
import Hummingbird
import XCTest

@testable import Routing

/// The inbox's pages in memory (the in-memory router tester over a prepared database): the filters live in
/// the address, counts are labelled, a bad filter is a field error (never a 500), the CSV export,
/// refused actions by post/redirect/get, the forward select without a pre-chosen body, notes and
/// assignment forms.
final class InboxRouterTests: XCTestCase {
    typealias Web = RoutingWebRouterTests

    static func signIn(_ client: some TestClientProtocol, token: String) async throws -> (cookie: String, csrf: String)
    {
        let signedIn = try await client.execute(
            uri: "/login", method: .post, headers: Web.formHeaders, body: Web.form([("token", token)]))
        let cookie = try XCTUnwrap(Web.cookie(signedIn))
        let inbox = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie])
        return (cookie, Web.csrf(String(buffer: inbox.body)))
    }

    func testInboxFiltersCountsExportAndBadFilters() async throws {
        let f = try await RoutingRouterTests.makeFixture(for: self)
        var ids: [UUID] = []
        for _ in 0..<3 { ids.append(try await f.ticket(category: "heating")) }
        let (_, token) = try await f.official("Іван Коваль", authority: "zhkg")
        try await f.app.test(.router) { client in
            let (cookie, _) = try await Self.signIn(client, token: token)
            let inbox = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie])
            XCTAssertEqual(inbox.status, .ok)
            let html = String(buffer: inbox.body)
            // Counts with labels, the filters labelled, the export link carrying the filters.
            XCTAssertTrue(html.contains("Знайдено звернень: <strong>3</strong>"), "a labelled count")
            XCTAssertTrue(html.contains("На розгляді: <strong>3</strong>"))
            XCTAssertTrue(html.contains("<label for=\"q\">Пошук</label>"))
            XCTAssertTrue(html.contains("<label for=\"district\">Район</label>"))
            XCTAssertTrue(html.contains("Сторінка 1 з 1"))
            XCTAssertTrue(html.contains("method=\"get\" action=\"/\""), "a GET form: the address holds the list")
            XCTAssertFalse(html.contains("style=\"") || html.contains("<script>"), "no inline style or script")

            let filtered = try await client.execute(
                uri: "/?status=all&district=korabelnyi&sort=number&size=10", method: .get, headers: [.cookie: cookie])
            let filteredHTML = String(buffer: filtered.body)
            XCTAssertTrue(filteredHTML.contains("Знайдено звернень: <strong>0</strong>"))
            XCTAssertTrue(filteredHTML.contains("<option value=\"korabelnyi\" selected>"), "the form shows the filter")
            XCTAssertTrue(
                filteredHTML.contains("/inbox.csv?status=all&amp;district=korabelnyi&amp;sort=number&amp;size=10"))

            // A bad value: the list without it, and the field named — never a 500.
            let bad = try await client.execute(uri: "/?status=lost&size=7", method: .get, headers: [.cookie: cookie])
            XCTAssertEqual(bad.status, .unprocessableContent)
            let badHTML = String(buffer: bad.body)
            XCTAssertTrue(badHTML.contains("href=\"#status\""), "the error links to its field")
            XCTAssertTrue(badHTML.contains("На сторінці: 10, 25, 50 або 100."))

            // The export: Excel's CSV, the filters applied, no cache.
            let csv = try await client.execute(
                uri: "/inbox.csv?q=Петренко", method: .get, headers: [.cookie: cookie])
            XCTAssertEqual(csv.status, .ok)
            XCTAssertEqual(csv.headers[.contentType], "text/csv; charset=utf-8")
            XCTAssertEqual(csv.headers[.cacheControl], "no-store")
            let text = String(buffer: csv.body)
            XCTAssertTrue(
                text.hasPrefix("\u{FEFF}Номер;Зареєстровано;Строк;"),
                text.prefix(80).description)
            XCTAssertEqual(text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count, 4, "header + 3 rows")
            XCTAssertTrue(text.contains("Олена Петренко"))
            // Without a session: the sign-in page, not the data.
            let anonymous = try await client.execute(uri: "/inbox.csv", method: .get)
            XCTAssertNotEqual(anonymous.headers[.contentType], "text/csv; charset=utf-8")
        }
    }

    func testRefusalsRedirectForwardSelectNotesAndAssignment() async throws {
        let f = try await RoutingRouterTests.makeFixture(for: self)
        let id = try await f.ticket(category: "heating")
        let (_, token) = try await f.official("Іван Коваль", authority: "zhkg")
        let (colleague, _) = try await f.official("Марта Колега", authority: "zhkg")
        let (stranger, _) = try await f.official("Чужий Орган", authority: "transport")
        let path = "/tickets/\(id.uuidString.lowercased())"
        try await f.app.test(.router) { client in
            let (cookie, csrf) = try await Self.signIn(client, token: token)
            var headers = Web.formHeaders
            headers[.cookie] = cookie
            let page = String(
                buffer: try await client.execute(uri: path, method: .get, headers: [.cookie: cookie]).body)
            // Defect 18: no authority is pre-selected for forwarding.
            XCTAssertTrue(
                page.contains(
                    "<select id=\"to\" name=\"to\" required>"
                        + "<option value=\"\">— оберіть —</option>"))
            // A forward without a body chosen: refused, and the browser lands on a GET address.
            let forward = try await client.execute(
                uri: "\(path)/forward", method: .post, headers: headers,
                body: Web.form([("csrf", csrf), ("to", ""), ("reason", "не наше питання")]))
            XCTAssertEqual(forward.status, .seeOther)
            let location = try XCTUnwrap(forward.headers[.location])
            XCTAssertTrue(location.hasPrefix("\(path)?refused="), location)
            let shown = String(
                buffer: try await client.execute(uri: location, method: .get, headers: [.cookie: cookie]).body)
            XCTAssertTrue(
                shown.contains("class=\"err\" role=\"alert\">Кому надіслати: "),
                "the refusal names the field")
            XCTAssertFalse(shown.contains("data-sent="), "what was typed is not forgotten")
            // An answer that is too short: the same, and the form keeps its text (data-keep).
            let answer = try await client.execute(
                uri: "\(path)/answer", method: .post, headers: headers,
                body: Web.form([("csrf", csrf), ("outcome", "explained"), ("text", "коротко")]))
            XCTAssertEqual(answer.status, .seeOther)
            XCTAssertTrue(answer.headers[.location]?.contains("refused=") ?? false)

            // Notes: added, shown to officials with the author's name; an empty one is refused.
            let note = try await client.execute(
                uri: "/inbox/tickets/\(id.uuidString.lowercased())/note", method: .post, headers: headers,
                body: Web.form([("csrf", csrf), ("note", "Зателефонувати після 18:00")]))
            XCTAssertEqual(note.status, .seeOther)
            XCTAssertTrue(note.headers[.location]?.contains("done=note") ?? false)
            let withNote = String(
                buffer: try await client.execute(uri: path, method: .get, headers: [.cookie: cookie]).body)
            XCTAssertTrue(withNote.contains("Зателефонувати після 18:00"))
            XCTAssertTrue(withNote.contains("<strong>Іван Коваль</strong>"))
            let empty = try await client.execute(
                uri: "/inbox/tickets/\(id.uuidString.lowercased())/note", method: .post, headers: headers,
                body: Web.form([("csrf", csrf), ("note", "  ")]))
            XCTAssertTrue(empty.headers[.location]?.contains("refused=required") ?? false)

            // Assignment: to a colleague of the body, never to another body's official.
            XCTAssertTrue(
                withNote.contains("<option value=\"\(colleague.uuidString.lowercased())\">Марта Колега"))
            XCTAssertFalse(withNote.contains("Чужий Орган"), "only the body's own officials are offered")
            let foreign = try await client.execute(
                uri: "/inbox/tickets/\(id.uuidString.lowercased())/assign", method: .post, headers: headers,
                body: Web.form([("csrf", csrf), ("assignee", stranger.uuidString.lowercased())]))
            XCTAssertTrue(foreign.headers[.location]?.contains("refused=not_a_colleague") ?? false)
            let assigned = try await client.execute(
                uri: "/inbox/tickets/\(id.uuidString.lowercased())/assign", method: .post, headers: headers,
                body: Web.form([("csrf", csrf), ("assignee", colleague.uuidString.lowercased())]))
            XCTAssertTrue(assigned.headers[.location]?.contains("done=assign") ?? false)
            let list = String(buffer: try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]).body)
            XCTAssertTrue(list.contains("<td>Марта Колега</td>"), "the list shows the assignee")
        }
    }

    func testTemplatesAndAGroupThroughTheirPages() async throws {
        let f = try await RoutingRouterTests.makeFixture(for: self)
        let first = try await f.ticket(category: "heating")
        let second = try await f.ticket(category: "heating")
        let (_, token) = try await f.official("Іван Коваль", authority: "zhkg")
        try await f.app.test(.router) { client in
            let (cookie, csrf) = try await Self.signIn(client, token: token)
            var headers = Web.formHeaders
            headers[.cookie] = cookie

            // A template: saved on its page, refused when too short, by post/redirect/get.
            let saved = try await client.execute(
                uri: "/inbox/templates", method: .post, headers: headers,
                body: Web.form([
                    ("csrf", csrf), ("title", "Опалення"),
                    ("body", "Опалення відновлено, дякуємо."),
                ]))
            XCTAssertEqual(saved.status, .seeOther)
            XCTAssertTrue(saved.headers[.location]?.hasPrefix("/inbox/templates?done=saved") ?? false)
            let short = try await client.execute(
                uri: "/inbox/templates", method: .post, headers: headers,
                body: Web.form([("csrf", csrf), ("title", "Коротко"), ("body", "ні")]))
            XCTAssertTrue(short.headers[.location]?.contains("refused=template_length") ?? false)
            let templates = String(
                buffer: try await client.execute(uri: "/inbox/templates", method: .get, headers: [.cookie: cookie]).body
            )
            XCTAssertTrue(templates.contains("Опалення відновлено, дякуємо."))
            XCTAssertFalse(templates.contains(">Коротко<"))

            // The list offers grouping; one appeal is not a group; two are.
            let list = String(buffer: try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]).body)
            XCTAssertTrue(list.contains("form=\"group-form\" name=\"ticket[]\""))
            let one = try await client.execute(
                uri: "/inbox/groups", method: .post, headers: headers,
                body: Web.form([("csrf", csrf), ("title", "Порив"), ("ticket[]", first.uuidString.lowercased())]))
            XCTAssertTrue(one.headers[.location]?.hasPrefix("/?refused=group_size") ?? false, "\(one.headers)")
            let group = try await client.execute(
                uri: "/inbox/groups", method: .post, headers: headers,
                body: Web.form([
                    ("csrf", csrf), ("title", "Порив на Соборній"),
                    ("ticket[]", first.uuidString.lowercased()),
                    ("ticket[]", second.uuidString.lowercased()),
                ]))
            XCTAssertEqual(group.status, .seeOther)
            let location = try XCTUnwrap(group.headers[.location])
            XCTAssertTrue(location.hasPrefix("/inbox/groups/"), location)
            let page = String(
                buffer: try await client.execute(uri: location, method: .get, headers: [.cookie: cookie]).body)
            XCTAssertTrue(page.contains("Порив на Соборній"))
            XCTAssertTrue(page.contains("Звернень у групі: <strong>2</strong>"))
            XCTAssertTrue(page.contains("data-template-target=\"answer-text\""), "the group answer offers templates")
            XCTAssertTrue(page.contains("<script src=\"/assets/inbox.js?v="), "the script is a file")
            let listed = String(
                buffer: try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]).body)
            XCTAssertTrue(listed.contains("Порив на Соборній"), "the list links the open group")
            let ticket = String(
                buffer: try await client.execute(
                    uri: "/tickets/\(first.uuidString.lowercased())", method: .get, headers: [.cookie: cookie]
                ).body)
            XCTAssertTrue(
                ticket.contains(
                    "<a href=\"\(location.split(separator: "?")[0])\">Порив на Соборній</a>"))
        }
    }

    func testTheInboxAsJSONForAPIClients() async throws {
        let f = try await RoutingRouterTests.makeFixture(for: self)
        for _ in 0..<3 { _ = try await f.ticket(category: "heating") }
        let (_, token) = try await f.official("Іван Коваль", authority: "zhkg")
        try await f.app.test(.router) { client in
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            let page = try await client.execute(
                uri: "/v1/inbox?q=%D0%9F%D0%B5%D1%82%D1%80%D0%B5%D0%BD%D0%BA%D0%BE&size=10&sort=number",
                method: .get, headers: bearer)
            XCTAssertEqual(page.status, .ok)
            let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(buffer: page.body)) as? [String: Any])
            XCTAssertEqual(body["total"] as? Int, 3)
            XCTAssertEqual(body["pages"] as? Int, 1)
            XCTAssertEqual(body["pageSize"] as? Int, 10)
            XCTAssertEqual((body["tickets"] as? [Any])?.count, 3)
            let bad = try await client.execute(uri: "/v1/inbox?size=7&status=lost", method: .get, headers: bearer)
            XCTAssertEqual(bad.status, .unprocessableContent)
            let errors = String(buffer: bad.body)
            XCTAssertTrue(errors.contains("\"field\":\"size\"") && errors.contains("\"field\":\"status\""), errors)
            let anonymous = try await client.execute(uri: "/v1/inbox", method: .get)
            XCTAssertEqual(anonymous.status, .unauthorized)
        }
    }
}
