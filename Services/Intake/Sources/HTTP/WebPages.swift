import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaRuntime
import Hummingbird
import Mustache
import NIOCore

/// The librarian's form (`GET /`), its login, the printable receipt, and the resident's
/// tracking page (`GET /track`). Server-rendered, Ukrainian by default (`?lang=en` switches and
/// is remembered in a cookie). Mustache escapes every `{{value}}`.
struct WebPages: Sendable {
    let intake: AppealIntake
    let library: MustacheLibrary
    let sessions: SignedSession

    var store: IntakeStore { intake.store }
    var strings: IntakeStrings { intake.strings }

    init(intake: AppealIntake) async throws {
        self.intake = intake
        self.sessions = SignedSession(secret: intake.settings.sessionSecret)
        let url = try WebPage.templatesFolder(in: Bundle.module, containing: "form.mustache")
        self.library = try await MustacheLibrary(directory: url.path)
        guard library.getTemplate(named: "form") != nil else { throw IntakeError(code: .templateMissing) }
    }

    func addRoutes(to router: Router<IntakeService.Context>) {
        router.get("/") { request, _ in try await self.form(request) }
        router.post("/form/login") { request, _ in try await self.login(request) }
        router.post("/form/logout") { request, _ in
            let language = Self.language(request)
            return WebPage.redirect("/?lang=\(language.rawValue)", cookies: [self.sessions.clearCookie])
        }
        router.post("/form/appeals") { request, context in try await self.submit(request, context: context) }
        router.get("/track") { request, _ in try await self.track(request) }
    }

    // MARK: Language

    static func language(_ request: Request) -> Language {
        Language(rawValue: WebPage.language(request).code) ?? .uk
    }

    func html(_ template: String, _ context: [String: Any], language: Language, status: HTTPResponse.Status = .ok, cookies: [String] = []) throws -> Response {
        var context = context
        context["lang"] = language.rawValue
        context["otherLang"] = language == .uk ? "en" : "uk"
        context["t"] = strings.strings(language)
        guard let body = library.render(context, withTemplate: template) else { throw IntakeError(code: .templateMissing) }
        let remember = "hromada_lang=\(language.rawValue); Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict"
        return WebPage.html(body, status: status, cookies: [remember] + cookies, allowInlineScript: true)
    }

    // MARK: Session (a signed cookie naming the centre; see SignedSession)

    func session(_ request: Request) -> SignedSession.Session? {
        sessions.read(request)
    }

    // MARK: Pages

    func form(_ request: Request) async throws -> Response {
        let language = Self.language(request)
        guard let session = session(request), let centre = try await store.centre(id: session.subject), centre.active else {
            return try html("login", [:], language: language)
        }
        return try html("form", formContext(values: [:], errors: [], language: language, csrf: session.csrf, centreName: centre.name), language: language)
    }

    func login(_ request: Request) async throws -> Response {
        let language = Self.language(request)
        let body = try await request.body.collect(upTo: 8 * 1024)
        let form = FormData(body: Array(buffer: body))
        guard let centre = try await store.authenticateCentre(key: form["key"]) else {
            return try html("login", ["error": strings.string("wrongCentreKey", language)], language: language, status: .unauthorized)
        }
        let (_, cookie) = sessions.issue(subject: centre.id)
        return WebPage.redirect("/?lang=\(language.rawValue)", cookies: [cookie])
    }

