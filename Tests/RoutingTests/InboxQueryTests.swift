import Foundation
import HromadaContracts
import XCTest

@testable import Routing

/// The inbox's address parsing and the CSV export's escaping, in memory.
final class InboxQueryTests: XCTestCase {
    func parse(_ pairs: [(String, String)]) -> Result<InboxQuery, RoutingValidationErrors> { InboxQuery.parse(pairs) }

    func testDefaultsShowOpenTicketsByDeadlineTwentyFiveAPage() throws {
        let q = try parse([]).get()
        XCTAssertEqual(q.state, .open)
        XCTAssertEqual(q.sort, .deadline)
        XCTAssertEqual(q.page, 1)
        XCTAssertEqual(q.pageSize, 25)
        XCTAssertNil(q.search)
        XCTAssertTrue(q.parameters().isEmpty, "the defaults leave the address clean")
    }

    func testEveryFilterIsReadAndWrittenBack() throws {
        let pairs = [
            ("q", "Коваленко Соборна"), ("status", "finished"), ("category", "heating"),
            ("district", "korabelnyi"),
            ("kind", "complaint"), ("overdue", "true"), ("week", "on"), ("mine", "1"), ("awaitingSignature", "true"),
            ("sort", "number"), ("size", "50"), ("page", "3"), ("lang", "en"),
        ]
        let q = try parse(pairs).get()
        XCTAssertEqual(q.state, .finished)
        XCTAssertEqual(q.category, "heating")
        XCTAssertEqual(q.district, "korabelnyi")
        XCTAssertEqual(q.kind, .complaint)
        XCTAssertTrue(q.overdue && q.dueThisWeek && q.mine && q.awaitingSignature)
        XCTAssertEqual(q.sort, .number)
        XCTAssertEqual(q.pageSize, 50)
        XCTAssertEqual(q.page, 3)
        XCTAssertEqual(q.search, .words(["коваленко", "соборна"]))
        // Written back, the parameters read again to the same query (links to pages, the export).
        XCTAssertEqual(try parse(q.parameters()).get(), q)
        XCTAssertEqual(q.parameters(page: 1).first { $0.0 == "page" }?.1, nil)
        XCTAssertEqual(try parse([("status", "accepted")]).get().state, .status(.accepted))
    }

    func testBadValuesAreFieldErrorsNamingTheParameter() {
        let cases: [(String, String, String)] = [
            ("status", "lost", "unknown_status"), ("category", "nope", "unknown_category"),
            ("district", "atlantis", "unknown_district"), ("kind", "poem", "unknown_kind"),
            ("authority", "nasa", "unknown_authority"), ("overdue", "maybe", "invalid_flag"),
            ("sort", "random", "unknown_sort"), ("page", "0", "invalid_page"), ("page", "two", "invalid_page"),
            ("size", "1000", "invalid_page_size"), ("q", String(repeating: "я", count: 201), "search_too_long"),
        ]
        for (field, value, code) in cases {
            guard case .failure(let failure) = parse([(field, value)]) else {
                XCTFail("\(field)=\(value) was accepted")
                continue
            }
            XCTAssertEqual(failure.errors.map(\.field), [field], "\(field)=\(value)")
            XCTAssertEqual(failure.errors.map(\.code), [code], "\(field)=\(value)")
        }
        // Several bad values: one error each.
        guard case .failure(let both) = parse([("status", "x"), ("size", "7")]) else { return XCTFail() }
        XCTAssertEqual(both.errors.compactMap(\.field), ["status", "size"])
    }

    func testSearchRecognisesNumbersAndKeepsOnlyWords() {
        XCTAssertEqual(InboxQuery.search("MK-2026-000123"), .number("MK-2026-000123"))
        XCTAssertEqual(InboxQuery.search("  mk 2026-123 "), .number("MK-2026-000123"))
        XCTAssertEqual(InboxQuery.search("123"), .serial("000123"))
        XCTAssertEqual(InboxQuery.search("обʼєкт"), .words(["обʼєкт"]))
        XCTAssertEqual(
            InboxQuery.search("об'єкт"), .words(["обʼєкт"]), "a typewriter apostrophe reads as ʼ")
        // Query syntax characters never reach the query: they separate words.
        XCTAssertEqual(InboxQuery.search("a & b | !c:* 'd'"), .words(["a", "b", "c", "d"]))
        XCTAssertNil(InboxQuery.search(" & | ! "))
        XCTAssertNil(InboxQuery.search(""))
    }

    func testTheWeekEndsOnSunday() {
        let monday = LocalDate(string: "2026-11-30")!
        XCTAssertEqual(InboxQuery.endOfWeek(monday).description, "2026-12-06")
        XCTAssertEqual(InboxQuery.endOfWeek(LocalDate(string: "2026-12-05")!).description, "2026-12-06")
        XCTAssertEqual(InboxQuery.endOfWeek(LocalDate(string: "2026-12-06")!).description, "2026-12-06")
    }

    func testPageCount() {
        var q = InboxQuery()
        q.pageSize = 25
        XCTAssertEqual(q.pageCount(total: 0), 1)
        XCTAssertEqual(q.pageCount(total: 25), 1)
        XCTAssertEqual(q.pageCount(total: 26), 2)
        XCTAssertEqual(q.pageCount(total: 100_000), 4_000)
    }

    // MARK: CSV

    func testCSVIsExcelFriendlyAndFormulaSafe() {
        let cells: [(value: String, cell: String)] = [
            ("просто", "просто"),
            ("a;b", "\"a;b\""),
            ("він сказав \"ні\"", "\"він сказав \"\"ні\"\"\""),
            ("рядок\nще", "\"рядок\nще\""),
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("+380501234567", "'+380501234567"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("30.11.2026", "30.11.2026"),
        ]
        for (value, cell) in cells {
            XCTAssertEqual(InboxCSV.cell(value), cell, value)
        }
        let document = InboxCSV.document(
            header: ["Номер", "Суть"], rows: [["MK-2026-000001", "Вода; світло"]])
        XCTAssertTrue(document.hasPrefix("\u{FEFF}Номер;Суть\r\n"), "BOM, `;` and CRLF for Excel")
        XCTAssertTrue(document.hasSuffix("MK-2026-000001;\"Вода; світло\"\r\n"))
    }
}
