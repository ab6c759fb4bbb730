import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// The librarian's form (`GET /`), its sign-in with the librarian's own account (the kit's
/// sign-in routes), the printable receipt, and the resident's tracking page (`GET /track`).
/// Server-rendered with the web kit: Ukrainian by default (`?lang=en` switches and is
/// remembered), typed view models (Mustache escapes every `{{value}}`), the
/// shared stylesheet and script, a server-side session (cookie `hromada_intake`) whose CSRF token
/// every form posts back.
struct WebPages: Sendable {
    let intake: AppealIntake
    let site: WebSite

    var store: IntakeStore { intake.store }
    var strings: IntakeStrings { IntakeStrings(catalogue: site.catalogue) }

    static let templates = ["header", "form", "receipt", "track"]

    func addRoutes(to router: Router<IntakeService.Context>) {
        router.get("/") { request, context in try await self.form(request, context: context) }
        signIn.register(on: router)
        router.post("/form/appeals") { request, context in try await self.submit(request, context: context) }
        router.group()
            .add(middleware: RateLimitMiddleware<IntakeService.Context>(.tracking, requestsPerSecond: 2, burst: 20))
            .get("/track") { request, _ in try await self.track(request) }
    }

    /// `GET|POST /form/login` (centre, login, password of the librarian's own account) and
    /// `POST /form/logout`. The session names the account: the form records who helped from it.
    var signIn: SignInRoutes<IntakeService.Context> {
        let store = self.store
        return site.signInRoutes(
            SignInForm(
                title: "loginTitle", refused: "wrongLibrarianLogin",
                fields: [
                    .init("centre", label: "centreId", secret: false, autocomplete: "organization"),
                    .init("login", label: "librarianLogin", secret: false, autocomplete: "username"),
                    .init("password", label: "password"),
                ]),
            signInPath: "/form/login", signOutPath: "/form/logout",
            home: { request, _ in "/?lang=" + Language.of(request).rawValue }
        ) { attempt in
            guard
                let librarian = try await store.authenticateLibrarian(
                    centre: attempt["centre"], login: attempt["login"], password: attempt.fields["password"] ?? "")
            else { return .refused }
            return .signedIn(subject: librarian.sessionSubject)
        }
    }

    // MARK: View models

    struct Option: Encodable, Sendable {
        var code: String
        var name: String
        var selected: Bool
    }

    /// What the librarian typed, for showing the form again.
    struct FormValues: Encodable, Sendable {
        var fullName, address, phone, email, preferredLanguage, benefitCategory: String?
        var kind, against, category, district, subject, text: String?
        /// Co-signers, one a line: "full name; place of residence" (Art. 5).
        var coSigners: String?
        var repName, repAddress, repDocumentKind, repDocumentNumber, repDocumentDate: String?
        var receivedOn, enteredBy: String?
        /// Art. 22: the head who held the personal reception and its day.
        var receptionHead, receptionDay: String?
        var consentChecked = false
        var confidentialChecked = false
        var langEn = false
    }

    /// One message per form field (`author.` dropped from the path).
    struct FieldMessages: Encodable, Sendable {
        var fullName, address, phone, email, kind, against, category, subject, text, consent: String?
        var publish, coSigners, representative, receivedOn, reception: String?
    }

    struct Message: Encodable, Sendable { var message: String }

    struct FormView: Encodable, Sendable {
        var csrf: String
        var centreName: String?
        var librarian: String?
        var v: FormValues
        var e: FieldMessages
        var hasErrors: Bool
        var errors: [Message]
        var kinds, categories, districts, authorities, benefits: [Option]
    }

    struct ReceiptView: Encodable, Sendable {
        var csrf: String
        var centreName: String?
        var librarian: String?
        var number, token, date, categoryName, authorityName, termDays: String
        var repeatOf: String?
        var trackURL: String
    }

    struct TrackView: Encodable, Sendable {
        struct Entry: Encodable, Sendable { var at, statusName, authorityName: String }
        struct Status: Encodable, Sendable {
            var registrationNumber, statusName, categoryName, authorityName, deadline: String
            var history: [Entry]
        }
        var centreName: String?
        var number: String
        var notFound: Bool
        var view: Status?
    }

    /// The form's fields as posted (`application/x-www-form-urlencoded`).
    struct AppealForm: Decodable, Sendable {
        var csrf, fullName, address, phone, email, preferredLanguage, benefitCategory: String?
        var kind, against, category, district, subject, text, consent, confidential: String?
        var coSigners, repName, repAddress, repDocumentKind, repDocumentNumber, repDocumentDate: String?
        var receivedOn, enteredBy, receptionHead, receptionDay: String?
    }

    // MARK: Pages

    /// Who is signed in: the session, the librarian's account and its centre (both checked active
    /// on every request).
    struct SignedIn {
        var session: WebSession
        var librarian: Librarian
        var centre: Centre
    }

