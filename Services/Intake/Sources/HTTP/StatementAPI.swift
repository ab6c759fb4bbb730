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

    init(store: IntakeStore, policy: RetentionPolicy, clock: @escaping @Sendable () -> Date, site: WebSite) throws {
        self.store = store
        self.policy = policy
        self.clock = clock
        self.catalogue = site.catalogue
        self.templates = try TemplateLibrary(bundle: .module, names: ["statement"])
    }

    func addRoutes(to router: Router<IntakeService.Context>) {
        let limited = router.group()
            .add(middleware: RateLimitMiddleware<IntakeService.Context>(.tracking, requestsPerSecond: 2, burst: 20))
        limited.get("v1/appeals/{number}/statement") { request, context in
            guard
                let statement = try await self.statement(
                    number: context.parameters.get("number") ?? "",
                    token: request.uri.queryParameters.get("token") ?? "")
            else { throw APIError.notFound("appeal") }
            return try JSON.response(statement, headers: [.cacheControl: "no-store"])
        }
        limited.get("track/statement") { request, _ in
            let query = request.uri.queryParameters
            let number = query.get("number") ?? ""
            let language = Language.of(request)
            var found: StatementJSON.Statement?
            var notFound = false
            if let token = query.get("token"), !token.isEmpty {
                found = try await self.statement(number: number, token: token)
                notFound = found == nil
            }
            let view = StatementPage(number: number, statement: found, notFound: notFound, language: language)
            let html = templates.render(view, template: "statement", language: language, catalogue: catalogue)
            return HTMLResponse.page(html, status: notFound ? .notFound : .ok)
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

    init(number: String, statement: StatementJSON.Statement?, notFound: Bool, language: Language) {
        let uk = language == .uk
        func minutes(_ date: Date) -> String { PeopleDates.minute(date, language) }
        title = uk ? "Ваші персональні дані у зверненні" : "Your personal data in the appeal"
        self.number = number
        notFoundText = uk ? "Звернення з таким номером і кодом не знайдено." : "No appeal with this number and code."
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
                    ? "Мета: розгляд звернення за Законом України «Про звернення громадян» (обовʼязок органу, ст. 7); "
                        + "дані зберігаються, як вимагає Інструкція 348, а потім видаляються."
                    : s.purpose,
                retentionText: s.erasableFrom.map {
                    uk
                        ? "Персональні дані буде видалено не пізніше \($0)."
                        : "The personal data will be erased by \($0)."
                }
                    ?? (uk
                        ? "Звернення ще розглядається; після закриття дані зберігаються 5 років "
                            + "від 1 січня наступного року."
                        : "The appeal is still open; once closed its data is kept 5 years from the next 1 January."),
                numberLabel: numberText, registeredLabel: uk ? "Зареєстровано" : "Registered",
                generatedLabel: uk ? "Довідку складено" : "Statement made",
                heldTitle: uk ? "Які дані про вас зберігає Громада" : "What Hromada holds about you",
                accessTitle: uk ? "Хто переглядав ці дані" : "Who viewed this data",
                whenLabel: uk ? "Коли" : "When", whoLabel: uk ? "Хто" : "Who", whyLabel: uk ? "Для чого" : "What for",
                noAccesses: uk ? "Ніхто, крім системи, ще не переглядав ці дані." : "Nobody has viewed this data yet.",
                whyTitle: uk ? "Навіщо і як довго" : "Why and for how long", printLabel: uk ? "Друкувати" : "Print",
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
