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
    let api: IntakeAPI
    let library: MustacheLibrary
    let sessions: SignedSession

    init(api: IntakeAPI) async throws {
        self.api = api
        self.sessions = SignedSession(secret: api.settings.sessionSecret)
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
        context["t"] = language == .uk ? Strings.uk : Strings.en
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
        guard let session = session(request), let centre = try await api.centre(id: session.subject), centre.active else {
            return try html("login", [:], language: language)
        }
        return try html("form", formContext(values: [:], errors: [], language: language, csrf: session.csrf, centreName: centre.name), language: language)
    }

    func login(_ request: Request) async throws -> Response {
        let language = Self.language(request)
        let body = try await request.body.collect(upTo: 8 * 1024)
        let form = FormData(body: Array(buffer: body))
        guard let centre = try await api.authenticateCentre(key: form["key"]) else {
            return try html("login", ["error": language == .uk ? "Невірний ключ центру" : "Wrong centre key"], language: language, status: .unauthorized)
        }
        let (_, cookie) = sessions.issue(subject: centre.id)
        return WebPage.redirect("/?lang=\(language.rawValue)", cookies: [cookie])
    }

    func submit(_ request: Request, context: IntakeService.Context) async throws -> Response {
        let language = Self.language(request)
        guard let session = session(request), let centre = try await api.centre(id: session.subject), centre.active else {
            return try html("login", ["error": language == .uk ? "Увійдіть ключем центру" : "Sign in with the centre key"], language: language, status: .unauthorized)
        }
        let body = try await request.body.collect(upTo: api.settings.maxBodyBytes)
        let form = FormData(body: Array(buffer: body))
        guard sessions.isValidCSRF(session, form: form) else {
            throw APIError(.forbidden, code: "csrf", message: "the form has expired; reload it", messageUk: "Форма застаріла, оновіть сторінку")
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
            let outcome = try await api.register(submission, channel: "centre", centre: centre.id, logger: context.logger)
            guard case .registered(let receipt) = outcome else { throw IntakeError(code: .registrationFailed) }
            let category = Reference.category(code: submission.category ?? "")
            let authority = category.flatMap { Reference.authority(code: $0.defaultAuthority) }
            let host = request.head.authority ?? "127.0.0.1:8080"
            let date = ISO8601.format(receipt.registeredAt, in: .kyiv).prefix(16).replacingOccurrences(of: "T", with: " ")
            return try html("receipt", [
                "number": receipt.registrationNumber, "token": receipt.trackingToken, "date": date,
                "categoryName": (language == .uk ? category?.nameUk : category?.nameEn) ?? "",
                "authorityName": (language == .uk ? authority?.nameUk : authority?.nameEn) ?? "",
                "termDays": "\(category?.termDays ?? Law.studyTermDays)",
                "repeatOf": receipt.repeatOf ?? "", "centreName": centre.name,
                "trackURL": "http://\(host)/track?number=\(receipt.registrationNumber)",
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
            "kinds": options([("application", uk ? "Заява (клопотання)" : "Application"), ("proposal", uk ? "Пропозиція (зауваження)" : "Proposal"),
                              ("complaint", uk ? "Скарга" : "Complaint")], selected: values["kind"]),
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
        guard let view = try await api.track(number: number, token: token, language: language) else {
            return try html("track", ["number": number, "notFound": true], language: language, status: .notFound)
        }
        let names = language == .uk ? Strings.statusUk : Strings.statusEn
        let history: [[String: Any]] = view.history.map { h in
            ["at": String(ISO8601.format(h.at, in: .kyiv).prefix(16)).replacingOccurrences(of: "T", with: " "),
             "statusName": names[h.status] ?? h.status, "authorityName": h.authorityName ?? ""]
        }
        return try html("track", [
            "number": number,
            "view": ["registrationNumber": view.registrationNumber, "statusName": names[view.status] ?? view.status,
                     "categoryName": view.categoryName, "authorityName": view.authorityName ?? "—",
                     "deadline": view.deadline?.description ?? "—", "history": history] as [String: Any],
        ], language: language)
    }
}

enum Strings {
    static let uk: [String: String] = [
        "service": "Громада · звернення мешканців Миколаєва", "centre": "Центр", "switchLang": "English",
        "loginTitle": "Вхід для центру обслуговування громадян", "centreKey": "Ключ центру", "login": "Увійти",
        "formTitle": "Нове звернення", "formIntro": "Поля без позначки «не обов'язково» потрібно заповнити (ст. 5 Закону «Про звернення громадян»).",
        "fixErrors": "Виправте, будь ласка:", "resident": "Мешканець (автор звернення)", "fullName": "Прізвище, ім'я, по батькові",
        "fullNameHint": "(щонайменше прізвище та ім'я)", "address": "Місце проживання", "phone": "Телефон", "email": "Електронна пошта",
        "optional": "(не обов'язково)", "language": "Мова відповіді", "benefit": "Пільгова категорія", "appeal": "Звернення",
        "kind": "Вид звернення", "against": "Орган, на який скарга", "againstHint": "(лише для скарги)", "category": "Категорія",
        "district": "Район", "subject": "Тема", "text": "Текст звернення", "consentLegend": "Згода та помічник",
        "consent": "Мешканець дає згоду на обробку персональних даних", "confidential": "Розглянути конфіденційно",
        "assistedBy": "Бібліотекар-консультант, що допоміг (ім'я)", "submit": "Зареєструвати звернення",
        "receiptTitle": "Квитанція про реєстрацію звернення", "number": "Реєстраційний номер", "token": "Код відстеження",
        "date": "Дата", "authorityHint": "Орієнтовний виконавець", "termHint": "Строк розгляду, днів", "repeatOf": "Повторне до",
        "howToTrack": "Стан звернення", "print": "Надрукувати", "newAppeal": "Нове звернення",
        "trackTitle": "Стан звернення", "notFound": "Звернення не знайдено або код невірний.", "status": "Стан",
        "authority": "Виконавець", "deadline": "Строк", "history": "Історія", "check": "Перевірити",
    ]
    static let en: [String: String] = [
        "service": "Hromada · residents' appeals in Mykolaiv", "centre": "Centre", "switchLang": "Українська",
        "loginTitle": "Citizen Service Centre sign-in", "centreKey": "Centre key", "login": "Sign in",
        "formTitle": "New appeal", "formIntro": "Fields not marked \"optional\" are required (Art. 5 of the Law on Citizens' Appeals).",
        "fixErrors": "Please correct:", "resident": "Resident (the author)", "fullName": "Full name",
        "fullNameHint": "(at least surname and first name)", "address": "Place of residence", "phone": "Phone", "email": "Email",
        "optional": "(optional)", "language": "Language of the answer", "benefit": "Benefit category", "appeal": "The appeal",
        "kind": "Kind", "against": "Authority complained about", "againstHint": "(complaints only)", "category": "Category",
        "district": "District", "subject": "Subject", "text": "Text of the appeal", "consentLegend": "Consent and helper",
        "consent": "The resident consents to personal-data processing", "confidential": "Handle confidentially",
        "assistedBy": "Librarian who helped (name)", "submit": "Register the appeal",
        "receiptTitle": "Receipt of registration", "number": "Registration number", "token": "Tracking code",
        "date": "Date", "authorityHint": "Expected authority", "termHint": "Term, days", "repeatOf": "Repeat of",
        "howToTrack": "Track it at", "print": "Print", "newAppeal": "New appeal",
        "trackTitle": "Appeal status", "notFound": "No appeal found, or the code is wrong.", "status": "Status",
        "authority": "Authority", "deadline": "Deadline", "history": "History", "check": "Check",
    ]
    static let statusUk = ["registered": "Зареєстровано", "assigned": "Передано виконавцю", "accepted": "Прийнято до розгляду",
                           "forwarded": "Переслано за належністю", "extended": "Строк продовжено", "answered": "Надано відповідь",
                           "reopened": "Відновлено розгляд", "closed": "Закрито", "returned": "Повернуто автору"]
    static let statusEn = ["registered": "Registered", "assigned": "Assigned", "accepted": "Accepted", "forwarded": "Forwarded",
                           "extended": "Extended", "answered": "Answered", "reopened": "Reopened", "closed": "Closed", "returned": "Returned"]
}
