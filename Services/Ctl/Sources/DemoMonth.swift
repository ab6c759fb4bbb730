import Foundation
import HromadaAPI
import HromadaContracts
import HromadaCore

/// `hromadactl demo month`: fills a demo system with a month's volume of Mykolaiv's appeals
/// (7,591 a year reach the city's contact centre: about 630 a month) through the real APIs — the
/// demo centre submits them (some as paper appeals entered late, received up to 10 days back,
/// which is as far back as intake accepts), and the authorities' heads accept, extend, forward,
/// answer or return them — so that reports, the quarterly summary, open data and the guides'
/// screenshots show realistic numbers. The plan is deterministic for a given `seed`.
public struct DemoMonth: Sendable {
    /// What happens to one appeal after registration.
    public enum Fate: String, Sendable, Equatable, CaseIterable {
        case answered, extendedAndAnswered, extended, forwardedAndAnswered, returned, open
    }

    public struct Appeal: Sendable, Equatable {
        public var index: Int
        public var category: Reference.Category
        public var district: String
        public var kind: AppealKind
        /// Days before today the appeal arrived (0: today; more: a paper appeal entered late).
        public var daysBack: Int
        public var fate: Fate
        public var outcome: AnswerOutcome
        public var forwardTo: String

        /// The body `POST /v1/appeals` takes (synthetic resident; `demo` in the name).
        public func submission(today: LocalDate) -> [String: Any] {
            let surnames = [
                "Коваленко", "Бондаренко", "Шевченко", "Мельник",
                "Ткаченко", "Кравченко", "Олійник", "Поліщук",
            ]
            let names = [
                "Олена", "Андрій", "Ірина", "Микола",
                "Тетяна", "Сергій", "Наталія", "Василь",
            ]
            let streets = [
                "вул. Соборна", "просп. Центральний", "вул. Велика Морська",
                "вул. Адміральська", "просп. Миру",
            ]
            let fullName = "\(surnames[index % surnames.count]) \(names[index / 3 % names.count])"
            var body: [String: Any] = [
                "kind": kind.rawValue, "category": category.code, "district": district,
                "author": [
                    "fullName": "\(fullName) (демо \(index))",
                    "address": "м. Миколаїв, \(streets[index % streets.count]), \(1 + index % 120)",
                    "email": "demo-\(index)@example.org", "preferredLanguage": index % 6 == 0 ? "en" : "uk",
                ],
                "subject": "\(category.nameUk): звернення (демо)",
                "text":
                    "\(category.descriptionUk) Прошу розглянути та вжити заходів. "
                    + "Демонстраційне звернення №\(index).",
                "consent": true, "assistedBy": "Бібліотекар-консультант (демо)",
            ]
            if kind == .complaint {  // a complaint names the body it is against (never routed to it)
                body["against"] = category.defaultAuthority == "transport" ? "zhkg" : "transport"
            }
            if daysBack > 0 {
                body["receivedOn"] = today.adding(days: -daysBack).description
                body["enteredBy"] = "demo-librarian"
            }
            return body
        }
    }

    public let appeals: [Appeal]
    public let seed: UInt64

    /// A plan of `count` appeals; the same `seed` gives the same plan.
    public init(count: Int, seed: UInt64) {
        self.seed = seed
        var random = SplitMix64(seed: seed)
        // Heating, water and roads dominate a city's appeals; the weights give a plausible mix.
        let weights: [String: Int] = [
            "heating": 18, "water-supply": 14, "roads": 14, "street-lighting": 8, "waste": 10, "public-transport": 9,
            "social-support": 10, "health-care": 5, "education": 4, "land-construction": 4, "other": 4,
        ]
        let categories = Reference.categories.flatMap { Array(repeating: $0, count: weights[$0.code] ?? 1) }
        let authorities = Reference.authorities.map(\.code)
        appeals = (0..<count).map { index in
            let roll = random.next(100)
            let fate: Fate =
                switch roll {
                case 0..<52: .answered
                case 52..<60: .extendedAndAnswered
                case 60..<64: .extended
                case 64..<69: .forwardedAndAnswered
                case 69..<71: .returned
                default: .open
                }
            let outcomeRoll = random.next(100)
            let outcome: AnswerOutcome =
                outcomeRoll < 45
                ? .resolvedPositively : outcomeRoll < 60 ? .refused : outcomeRoll < 95 ? .explained : .other
            let kindRoll = random.next(10)
            return Appeal(
                index: index, category: categories[random.next(categories.count)],
                district: Reference.districts[random.next(Reference.districts.count)].code,
                kind: kindRoll < 2 ? .proposal : kindRoll < 9 ? .application : .complaint,
                daysBack: random.next(10) < 3 ? 1 + random.next(10) : 0, fate: fate, outcome: outcome,
                forwardTo: authorities[random.next(authorities.count)])
        }
    }
}

extension SplitMix64 {
    /// A number in `0..<bound` (the remainder: what a demo month was made with, kept so a seed
    /// still gives the same month).
    mutating func next(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }
}

/// Runs a `DemoMonth` against the services.
public struct DemoMonthRunner: Sendable {
    let endpoints: CtlEndpoints
    let centreKey: String
    let http = HTTPClient(timeout: 30)
    let say: @Sendable (String) -> Void

    public init(endpoints: CtlEndpoints, centreKey: String, say: @escaping @Sendable (String) -> Void) {
        self.endpoints = endpoints
        self.centreKey = centreKey
        self.say = say
    }

