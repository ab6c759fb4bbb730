import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// The librarian's day (issue 14): the header every librarian page shares (the form, today's
/// appeals, the centre's notices on notification, sign-out), `GET /form/today` — the appeals
/// registered today (Europe/Kyiv) at the signed-in librarian's centre — and
/// `GET /form/today/<number>`, a copy of one of those receipts to print again.
///
/// The copy has no tracking code: intake keeps that code only sealed under the form's one-time
/// token (see `IdempotentRequest.seal`), so only the first receipt can show it.
///
/// The list shows no resident's name or contact (number, time, kind, category, subject, who
/// registered it), and intake records no read of its own pages as access; a centre's librarian
/// sees only the centre's own appeals.
extension WebPages {
    /// Where the header's links lead; every librarian page carries one (`{{#nav}}` in header.mustache).
    struct LibrarianNav: Encodable, Sendable {
        /// The form (`/`), today's appeals, the centre's notices on notification (an absolute link
        /// from `HROMADA_NOTIFICATION_URL`, never from `Host`).
        var formLink, todayLink, noticesLink: String
        var onForm = false, onToday = false
    }

    static let templatesOfTheDay = ["today", "receipt-copy"]

    func nav(_ who: SignedIn, language: Language) -> LibrarianNav {
        let lang = [("lang", language.rawValue)]
        let notices = intake.settings.notificationURL.link(
            path: "/centres/\(PublicURL.encode(who.centre.id))/notices", query: lang)
        return LibrarianNav(
            formLink: site.settings.publicURL.path("/", query: lang),
            todayLink: site.settings.publicURL.path("/form/today", query: lang), noticesLink: notices)
    }

    func addTodayRoutes(to router: Router<IntakeService.Context>) {
        router.get("/form/today") { request, context in try await self.today(request, context: context) }
        router.get("/form/today/:number") { request, context in try await self.receiptCopy(request, context: context) }
    }

    struct TodayView: Encodable, Sendable {
        struct Row: Encodable, Sendable {
            var number, time, kindName, categoryName, subject, registeredBy, copyLink: String
        }
        var csrf: String
        var centreName: String?
        var librarian: String?
        var nav: LibrarianNav
        var date: String
        var rows: [Row]
        var count: Int
        var hasRows: Bool
    }

    func today(_ request: Request, context: IntakeService.Context) async throws -> Response {
        guard let who = try await signedIn(context) else { return signInFirst(request, context) }
        let language = Language.of(request)
        let day = Self.kyivDay(containing: intake.settings.clock())
        let appeals = try await store.appealsRegistered(centre: who.centre.id, from: day.start, to: day.end)
        let kinds = [
            "application": "kindApplication", "proposal": "kindProposal", "complaint": "kindComplaint",
        ]
        let rows = appeals.map { a in
            let category = Reference.category(code: a.category)
            return TodayView.Row(
                number: a.registrationNumber, time: Self.kyivTime(a.registeredAt),
                kindName: kinds[a.kind].map { strings.string($0, language) } ?? a.kind,
                categoryName: (language == .uk ? category?.nameUk : category?.nameEn) ?? a.category,
                subject: a.subject, registeredBy: a.registeredBy ?? "—",
                copyLink: site.settings.publicURL.path(
                    "/form/today/" + PublicURL.encode(a.registrationNumber), query: [("lang", language.rawValue)]))
        }
        var navigation = nav(who, language: language)
        navigation.onToday = true
        let view = TodayView(
            csrf: who.session.csrf, centreName: who.centre.name, librarian: who.librarian.login, nav: navigation,
            date: PeopleDates.day(day.start, language), rows: rows, count: rows.count, hasRows: !rows.isEmpty)
        return site.page("today", view, request: request)
    }

    struct ReceiptCopyView: Encodable, Sendable {
        var receipt: ReceiptView
        var nav: LibrarianNav
        var csrf: String
        var centreName: String?
        var librarian: String?
    }

