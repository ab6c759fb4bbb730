import Foundation
import HromadaAPI
import HromadaContracts
import HromadaCrypto
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// The resident's own data (personal-data law, Art. 8): with the registration number and the
/// tracking code from the receipt,
/// - `GET /v1/appeals/{number}/statement?token=…` → `StatementJSON.Statement`;
/// - `GET /track/statement?number=…&token=…[&lang=en]` → the same as a printable page (at the
///   centre the librarian prints it for the resident; without a code it shows the form).
/// What personal data intake holds, who viewed it and when, why it is processed and when it will
/// be erased. A wrong code and an unknown number answer the same 404.
struct StatementAPI: Sendable {
    let store: IntakeStore
    let policy: RetentionPolicy
    let clock: @Sendable () -> Date
    let catalogue: StringCatalogue
    let templates: TemplateLibrary
    let site: WebSite

    init(store: IntakeStore, policy: RetentionPolicy, clock: @escaping @Sendable () -> Date, site: WebSite) throws {
        self.store = store
        self.site = site
        self.policy = policy
        self.clock = clock
        self.catalogue = site.catalogue
        self.templates = try TemplateLibrary(bundle: .module, names: ["statement"])
    }

    func addRoutes(to router: Router<IntakeService.Context>) {
        let limited = router.group()
            .add(middleware: RateLimitMiddleware<IntakeService.Context>(.tracking, requestsPerSecond: 2, burst: 20))
        limited.get("v1/appeals/{number}/statement") { request, context in
            // The number and code as the tracking page takes them, wrong codes counted (TrackingPages.swift).
            let code = request.uri.queryParameters.get("token") ?? ""
            let check = try await TrackingAccess.check(
                store: store, number: context.parameters.get("number") ?? "", code: code, request: request,
                context: context)
            switch check {
            case .limited(let until): throw TrackingAccess.limitedError(until: until)
            case .notFound: throw APIError.notFound("appeal")
            case .verified(let number, _):
                guard let statement = try await self.statement(number: number, token: code) else {
                    throw APIError.notFound("appeal")
                }
                return try JSON.response(statement, headers: [.cacheControl: "no-store"])
            }
        }
        // The page: number and code posted (never in the address), then the statement from the
        // tracking page's proof cookie; old links with `token=` prove it and leave the address.
        limited.get("track/statement") { request, context in
            let access = TrackingAccess(store: store, site: site)
            let path = "/track/statement"
            if let redirect = try await access.oldLink(request, context: context, site: site, path: path) {
                return redirect
            }
            let query = request.uri.queryParameters
            let typed = query.get("number").map { RegistrationNumber.typed($0) ?? String($0.prefix(40)) }
            let language = Language.of(request)
            var found: StatementJSON.Statement?
            if let proof = access.proof(request), typed == nil || typed == proof.number {
                found = try await self.statement(number: proof.number, token: proof.code)
            }
            let problem = query.get("problem")
            var view = StatementPage(
                number: found?.registrationNumber ?? typed ?? "", statement: found,
                notFound: problem == "not-found" || problem == "look-alike", language: language)
            view.csrf = context.session?.csrf
            view.limited = problem == "limited"
            let html = templates.render(view, template: "statement", language: language, catalogue: catalogue)
            return HTMLResponse.page(
                html, status: view.notFound ? .notFound : view.limited ? .tooManyRequests : .ok,
                cookies: Language.rememberCookie(request).map { [$0] } ?? [])
        }
        limited.post("track/statement") { request, context in
            let form = try await site.form(WebPages.TrackForm.self, request, limit: 16 * 1024)
            return try await TrackingAccess(store: store, site: site).lookUp(
                number: form.number ?? "", code: form.token ?? form.code ?? "", request: request, context: context,
                site: site, path: "/track/statement")
        }
    }

    func statement(number: String, token: String) async throws -> StatementJSON.Statement? {
        guard (1...RegistrationNumber.maximumLength).contains(number.count), (1...200).contains(token.count) else {
            _ = TokenHash.verify(token: "x", hash: String(repeating: "0", count: 64))
            return nil
        }
        return try await store.statement(
            number: RegistrationNumber.normalised(number), token: token, policy: policy, at: clock())
    }
}

/// `statement.mustache`'s model: the statement with its labels in the page's language.
struct StatementPage: Encodable, Sendable {
    struct Row: Encodable, Sendable { let label, value: String }
    struct AccessRow: Encodable, Sendable { let at, who, why: String }
    struct Shown: Encodable, Sendable {
        let number, registeredAt, generatedAt, purposeText, retentionText: String
        let numberLabel, registeredLabel, generatedLabel, heldTitle, accessTitle, whenLabel, whoLabel, whyLabel: String
        let noAccesses, whyTitle, printLabel: String
        let items: [Row]
        let accesses: [AccessRow]
        let hasAccesses: Bool
    }