    /// Registers the plan's appeals, then has each authority's demo head act on its tickets.
    /// Returns how many appeals were registered and how many actions taken.
    public func run(_ plan: DemoMonth) async throws -> (registered: Int, actions: Int) {
        guard let intake = endpoints.url(of: "intake"), let routing = endpoints.url(of: "routing") else {
            throw CtlError(.configuration, "no intake or routing URL")
        }
        let today = LocalDate.today()
        var fates: [String: DemoMonth.Appeal] = [:]
        for appeal in plan.appeals {
            let body = try JSONSerialization.data(withJSONObject: appeal.submission(today: today))
            var attempt = 0
            while true {
                let response = try await http.send(
                    "POST", intake + "/v1/appeals", body: body, bearer: centreKey,
                    headers: ["Idempotency-Key": "demo-month-\(plan.seed)-\(appeal.index)-\(today)"])
                if response.status == 429 && attempt < 20 {  // the centre key's rate limit
                    attempt += 1
                    try await Task.sleep(for: .milliseconds(250))
                    continue
                }
                guard response.status == 201 || response.status == 200,
                    let number = (try? response.json() as? [String: Any])?["registrationNumber"] as? String
                else {
                    throw CtlError(
                        .httpStatus, status: response.status, "appeal \(appeal.index): \(response.text.prefix(300))")
                }
                fates[number] = appeal
                break
            }
            if (appeal.index + 1) % 100 == 0 { say("registered \(appeal.index + 1) of \(plan.appeals.count)") }
        }
        say("registered \(fates.count); the heads now act on their tickets")
        let admin = AdminClient(endpoints: endpoints)
        var heads: [String: String] = [:]
        func head(_ authority: String) async throws -> String {
            if let token = heads[authority] { return token }
            let token = "demo-head-\(authority)-" + UUID().uuidString.lowercased()
            _ = try await admin.upsertOfficial(
                name: "Керівник (демо) \(authority)", authority: authority, role: "head", token: token)
            heads[authority] = token
            return token
        }
        // Wait until routing holds a ticket for every appeal, then act.
        var actions = 0
        var failures = 0
        var pending = fates
        // Routing's own list (it holds bodies the reference data does not, e.g. the executive
        // committee that complaints go up to).
        let authorities = (try? await admin.authorities().map(\.code)) ?? Reference.authorities.map(\.code)
        let deadline = Date().addingTimeInterval(300)
        while !pending.isEmpty && Date() < deadline {
            for authority in authorities {
                let token = try await head(authority)
                let list = try await http.expectOK(
                    "GET", routing + "/v1/tickets?status=assigned&limit=5000", bearer: token)
                let tickets = (try? list.json() as? [String: Any])?["tickets"] as? [[String: Any]] ?? []
                for ticket in tickets {
                    guard let number = ticket["registrationNumber"] as? String, let appeal = pending[number],
                        let id = ticket["id"] as? String
                    else { continue }
                    pending[number] = nil
                    do {
                        actions += try await act(appeal, ticket: id, authority: authority, routing: routing, head: head)
                    } catch {
                        failures += 1
                        if failures <= 5 { say("\(number) (\(appeal.fate.rawValue)): \(error)") }
                    }
                }
            }
            if !pending.isEmpty { try await Task.sleep(for: .seconds(1)) }
        }
        if !pending.isEmpty { say("\(pending.count) appeal(s) had no ticket after 5 minutes; left as they are") }
        if failures > 0 { say("\(failures) appeal(s) could not be acted on (left as they were)") }
        return (fates.count, actions)
    }

    private func act(
        _ appeal: DemoMonth.Appeal, ticket: String, authority: String, routing: String,
        head: (String) async throws -> String
    ) async throws -> Int {
        let token = try await head(authority)
        var actions = 0
        func post(_ action: String, _ body: [String: Any] = [:], as bearer: String? = nil) async throws {
            let data = body.isEmpty ? nil : try JSONSerialization.data(withJSONObject: body)
            _ = try await http.expectOK(
                "POST", routing + "/v1/tickets/\(ticket)/\(action)", body: data, bearer: bearer ?? token)
            actions += 1
        }
        let answer: [String: Any] = [
            "outcome": appeal.outcome.rawValue,
            "text": appeal.outcome == .refused
                ? "Відмовлено: питання не належить до повноважень "
                    + "органу; рішення можна оскаржити до вищого органу."
                : "Звернення розглянуто, вжито заходів (демо).",
        ]
        switch appeal.fate {
        case .open:
            if appeal.index % 2 == 0 { try await post("accept") }
        case .answered:
            try await post("accept")
            try await post("answer", answer)
        case .extended, .extendedAndAnswered:
            try await post("accept")
            try await post(
                "extend", ["days": 15, "reason": "Потрібне додаткове вивчення (демо)."])
            if appeal.fate == .extendedAndAnswered { try await post("answer", answer) }
        case .forwardedAndAnswered:
            let target = appeal.forwardTo == authority ? Reference.defaultAuthority : appeal.forwardTo
            guard target != authority else { return actions }
            let reason =
                "Питання належить до повноважень іншого органу (демо)."
            try await post("forward", ["to": target, "reason": reason])
            // The new holder's head answers once the forwarded ticket is theirs.
            let other = try await head(target)
            try await Task.sleep(for: .milliseconds(50))
            try await post("accept", as: other)
            try await post("answer", answer, as: other)
        case .returned:
            let reason =
                "Не зазначено місце проживання (ст. 5); "
                + "повертається автору (демо)."
            try await post("return", ["reason": reason])
        }
        return actions
    }
}
