import Foundation
import HromadaContracts
import HromadaWeb
import XCTest

@testable import Routing

/// The printable registration card (Instruction 348) renders the resolution, the result and who
/// took the appeal off control. Rendering only: no servers.
final class RegistrationCardTests: XCTestCase {
    static func view() -> TicketView {
        TicketView(
            id: "t-1", registrationNumber: "MK-2026-000123", authority: "ЖКГ", status: "closed", priority: false,
            deadline: "2026-12-27", overdue: false, daysLeft: 0, extended: false, escalated: false,
            registeredOn: "2026-11-27", forwardAllowedUntil: "2026-12-02", forwardWindowOpen: false,
            maxDeadline: "2027-01-11", minDeadline: "2026-12-28", outcome: nil, answerText: "",
            appeal: .init(
                kind: "complaint", category: "heating", district: "", subject: "Немає опалення",
                text: "…",
                authorName: "Олена Коваль", authorAddress: "вул. Соборна, 12", authorEmail: "",
                authorPhone: "",
                benefit: "", confidential: false, against: nil, repeatOf: nil),
            history: [
                .init(
                    at: "2026-11-28 10:00", action: "returned", actor: "head-1", status: "closed", authority: "ЖКГ",
                    note: "Art. 5: returned to the author")
            ],
            csrf: "x", canAccept: false, canForward: false, canExtend: false, canAnswer: false, canReopen: false,
            canClose: false, forwardTargets: [], outcomes: [], message: nil, error: nil)
    }

    func testTheCardNamesTheResultAndWhoTookItOffControl() throws {
        let templates = try TemplateLibrary(bundle: Bundle.module, names: WebInbox.templateNames)
        let catalogue = try StringCatalogue.load(from: Bundle.module)
        var view = Self.view()
        view.offControlBy = "head-1"
        view.offControlAt = "2026-11-28 10:00"
        view.resultNote = "Art. 5: returned to the author"
        let html = templates.render(view, template: "card", language: .en, catalogue: catalogue)
        XCTAssertTrue(html.contains("Registration card of an appeal № MK-2026-000123"), html)
        XCTAssertTrue(html.contains("class=\"receipt\""), "the kit's print styles frame the card")
        XCTAssertTrue(html.contains("<dt>Taken off control by</dt><dd>head-1, 2026-11-28 10:00</dd>"), html)
        XCTAssertTrue(html.contains("<dt>Result</dt><dd>Art. 5: returned to the author</dd>"), html)
        XCTAssertTrue(html.contains("Олена Коваль"))
        let uk = templates.render(view, template: "card", language: .uk, catalogue: catalogue)
        XCTAssertTrue(uk.contains("Реєстраційно-контрольна картка звернення"))
    }

    func testTheHeadIsOfferedReturnAndNotConsideredForms() throws {
        let templates = try TemplateLibrary(bundle: Bundle.module, names: WebInbox.templateNames)
        let catalogue = try StringCatalogue.load(from: Bundle.module)
        XCTAssertEqual(
            catalogue.string("done_not-considered", .en), "The appeal will not be considered; the author is told.")
        var view = Self.view()
        let plain = templates.render(view, template: "ticket", language: .en, catalogue: catalogue)
        XCTAssertFalse(plain.contains("/tickets/t-1/return"), "an official is not offered the head's decisions")
        view.canReturn = true
        view.canNotConsider = true
        view.grounds = [.init(code: "anonymous", name: "anonymous")]
        let head = templates.render(view, template: "ticket", language: .en, catalogue: catalogue)
        XCTAssertTrue(head.contains("action=\"/tickets/t-1/return\""), head)
        XCTAssertTrue(head.contains("action=\"/tickets/t-1/not-considered\""), head)
        XCTAssertTrue(head.contains("<option value=\"anonymous\">anonymous</option>"), head)
        XCTAssertTrue(head.contains("/tickets/t-1/card"), "the ticket page links its card")
    }

    /// Art. 15: the card names who signed the answer and who drafted it; the history rows of the
    /// signature and of a rejected draft are on it.
    func testTheCardNamesTheSignerAndTheDrafter() throws {
        let templates = try TemplateLibrary(bundle: Bundle.module, names: WebInbox.templateNames)
        let catalogue = try StringCatalogue.load(from: Bundle.module)
        var view = Self.view()
        view.signedBy = "head-1 (drafted by official-7)"
        view.history = [
            .init(
                at: "2026-11-28 09:00", action: "draft rejected", actor: "head-1", status: "accepted",
                authority: "ЖКГ",
                note: "answer drafted by official-7: Уточніть розрахунок"),
            .init(
                at: "2026-11-28 10:00", action: "answered", actor: "head-1", status: "answered", authority: "ЖКГ",
                note: "explained; signed; drafted by official-7"),
        ]
        let html = templates.render(view, template: "card", language: .en, catalogue: catalogue)
        XCTAssertTrue(
            html.contains("<dt>Answer signed by (Art. 15)</dt><dd>head-1 (drafted by official-7)</dd>"), html)
        XCTAssertTrue(html.contains("answer drafted by official-7: Уточніть розрахунок"))
        XCTAssertTrue(html.contains("explained; signed; drafted by official-7"))
        XCTAssertFalse(
            templates.render(Self.view(), template: "card", language: .en, catalogue: catalogue).contains("signed by"),
            "no signature line before an answer")
    }
}