    func signedIn(_ context: IntakeService.Context) async throws -> SignedIn? {
        guard let session = context.session, case .librarian? = context.principal,
            case let (librarian, centre)? = try await store.signedInLibrarian(subject: session.subject)
        else { return nil }
        return SignedIn(session: session, librarian: librarian, centre: centre)
    }

    func form(_ request: Request, context: IntakeService.Context) async throws -> Response {
        guard let who = try await signedIn(context) else {
            return signIn.page(request, context: context)
        }
        let language = Language.of(request)
        return site.page(
            "form", formView(FormValues(), errors: [], language: language, who: who), request: request)
    }

    func submit(_ request: Request, context: IntakeService.Context) async throws -> Response {
        let language = Language.of(request)
        guard let who = try await signedIn(context) else {
            return signIn.page(request, context: context, message: "signInFirst", status: .unauthorized)
        }
        let session = who.session
        let form = try await site.form(AppealForm.self, request, limit: intake.settings.maxBodyBytes)
        // The middleware checked the token of a form-encoded post; a body sent as anything else is
        // checked here.
        try site.csrf.checkToken(form.csrf, session: session)
        let values = Self.values(form)
        let submission = AppealSubmission(
            kind: values.kind, category: values.category,
            author: AppealSubmission.Author(
                fullName: values.fullName, address: values.address, email: values.email, phone: values.phone,
                preferredLanguage: values.preferredLanguage, benefitCategory: values.benefitCategory),
            subject: values.subject, text: values.text, district: values.district, centreId: nil,
            assistedBy: nil, consent: values.consentChecked, confidential: values.confidentialChecked,
            against: values.kind == AppealKind.complaint.rawValue ? values.against : nil,
            coSigners: Self.coSigners(values.coSigners), representative: Self.representative(values),
            reception: (values.receptionHead != nil || values.receptionDay != nil)
                ? AppealSubmission.Reception(headName: values.receptionHead, heldOn: values.receptionDay) : nil,
            receivedOn: values.receivedOn,
            // A late paper entry names who entered it; by default the signed-in librarian.
            enteredBy: values.enteredBy ?? (values.receivedOn != nil ? who.librarian.login : nil),
            // The only consent the form asks for is to publish the text (never a condition).
            publish: values.consentChecked ? true : nil)
        do {
            let outcome = try await intake.register(
                submission, channel: AppealValidator.Channel.centre, centre: who.centre.id,
                registeredBy: who.librarian.id, logger: context.logger)
            guard case .registered(let receipt) = outcome else { throw IntakeError(code: .registrationFailed) }
            return site.page(
                "receipt",
                receiptView(receipt, submission: submission, language: language, who: who),
                request: request, status: .created)
        } catch let error as APIError where error.status == .unprocessableContent {
            return site.page(
                "form",
                formView(values, errors: error.errors, language: language, who: who),
                request: request, status: .unprocessableContent)
        }
    }