    let title, number, notFoundText, numberLabel, tokenLabel, showLabel: String
    let notFound: Bool
    let statement: Shown?
    /// The librarian's session token (the lookup form posts it back when there is a session).
    var csrf: String?
    /// Too many wrong codes lately (TrackingLimits).
    var limited = false

    init(number: String, statement: StatementJSON.Statement?, notFound: Bool, language: Language) {
        let uk = language == .uk
        func minutes(_ date: Date) -> String { PeopleDates.minute(date, language) }
        title =
            uk
            ? "Ваші персональні дані у зверненні"
            : "Your personal data in the appeal"
        self.number = number
        notFoundText =
            uk
            ? "Звернення з таким номером і кодом не знайдено."
            : "No appeal with this number and code."
        let numberText = uk ? "Реєстраційний номер" : "Registration number"
        numberLabel = numberText
        tokenLabel = uk ? "Код для перевірки" : "Tracking code"
        showLabel = uk ? "Показати" : "Show"
        self.notFound = notFound
        self.statement = statement.map { s in
            Shown(
                number: s.registrationNumber, registeredAt: minutes(s.registeredAt),
                generatedAt: minutes(s.generatedAt),
                purposeText: uk
                    ? "Мета: розгляд звернення за Законом України "
                        + "«Про звернення громадян» (обовʼязок органу, ст. 7); "
                        + "дані зберігаються, як вимагає Інструкція 348, "
                        + "а потім видаляються."
                    : s.purpose,
                retentionText: s.erasableFrom.map {
                    uk
                        ? "Персональні дані буде видалено не пізніше \($0)."
                        : "The personal data will be erased by \($0)."
                }
                    ?? (uk
                        ? "Звернення ще розглядається; "
                            + "після закриття дані зберігаються 5 років "
                            + "від 1 січня наступного року."
                        : "The appeal is still open; once closed its data is kept 5 years from the next 1 January."),
                numberLabel: numberText, registeredLabel: uk ? "Зареєстровано" : "Registered",
                generatedLabel: uk ? "Довідку складено" : "Statement made",
                heldTitle: uk
                    ? "Які дані про вас зберігає Громада" : "What Hromada holds about you",
                accessTitle: uk ? "Хто переглядав ці дані" : "Who viewed this data",
                whenLabel: uk ? "Коли" : "When", whoLabel: uk ? "Хто" : "Who",
                whyLabel: uk ? "Для чого" : "What for",
                noAccesses: uk
                    ? "Ніхто, крім системи, ще не переглядав ці дані."
                    : "Nobody has viewed this data yet.",
                whyTitle: uk ? "Навіщо і як довго" : "Why and for how long",
                printLabel: uk ? "Друкувати" : "Print",
                items: s.personalData.map { Row(label: Self.label($0.field, uk: uk), value: $0.value) },
                accesses: s.accesses.map { a in
                    AccessRow(
                        at: minutes(a.at), who: [a.role, a.authority].compactMap { $0 }.joined(separator: ", "),
                        why: a.purpose)
                },
                hasAccesses: !s.accesses.isEmpty)
        }
    }

    static func label(_ field: String, uk: Bool) -> String {
        let labels: [String: (String, String)] = [
            "author.fullName": ("Прізвище, імʼя, по батькові", "Full name"),
            "author.address": ("Місце проживання", "Address"),
            "author.email": ("Електронна пошта", "Email"),
            "author.phone": ("Телефон", "Phone"),
            "author.preferredLanguage": ("Мова відповіді", "Language of the answer"),
            "author.benefitCategory": ("Пільгова категорія", "Benefit category"),
            "subject": ("Тема", "Subject"),
            "text": ("Текст звернення", "Text of the appeal"),
            "location.address": ("Адреса проблеми", "Address of the issue"),
            "location.coordinates": ("Координати", "Coordinates"),
            "coSigner": ("Співпідписант", "Co-signer"),
            "representative": ("Представник", "Representative"),
            "assistedBy": ("Допомагав(ла) оформити", "Helped by"),
            "centre": ("Центр обслуговування", "Service centre"),
            "confidential": ("Конфіденційний розгляд", "Confidential handling"),
            "publicationConsent": ("Згода на публікацію тексту", "Consent to publish the text"),
        ]
        return labels[field].map { uk ? $0.0 : $0.1 } ?? field
    }
}