    func submit(_ request: Request, context: IntakeService.Context) async throws -> Response {
        let language = Self.language(request)
        guard let session = session(request), let centre = try await store.centre(id: session.subject), centre.active else {
            return try html("login", ["error": strings.string("signInFirst", language)], language: language, status: .unauthorized)
        }
        let body = try await request.body.collect(upTo: intake.settings.maxBodyBytes)
        let form = FormData(body: Array(buffer: body))
        guard sessions.isValidCSRF(session, form: form) else {
            throw strings.error(.forbidden, code: "csrf", key: "errFormExpired")
        }
        var values: [String: String] = [:]
        for key in ["fullName", "address", "phone", "email", "preferredLanguage", "benefitCategory", "kind", "against", "category", "district", "subject", "text", "consent", "confidential", "assistedBy"] {
            if let v = form[key], !v.isEmpty { values[key] = v }
        }
        let submission = AppealSubmission(
            kind: values["kind"], category: values["category"],
            author: AppealSubmission.Author(fullName: values["fullName"], address: values["address"], email: values["email"], phone: values["phone"],
                                            preferredLanguage: values["preferredLanguage"], benefitCategory: values["benefitCategory"]),
            subject: values["subject"], text: values["text"], district: values["district"], centreId: nil, assistedBy: values["assistedBy"],
            consent: values["consent"] == "true", confidential: values["confidential"] == "true",
            against: values["kind"] == "complaint" ? values["against"] : nil)
        do {
            let outcome = try await intake.register(
                submission, channel: AppealValidator.Channel.centre, centre: centre.id, logger: context.logger)
            guard case .registered(let receipt) = outcome else { throw IntakeError(code: .registrationFailed) }
            let category = Reference.category(code: submission.category ?? "")
            let authority = category.flatMap { Reference.authority(code: $0.defaultAuthority) }
            let date = ISO8601.format(receipt.registeredAt, in: .kyiv).prefix(16).replacingOccurrences(of: "T", with: " ")
            return try html("receipt", [
                "number": receipt.registrationNumber, "token": receipt.trackingToken, "date": date,
                "categoryName": (language == .uk ? category?.nameUk : category?.nameEn) ?? "",
                "authorityName": (language == .uk ? authority?.nameUk : authority?.nameEn) ?? "",
                "termDays": "\(category?.termDays ?? Law.studyTermDays)",
                "repeatOf": receipt.repeatOf ?? "", "centreName": centre.name,
                "trackURL": intake.settings.publicBaseURL + "/track?number=\(receipt.registrationNumber)",
            ], language: language, status: .created)
        } catch let error as APIError where error.status == .unprocessableContent {
            return try html("form", formContext(values: values, errors: error.errors, language: language, csrf: session.csrf, centreName: centre.name),
                            language: language, status: .unprocessableContent)
        }
    }

    func formContext(values: [String: String], errors: [FieldError], language: Language, csrf: String, centreName: String) -> [String: Any] {
        var fieldErrors: [String: String] = [:]
        for e in errors {
            let key = (e.field ?? "").replacingOccurrences(of: "author.", with: "")
            let message = (language == .uk ? e.messageUk : nil) ?? e.message
            fieldErrors[key] = fieldErrors[key].map { $0 + " " + message } ?? message
        }
        func options(_ items: [(String, String)], selected: String?) -> [[String: Any]] {
            items.map { ["code": $0.0, "name": $0.1, "selected": $0.0 == selected] }
        }
        let uk = language == .uk
        var v: [String: Any] = values
        v["consent"] = values["consent"] == "true"
        v["confidential"] = values["confidential"] == "true"
        v["langEn"] = values["preferredLanguage"] == "en"
        return [
            "csrf": csrf, "centreName": centreName, "v": v, "e": fieldErrors, "hasErrors": !errors.isEmpty,
            "errors": errors.map { ["message": ((uk ? $0.messageUk : nil) ?? $0.message)] },
            "kinds": options([("application", strings.string("kindApplication", language)),
                              ("proposal", strings.string("kindProposal", language)),
                              ("complaint", strings.string("kindComplaint", language))], selected: values["kind"]),
            "categories": options(Reference.categories.map { ($0.code, uk ? $0.nameUk : $0.nameEn) }, selected: values["category"]),
            "districts": options(Reference.districts.map { ($0.code, uk ? $0.nameUk : $0.nameEn) }, selected: values["district"]),
            "authorities": options(Reference.authorities.map { ($0.code, uk ? $0.nameUk : $0.nameEn) }, selected: values["against"]),
            "benefits": options(Reference.benefitCategories.map { ($0.code, uk ? $0.nameUk : $0.nameEn) }, selected: values["benefitCategory"]),
        ]
    }

    func track(_ request: Request) async throws -> Response {
        let language = Self.language(request)
        let query = FormData(query: request.uri.query)
        let number = query["number"] ?? ""
        guard let token = query["token"], !token.isEmpty else {
            return try html("track", ["number": number], language: language)
        }
        guard let view = try await intake.track(number: number, token: token, language: language) else {
            return try html("track", ["number": number, "notFound": true], language: language, status: .notFound)
        }
        func statusName(_ status: String) -> String { strings.string("status_\(status)", language) }
        let history: [[String: Any]] = view.history.map { h in
            ["at": String(ISO8601.format(h.at, in: .kyiv).prefix(16)).replacingOccurrences(of: "T", with: " "),
             "statusName": statusName(h.status), "authorityName": h.authorityName ?? ""]
        }
        return try html("track", [
            "number": number,
            "view": ["registrationNumber": view.registrationNumber, "statusName": statusName(view.status),
                     "categoryName": view.categoryName, "authorityName": view.authorityName ?? "—",
                     "deadline": view.deadline?.description ?? "—", "history": history] as [String: Any],
        ], language: language)
    }
}