    /// Empty fields are absent; checkboxes are ticked when posted as `true`.
    static func values(_ form: AppealForm) -> FormValues {
        func present(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
        var v = FormValues(
            fullName: present(form.fullName), address: present(form.address), phone: present(form.phone),
            email: present(form.email), preferredLanguage: present(form.preferredLanguage),
            benefitCategory: present(form.benefitCategory), kind: present(form.kind), against: present(form.against),
            category: present(form.category), district: present(form.district), subject: present(form.subject),
            text: present(form.text))
        v.coSigners = present(form.coSigners)
        v.repName = present(form.repName)
        v.repAddress = present(form.repAddress)
        v.repDocumentKind = present(form.repDocumentKind)
        v.repDocumentNumber = present(form.repDocumentNumber)
        v.repDocumentDate = present(form.repDocumentDate)
        v.receivedOn = present(form.receivedOn)
        v.enteredBy = present(form.enteredBy)
        v.receptionHead = present(form.receptionHead)
        v.receptionDay = present(form.receptionDay)
        v.consentChecked = form.consent == "true"
        v.confidentialChecked = form.confidential == "true"
        v.langEn = form.preferredLanguage == "en"
        return v
    }

    /// Co-signers typed one a line as "full name; place of residence" (a line without ";" is a
    /// name only, so the missing residence is reported for that co-signer).
    static func coSigners(_ text: String?) -> [AppealSubmission.Person]? {
        guard let text else { return nil }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard !lines.isEmpty else { return nil }
        return lines.map { line in
            let parts = line.split(separator: ";", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return AppealSubmission.Person(fullName: parts.first, address: parts.count > 1 ? parts[1] : nil)
        }
    }

    /// The representative section, when any of its fields is filled in.
    static func representative(_ v: FormValues) -> AppealSubmission.Representative? {
        let fields = [v.repName, v.repAddress, v.repDocumentKind, v.repDocumentNumber, v.repDocumentDate]
        guard fields.contains(where: { $0 != nil }) else { return nil }
        return AppealSubmission.Representative(
            fullName: v.repName, address: v.repAddress, documentKind: v.repDocumentKind,
            documentNumber: v.repDocumentNumber, documentDate: v.repDocumentDate)
    }

    func receiptView(
        _ receipt: RegistrationReceipt, submission: AppealSubmission, language: Language, who: SignedIn
    ) -> ReceiptView {
        let category = Reference.category(code: submission.category ?? "")
        let authority = category.flatMap { Reference.authority(code: $0.defaultAuthority) }
        let date = ISO8601.format(receipt.registeredAt, in: .kyiv).prefix(16).replacingOccurrences(of: "T", with: " ")
        return ReceiptView(
            csrf: who.session.csrf, centreName: who.centre.name, librarian: who.librarian.login,
            number: receipt.registrationNumber,
            token: receipt.trackingToken, date: date,
            categoryName: (language == .uk ? category?.nameUk : category?.nameEn) ?? "",
            authorityName: (language == .uk ? authority?.nameUk : authority?.nameEn) ?? "",
            termDays: "\(category?.termDays ?? Law.studyTermDays)", repeatOf: receipt.repeatOf,
            trackURL: site.link("/track", query: [("number", receipt.registrationNumber)]))
    }

    func formView(
        _ values: FormValues, errors: [FieldError], language: Language, who: SignedIn
    ) -> FormView {
        func message(_ e: FieldError) -> String { (language == .uk ? e.messageUk : nil) ?? e.message }
        var byField: [String: String] = [:]
        for e in errors {
            var key = (e.field ?? "").replacingOccurrences(of: "author.", with: "")
            if key.hasPrefix("coSigners") { key = "coSigners" }
            if key.hasPrefix("representative") { key = "representative" }
            if key == "enteredBy" { key = "receivedOn" }
            if key.hasPrefix("reception") { key = "reception" }
            byField[key] = byField[key].map { $0 + " " + message(e) } ?? message(e)
        }
        let fieldMessages = FieldMessages(
            fullName: byField["fullName"], address: byField["address"], phone: byField["phone"],
            email: byField["email"], kind: byField["kind"], against: byField["against"],
            category: byField["category"], subject: byField["subject"], text: byField["text"],
            consent: byField["consent"], publish: byField["publish"], coSigners: byField["coSigners"],
            representative: byField["representative"], receivedOn: byField["receivedOn"],
            reception: byField["reception"])
        func options(_ items: [(String, String)], selected: String?) -> [Option] {
            items.map { Option(code: $0.0, name: $0.1, selected: $0.0 == selected) }
        }
        let uk = language == .uk
        return FormView(
            csrf: who.session.csrf, centreName: who.centre.name, librarian: who.librarian.login, v: values,
            e: fieldMessages, hasErrors: !errors.isEmpty,
            errors: errors.map { Message(message: message($0)) },
            kinds: options(
                [
                    ("application", strings.string("kindApplication", language)),
                    ("proposal", strings.string("kindProposal", language)),
                    ("complaint", strings.string("kindComplaint", language)),
                ], selected: values.kind),
            categories: options(
                Reference.categories.map { ($0.code, uk ? $0.nameUk : $0.nameEn) }, selected: values.category),
            districts: options(
                Reference.districts.map { ($0.code, uk ? $0.nameUk : $0.nameEn) }, selected: values.district),
            authorities: options(
                Reference.authorities.map { ($0.code, uk ? $0.nameUk : $0.nameEn) }, selected: values.against),
            benefits: options(
                Reference.benefitCategories.map { ($0.code, uk ? $0.nameUk : $0.nameEn) },
                selected: values.benefitCategory))
    }

    func track(_ request: Request) async throws -> Response {
        let language = Language.of(request)
        let number = request.uri.queryParameters.get("number") ?? ""
        guard let token = request.uri.queryParameters.get("token"), !token.isEmpty else {
            return site.page("track", TrackView(number: number, notFound: false), request: request)
        }
        guard let view = try await intake.track(number: number, token: token, language: language) else {
            return site.page("track", TrackView(number: number, notFound: true), request: request, status: .notFound)
        }
        func statusName(_ status: String) -> String { strings.string("status_\(status)", language) }
        func minutes(_ date: Date) -> String {
            String(ISO8601.format(date, in: .kyiv).prefix(16)).replacingOccurrences(of: "T", with: " ")
        }
        let status = TrackView.Status(
            registrationNumber: view.registrationNumber, statusName: statusName(view.status),
            categoryName: view.categoryName, authorityName: view.authorityName ?? "—",
            deadline: view.deadline?.description ?? "—",
            history: view.history.map {
                TrackView.Entry(
                    at: minutes($0.at), statusName: statusName($0.status), authorityName: $0.authorityName ?? "")
            })
        return site.page("track", TrackView(number: number, notFound: false, view: status), request: request)
    }
}