    /// `GET /form/today/<number>`: today's appeal of this centre, as a receipt without the tracking code.
    func receiptCopy(_ request: Request, context: IntakeService.Context) async throws -> Response {
        guard let who = try await signedIn(context) else { return signInFirst(request, context) }
        let language = Language.of(request)
        let day = Self.kyivDay(containing: intake.settings.clock())
        guard let number = context.parameters.get("number"),
            let appeal = try await store.appealsRegistered(
                centre: who.centre.id, from: day.start, to: day.end, number: number
            ).first
        else { throw WebError.notFound("receipt") }
        let receipt = RegistrationReceipt(
            id: appeal.id, registrationNumber: appeal.registrationNumber, trackingToken: "", status: "registered",
            registeredAt: appeal.registeredAt, repeatOf: appeal.repeatOf)
        let view = ReceiptCopyView(
            receipt: receiptView(
                receipt,
                appeal: FormReceiptAppeal(kind: appeal.kind, category: appeal.category, against: appeal.against),
                language: language, who: who),
            nav: nav(who, language: language), csrf: who.session.csrf, centreName: who.centre.name,
            librarian: who.librarian.login)
        return site.page("receipt-copy", view, request: request)
    }

    /// The Europe/Kyiv calendar day around `date`: [midnight, next midnight).
    static func kyivDay(containing date: Date) -> (start: Date, end: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .kyiv
        let start = calendar.startOfDay(for: date)
        return (start, calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400))
    }

    /// `HH:mm` in Europe/Kyiv.
    static func kyivTime(_ date: Date) -> String {
        String(ISO8601.format(date, in: .kyiv).dropFirst(11).prefix(5))
    }
}

// MARK: - The form's errors (defect 18): each tied to its field, a summary of links in field order

extension WebPages {
    /// One line of the error summary: the message and the id of the field it is about.
    struct SummaryItem: Encodable, Sendable {
        var message: String
        var target: String
    }

    /// The form's message slot for an error (`FieldMessages`' names; `author.` dropped, a section's
    /// fields grouped under the section).
    static func fieldKey(_ e: FieldError) -> String {
        var key = (e.field ?? "").replacingOccurrences(of: "author.", with: "")
        if key.hasPrefix("coSigners") { key = "coSigners" }
        if key.hasPrefix("representative") { key = "representative" }
        if key == "enteredBy" { key = "receivedOn" }
        if key.hasPrefix("reception") { key = "reception" }
        if key.hasPrefix("location") { key = "location" }
        if key.hasPrefix("photos") { key = "photos" }
        return key
    }

    /// The form's message slots in the order the form shows them, each with the control the summary's
    /// link focuses. A slot not listed (a field added later) comes last and links the form.
    static let fieldOrder: [(key: String, target: String)] = [
        ("fullName", "fullName"), ("address", "address"), ("phone", "phone"), ("email", "email"),
        ("notifyBy", "notifyBy"), ("kind", "kind"), ("against", "against"), ("decidedOn", "decidedOn"),
        ("learnedOn", "learnedOn"), ("category", "category"), ("district", "district"), ("location", "lat"),
        ("subject", "subject"), ("text", "text"), ("coSigners", "coSigners"),
        ("representative", "repName"), ("receivedOn", "receivedOn"), ("reception", "receptionHead"),
        ("publish", "consent"), ("consent", "consent"), ("photos", "photos"),
    ]

    static func summary(_ errors: [FieldError], message: (FieldError) -> String) -> [SummaryItem] {
        let position = Dictionary(
            fieldOrder.enumerated().map { ($0.element.key, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let target = Dictionary(fieldOrder.map { ($0.key, $0.target) }, uniquingKeysWith: { first, _ in first })
        return errors.enumerated()
            .sorted { a, b in
                let pa = position[fieldKey(a.element)] ?? fieldOrder.count
                let pb = position[fieldKey(b.element)] ?? fieldOrder.count
                return (pa, a.offset) < (pb, b.offset)
            }
            .map { SummaryItem(message: message($0.element), target: target[fieldKey($0.element)] ?? "appeal-form") }
    }

    func nav(_ who: SignedIn, language: Language, onForm: Bool) -> LibrarianNav {
        var result = nav(who, language: language)
        result.onForm = onForm
        return result
    }
}

// MARK: - The text's limit (defect 14)

extension WebPages {
    /// The form's body may be larger than an API request: a text at its limit, percent-encoded,
    /// takes up to 9 bytes a character (3 UTF-8 bytes, each `%XX`), and co-signers come on top. A text
    /// past the limit must reach the validator, which refuses it naming the limit, rather than be
    /// refused as a whole body.
    static func formBodyLimit(_ settings: IntakeSettings) -> Int {
        max(settings.maxBodyBytes, 9 * AppealValidator.textLength.upperBound * 2 + 256 * 1024)
    }
}
