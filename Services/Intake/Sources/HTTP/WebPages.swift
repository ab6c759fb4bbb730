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

    static let templates =
        ["header", "form", "receipt", "track"] + sayTemplates + photoTemplates + ["form-map"] + smsTemplates

    func addRoutes(to router: Router<IntakeService.Context>) {
        // The form's pages allow the map's tiles in their CSP (MapPage.swift).
        router.get("/") { request, context in self.allowingMapTiles(try await self.form(request, context: context)) }
        signIn.register(on: router)
        router.post("/form/appeals") { request, context in
            self.allowingMapTiles(try await self.submit(request, context: context))
        }
        mapAssets.addRoutes(to: router)
        // A refresh of a page that came from a post lands here (a link, Back/Forward): the form.
        router.get("/form/appeals") { request, _ in
            self.site.redirect("/", query: [("lang", Language.of(request).rawValue)])
        }
        router.get("/form/receipt/:key") { request, context in try await self.receipt(request, context: context) }
        addTodayRoutes(to: router)
        addSayRoutes(to: router)
        // The resident's tracking page (TrackingPages.swift).
        addTrackingRoutes(to: router)
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
            home: { request, _ in "/?lang=" + Language.of(request).rawValue },
            check: { attempt in
                guard
                    let librarian = try await store.authenticateLibrarian(
                        centre: attempt["centre"], login: attempt["login"], password: attempt.fields["password"] ?? "")
                else { return .refused }
                return .signedIn(subject: librarian.sessionSubject)
            }
        )
    }

    // MARK: View models

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
        /// Art. 17, a complaint only: the decision's day and the day the author learned of it.
        var decidedOn, learnedOn: String?
        /// The point on the map, as typed or set by a click (MapPage.swift).
        var lat, lon: String?
        var consentChecked = false
        var confidentialChecked = false
        var langEn = false
        /// "Повідомляти SMS" (issue 15, SMSChoice.swift).
        var notifySMS = false
    }

    /// One message per form field (`author.` dropped from the path).
    struct FieldMessages: Encodable, Sendable {
        var fullName, address, phone, email, kind, against, category, subject, text, consent: String?
        var publish, coSigners, representative, receivedOn, reception: String?
        var decidedOn, learnedOn: String?
        /// The photos' problems, and "choose them again" after any error (PhotoForm.swift).
        var photos: String?
        /// The point's problems (bounds, not a number), next to its inputs.
        var location: String?
    }

    struct Message: Encodable, Sendable { var message: String }

    struct FormView: Encodable, Sendable {
        var csrf: String
        /// One registration per rendered form (post/redirect/get): a second post of it shows the
        /// first receipt.
        var formToken: String
        /// A blank form (not one sent back with what was typed): the page script may refill it with
        /// what this tab kept when a session or form expired.
        var fresh = false
        var centreName: String?
        var librarian: String?
        var v: FormValues
        var e: FieldMessages
        var hasErrors: Bool
        var errors: [Message]
        /// The header's links (TodayPages.swift); the error summary as links in the form's field order.
        var nav: LibrarianNav?
        var summary: [SummaryItem] = []
        /// The text's limit: the validator's one constant (the textarea's maxlength and counter).
        var textLimit = AppealValidator.textLength.upperBound
        var kinds, categories, districts, authorities, benefits: [SelectOption]
        /// The location picker (MapPage.swift).
        var map: MapAssets.View?
    }

    struct ReceiptView: Encodable, Sendable {
        var csrf: String
        var centreName: String?
        var librarian: String?
        var number, token, date, categoryName, authorityName, termDays: String
        var repeatOf: String?
        var trackURL: String
        /// The QR code (inline SVG, TrackingPages.swift) opening tracking on the resident's phone.
        var qr: String?
        var nav: LibrarianNav?
        /// The form was sent again (refresh, Back, double click): this is its first receipt.
        var sentAgain = false
    }

    /// The form's fields as posted (`application/x-www-form-urlencoded`).
    struct AppealForm: Decodable, Sendable {
        var csrf, fullName, address, phone, email, preferredLanguage, benefitCategory: String?
        var kind, against, category, district, subject, text, consent, confidential: String?
        var coSigners, repName, repAddress, repDocumentKind, repDocumentNumber, repDocumentDate: String?
        var receivedOn, enteredBy, receptionHead, receptionDay: String?
        var decidedOn, learnedOn: String?
        var lat, lon: String?
        /// The SMS checkbox: `sms` when ticked (SMSChoice.swift).
        var notifyBy: String?
        var formToken, relanguage, hadErrors: String?
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

    /// The answer to a librarian's request without a session: the sign-in page, asking to sign in
    /// first (401).
    func signInFirst(_ request: Request, _ context: IntakeService.Context) -> Response {
        signIn.page(request, context: context, message: "signInFirst", status: .unauthorized)
    }

    func form(_ request: Request, context: IntakeService.Context) async throws -> Response {
        guard let who = try await signedIn(context) else {
            return signIn.page(request, context: context)
        }
        let language = Language.of(request)
        var view = formView(FormValues(), errors: [], language: language, who: who, formToken: Self.newFormToken())
        view.fresh = true
        return site.page("form", view, request: request)
    }

    /// A fresh one-time form token (256 random bits, hex).
    static func newFormToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// The idempotency key a form token registers under (scoped to the centre by `IdempotentRequest`).
    static func formKey(centre: String, token: String, submission: AppealSubmission?) -> IdempotentRequest {
        let key = "form:" + token
        guard let submission else { return IdempotentRequest(centre: centre, key: key, requestHash: "") }
        return IdempotentRequest(centre: centre, key: key, requestHash: IdempotentRequest.requestHash(of: submission))
    }

    func submit(_ request: Request, context: IntakeService.Context) async throws -> Response {
        let language = Language.of(request)
        guard let who = try await signedIn(context) else { return signInFirst(request, context) }
        let session = who.session
        // Form-encoded, or multipart when photos are attached (PhotoForm.swift).
        let posted = try await postedForm(request, limit: Self.formBodyLimit(intake.settings))
        let form = posted.form
        // The middleware checked the token of a form-encoded post; a body sent as anything else is
        // checked here.
        try site.csrf.checkToken(form.csrf, session: session)
        let values = Self.values(form)
        var submission = AppealSubmission(
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
        // Art. 17: a complaint's dates (other kinds do not send them: the fields belong to complaints).
        if values.kind == AppealKind.complaint.rawValue {
            submission.decidedOn = values.decidedOn
            submission.learnedOn = values.learnedOn
        }
        submission.location = Self.location(values)
        submission.author?.notifyBy = Self.notifyBy(values)
        // Every form the pages render carries a one-time token. A post without one (a scripted
        // client, a form cached from before tokens) is registered once and answered with the
        // receipt itself, as before: there is nothing to recognise a repeat by.
        guard let formToken = form.formToken.flatMap({ Self.isFormToken($0) ? $0 : nil }) else {
            return try await registerWithoutToken(
                submission, values: values, request: request, who: who, context: context, uploads: posted.uploads)
        }
        if form.relanguage == "1" {
            // The language switch of a filled form: the same form in the other language, nothing sent.
            var errors: [FieldError] = []
            if form.hadErrors == "1",
                case .failure(let failure) = AppealValidator.validate(
                    submission, channel: AppealValidator.Channel.centre, authenticatedCentre: who.centre.id)
            {
                errors = intake.strings.validationError(failure).errors
            }
            return formAgain(values, errors: errors, uploads: posted.uploads, who: who, formToken: formToken, request)
        }
        do {
            let photos = try await intake.preparePhotos(
                posted.uploads, for: submission, channel: AppealValidator.Channel.centre, centre: who.centre.id)
            let outcome = try await intake.register(
                submission, channel: AppealValidator.Channel.centre, centre: who.centre.id,
                registeredBy: who.librarian.id,
                idempotency: Self.formKey(
                    centre: who.centre.id, token: formToken, submission: submission, uploads: posted.uploads),
                photos: photos, logger: context.logger)
            // Post/redirect/get: a refresh of the receipt reloads it and registers nothing.
            let again = if case .registered = outcome { false } else { true }
            return site.redirect(
                "/form/receipt/" + formToken,
                query: [("lang", language.rawValue)] + (again ? [("again", "1")] : []))
        } catch let error as APIError where error.status == .unprocessableContent {
            return formAgain(
                values, errors: error.errors, uploads: posted.uploads, who: who, formToken: formToken, request,
                status: .unprocessableContent)
        }
    }

    func registerWithoutToken(
        _ submission: AppealSubmission, values: FormValues, request: Request, who: SignedIn,
        context: IntakeService.Context, uploads: [[UInt8]] = []
    ) async throws -> Response {
        let language = Language.of(request)
        do {
            let photos = try await intake.preparePhotos(
                uploads, for: submission, channel: AppealValidator.Channel.centre, centre: who.centre.id)
            let outcome = try await intake.register(
                submission, channel: AppealValidator.Channel.centre, centre: who.centre.id,
                registeredBy: who.librarian.id, photos: photos, logger: context.logger)
            guard case .registered(let receipt) = outcome else { throw IntakeError(code: .registrationFailed) }
            let appeal = FormReceiptAppeal(
                kind: submission.kind ?? "", category: submission.category ?? "", against: submission.against)
            return site.page(
                "receipt", receiptView(receipt, appeal: appeal, language: language, who: who),
                request: request, status: .created)
        } catch let error as APIError where error.status == .unprocessableContent {
            return formAgain(
                values, errors: error.errors, uploads: uploads, who: who, formToken: Self.newFormToken(), request,
                status: .unprocessableContent)
        }
    }

    static func isFormToken(_ s: String) -> Bool {
        s.count == 64 && s.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// `GET /form/receipt/<form token>`: the receipt of the appeal that form registered, for a
    /// librarian of the same centre (the key is bound to the centre).
    func receipt(_ request: Request, context: IntakeService.Context) async throws -> Response {
        guard let who = try await signedIn(context) else { return signInFirst(request, context) }
        guard let token = context.parameters.get("key"), Self.isFormToken(token),
            let (receipt, appeal) = try await store.formReceipt(
                Self.formKey(centre: who.centre.id, token: token, submission: nil))
        else { throw WebError.notFound("receipt") }
        var view = receiptView(receipt, appeal: appeal, language: Language.of(request), who: who)
        view.sentAgain = request.uri.queryParameters.get("again") == "1"
        return site.page("receipt", view, request: request)
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
        v.decidedOn = present(form.decidedOn)
        v.learnedOn = present(form.learnedOn)
        v.lat = present(form.lat)
        v.lon = present(form.lon)
        v.consentChecked = form.consent == "true"
        v.confidentialChecked = form.confidential == "true"
        v.langEn = form.preferredLanguage == "en"
        v.notifySMS = form.notifyBy == "sms"
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
        _ receipt: RegistrationReceipt, appeal: FormReceiptAppeal, language: Language, who: SignedIn
    ) -> ReceiptView {
        let category = Reference.category(code: appeal.category)
        let authority = category.flatMap { Reference.authority(code: $0.defaultAuthority) }
        var authorityName = (language == .uk ? authority?.nameUk : authority?.nameEn) ?? ""
        if appeal.kind == AppealKind.complaint.rawValue, let against = appeal.against {
            // A complaint is never examined by the body it is against (Art. 16): routing sends it to
            // the body above, which intake does not know; say so honestly instead of naming one.
            let body = Reference.authority(code: against).map { language == .uk ? $0.nameUk : $0.nameEn } ?? against
            authorityName = strings.string("authorityAbove", language).replacingOccurrences(of: "{body}", with: body)
        }
        let date = PeopleDates.minute(receipt.registeredAt, language)
        return ReceiptView(
            csrf: who.session.csrf, centreName: who.centre.name, librarian: who.librarian.login,
            number: receipt.registrationNumber,
            token: receipt.trackingToken, date: date,
            categoryName: (language == .uk ? category?.nameUk : category?.nameEn) ?? "",
            authorityName: authorityName,
            termDays: "\(category?.termDays ?? Law.studyTermDays)", repeatOf: receipt.repeatOf,
            trackURL: site.link("/track", query: [("number", receipt.registrationNumber)]),
            qr: receiptQR(receipt, language: language),
            nav: nav(who, language: language))
    }

    /// The form again with what was typed and `errors` (photos are asked for again: a page cannot
    /// keep the files that were chosen).
    func formAgain(
        _ values: FormValues, errors: [FieldError], uploads: [[UInt8]], who: SignedIn, formToken: String,
        _ request: Request, status: HTTPResponse.Status = .ok
    ) -> Response {
        let errors = Self.photosChooseAgain(errors, uploads: uploads)
        let view = formView(values, errors: errors, language: Language.of(request), who: who, formToken: formToken)
        return site.page("form", view, request: request, status: status)
    }

    func formView(
        _ values: FormValues, errors: [FieldError], language: Language, who: SignedIn, formToken: String
    ) -> FormView {
        func message(_ e: FieldError) -> String { (language == .uk ? e.messageUk : nil) ?? e.message }
        var byField: [String: String] = [:]
        for e in errors {
            let key = Self.fieldKey(e)
            byField[key] = byField[key].map { $0 + " " + message(e) } ?? message(e)
        }
        var fieldMessages = FieldMessages(
            fullName: byField["fullName"], address: byField["address"], phone: byField["phone"],
            email: byField["email"], kind: byField["kind"], against: byField["against"],
            category: byField["category"], subject: byField["subject"], text: byField["text"],
            consent: byField["consent"], publish: byField["publish"], coSigners: byField["coSigners"],
            representative: byField["representative"], receivedOn: byField["receivedOn"],
            reception: byField["reception"])
        fieldMessages.decidedOn = byField["decidedOn"]
        fieldMessages.learnedOn = byField["learnedOn"]
        fieldMessages.photos = Self.photoMessages(byField)
        fieldMessages.location = Self.locationMessage(byField)
        func options(_ items: [(String, String)], selected: String?) -> [SelectOption] {
            items.map { SelectOption(code: $0.0, name: $0.1, chosen: selected) }
        }
        let uk = language == .uk
        return FormView(
            csrf: who.session.csrf, formToken: formToken, centreName: who.centre.name,
            librarian: who.librarian.login, v: values,
            e: fieldMessages, hasErrors: !errors.isEmpty,
            errors: errors.map { Message(message: message($0)) },
            nav: nav(who, language: language, onForm: true), summary: Self.summary(errors, message: message),
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
                selected: values.benefitCategory), map: mapView)
    }
}
