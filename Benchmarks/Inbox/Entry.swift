import ArgumentParser
import Foundation
import HromadaContracts
import HromadaCore
import HromadaPostgres
import HromadaRuntime
import Logging
import Routing

/// `hromada-inbox-bench`: the officials' inbox at a year of a department's work. Creates a scratch
/// database, builds routing's schema with routing's own migrations, seeds `--tickets` tickets for
/// one authority (zhkg) plus `--others` for other bodies, then times typical inbox pages (the
/// store's `inboxPage`: the count, the page's rows and the labelled counts) and the CSV export's
/// rows and file. See BENCHMARKS.md ("Inbox benchmark").
@main
struct InboxBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hromada-inbox-bench",
        abstract: "Seeds 100,000 tickets for one authority into a scratch database and times inbox pages.")

    @Option(
        help: "PostgreSQL superuser URL; default: postgres on 127.0.0.1:5432 with .hromada/secrets/postgres/postgres.")
    var pgAdminURL: String?
    @Option(help: "Scratch database (dropped and created).") var database = "hromada_inbox_bench"
    @Option(help: "Tickets of the measured authority (zhkg).") var tickets = 100_000
    @Option(help: "Tickets of the other authorities.") var others = 20_000
    @Option(help: "Timed runs per scenario (after 5 warm-up runs).") var runs = 60
    @Flag(help: "Keep the scratch database (e.g. for EXPLAIN).") var keep = false

    func run() async throws {
        var logger = Logger(label: "hromada-inbox-bench")
        logger.logLevel = .warning
        let adminURL = try pgAdminURL ?? Self.localAdminURL()
        let admin = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: adminURL, poolSize: 1, applicationName: "inbox-bench"),
            logger: logger)
        try await admin.withConnection { c in
            try c.executeScript("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
            try c.executeScript("CREATE DATABASE \(database)")
        }
        let url = PostgresConfiguration.replacingDatabase(in: adminURL, with: database)
        let db = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: url, poolSize: 2, searchPath: "routing", applicationName: "inbox-bench"),
            logger: logger)
        try await db.withConnection { c in try c.executeScript("CREATE SCHEMA routing") }
        try await Migrator.migrate(
            RuntimeMigrations.all + RoutingMigrations.all + RoutingErasure.migrations, on: db, logger: logger)
        let seedStart = Date()
        try await seed(db)
        let seeded = Date().timeIntervalSince(seedStart)
        print(
            "Seeded \(tickets) zhkg tickets + \(others) others in \(String(format: "%.1f", seeded)) s (incl. ANALYZE).")

        let official = Principal(
            id: Self.officialId.uuidString.lowercased(), name: "Bench", role: .official, authority: "zhkg")
        let today = LocalDate(string: "2026-11-30")!
        print("")
        print("| scenario | rows on page | matching | p50 ms | p95 ms | p99 ms | max ms |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for (name, pairs) in Self.scenarios {
            let query = try InboxQuery.parse(pairs).get()
            var last: InboxPage?
            let times = try await timed(runs: runs) {
                last = try await db.withConnection { c in
                    try RoutingStore.inboxPage(query, principal: official, today: today, on: c)
                }
            }
            print(Self.line(name, rows: last?.rows.count ?? 0, total: last?.total ?? 0, times))
        }
        // The export: up to 5,000 rows and the CSV file (the access records are one outbox row each).
        for (name, pairs) in Self.exports {
            let query = try InboxQuery.parse(pairs).get()
            var count = 0
            var bytes = 0
            let times = try await timed(runs: max(5, runs / 4)) {
                let rows = try await db.withConnection { c in
                    try RoutingStore.inboxRows(
                        query, principal: official, today: today, limit: RoutingAPI.exportLimit, on: c)
                }
                let csv = InboxCSV.document(
                    header: ["number", "registered", "deadline", "status", "subject", "author", "address"],
                    rows: rows.map {
                        [
                            $0.ticket.registrationNumber, $0.ticket.registeredOn.description,
                            $0.ticket.deadline.description, $0.ticket.status.rawValue, $0.ticket.subject,
                            $0.authorName, $0.authorAddress,
                        ]
                    })
                count = rows.count
                bytes = csv.utf8.count
            }
            print(Self.line("\(name) (\(bytes / 1024) KiB)", rows: count, total: count, times))
        }
        await db.close()
        if !keep {
            try await admin.withConnection { c in
                try c.executeScript("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
            }
        }
        await admin.close()
    }

    static let officialId = UUID(uuidString: "00000000-0000-4000-8000-00000000b001")!

    /// Typical pages: the default list, deep pages, each filter, searches, sorts.
    static let scenarios: [(String, [(String, String)])] = [
        ("default: open, by deadline, page 1", []),
        ("open, by deadline, page 100", [("page", "100")]),
        ("all, newest first, page 1", [("status", "all"), ("sort", "registered")]),
        ("all, by number, page 2000 (offset 49,975)", [("status", "all"), ("sort", "number"), ("page", "2000")]),
        (
            "finished, district, newest first",
            [("status", "finished"), ("district", "korabelnyi"), ("sort", "registered")]
        ),
        ("all, category + kind", [("status", "all"), ("category", "water-supply"), ("kind", "complaint")]),
        ("overdue", [("overdue", "true")]),
        ("due this week", [("week", "true")]),
        ("mine (assigned to me)", [("mine", "true")]),
        ("search surname prefix, all", [("q", "коваленк"), ("status", "all")]),
        ("search two words, all", [("q", "шевченко соборна"), ("status", "all")]),
        ("search a word of the text, open", [("q", "підвал")]),
        ("search a number", [("q", "MK-2026-054321"), ("status", "all")]),
        ("search a serial", [("q", "54321"), ("status", "all")]),
        (
            "search + district + newest, all",
            [("q", "бондар"), ("district", "zavodskyi"), ("status", "all"), ("sort", "registered")]
        ),
    ]

    static let exports: [(String, [(String, String)])] = [
        ("CSV export: all of one district, 5,000 rows", [("status", "all"), ("district", "inhulskyi")]),
        ("CSV export: search surname, all", [("q", "коваленк"), ("status", "all")]),
    ]

    func timed(runs: Int, _ body: () async throws -> Void) async throws -> [Double] {
        for _ in 0..<5 { try await body() }
        var times: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try await body()
            let elapsed = ContinuousClock.now - start
            times.append(elapsed.seconds * 1000)
        }
        return times.sorted()
    }

    static func line(_ name: String, rows: Int, total: Int, _ sorted: [Double]) -> String {
        func p(_ q: Double) -> String { String(format: "%.1f", NearestRank.percentile(ofSorted: sorted, q) ?? 0) }
        return
            "| \(name) | \(rows) | \(total) | \(p(0.50)) | \(p(0.95)) | \(p(0.99)) | "
            + "\(String(format: "%.1f", sorted.last ?? 0)) |"
    }

    /// A year of work: registered over 365 days; about 12 % still open (some overdue), the rest
    /// answered or closed; names, streets and texts varied so the search has real work to do.
    func seed(_ db: PostgresClient) async throws {
        let total = tickets + others
        func array(_ values: [String]) -> String {
            "ARRAY[" + values.map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: ",") + "]"
        }
        let surnames = array([
            "Коваленко", "Шевченко", "Бондаренко", "Ткаченко", "Кравченко",
            "Олійник", "Шевчук", "Поліщук", "Бондар", "Мельник", "Лисенко",
            "Марченко", "Руденко", "Савченко", "Петренко", "Клименко",
            "Мороз", "Павленко", "Левченко", "Гнатюк", "Кузьменко",
            "Пономаренко", "Сидоренко", "Захарченко", "Тимошенко",
            "Гончаренко", "Литвиненко", "Костенко", "Дмитренко",
            "Гордієнко", "Вʼюн", "Приходько", "Яковенко", "Білик", "Собко",
            "Онищенко", "Панченко", "Зінченко", "Іваненко", "Остапенко",
        ])
        let names = array([
            "Олена", "Іван", "Марія", "Петро", "Оксана", "Андрій", "Наталія",
            "Сергій", "Тетяна", "Василь", "Ірина", "Микола", "Людмила",
            "Олександр", "Галина", "Юрій", "Світлана", "Дмитро", "Анна",
            "Богдан",
        ])
        let streets = array([
            "вул. Соборна", "просп. Центральний", "вул. Морехідна",
            "вул. Адміральська", "просп. Героїв України",
            "вул. Велика Морська", "вул. Нікольська", "вул. Інженерна",
            "вул. Космонавтів", "вул. Садова", "вул. Пушкінська",
            "вул. Чкалова", "просп. Богоявленський", "вул. 6-а Слобідська",
            "вул. Лягіна", "вул. Потьомкінська", "вул. Спортивна",
            "вул. Миру", "вул. Театральна", "вул. Погранична",
        ])
        let subjects = array([
            "Немає опалення", "Прорив водогону", "Не світить ліхтар",
            "Яма на дорозі", "Сміття не вивозять", "Холодні батареї",
            "Тече дах", "Немає гарячої води", "Затоплено підвал",
            "Зламано лавку",
        ])
        let bodies = array([
            "У квартирі холодно з понеділка, батареї ледь теплі.",
            "Біля будинку прорвало трубу, вода тече у підвал.",
            "Другий тиждень не світить ліхтар біля зупинки, темно.",
            "На дорозі глибока яма, машини обʼїжджають тротуаром.",
            "Сміття не вивозили десять днів, контейнери переповнені.",
            "Прошу перевірити тиск у системі опалення будинку.",
            "Після дощу тече дах на пʼятому поверсі.",
            "Гарячої води немає вже місяць, відповіді немає.",
            "Підвал затоплено, у будинку запах сирості.",
            "Прошу відремонтувати лавку та огорожу у дворі.",
        ])
        let zhkgCategories = array(Reference.categories.filter { $0.defaultAuthority == "zhkg" }.map(\.code))
        let otherAuthorities = array(["transport", "social-protection", "health", "education", "architecture"])
        let districts = array(Reference.districts.map(\.code))
        let start = "2025-12-01 08:00:00+02"
        let step = 365.0 * 86_400.0 / Double(total)
        // Every k-th ticket belongs to another body, so both spread over the whole year.
        let k = max(2, total / max(1, others))
        let officialId = Self.officialId.uuidString.lowercased()
        try await db.withConnection { c in
            try c.executeScript(
                """
                INSERT INTO authorities (code, name_uk, name_en) VALUES ('zhkg', 'ЖКГ', 'Housing')
                    ON CONFLICT (code) DO NOTHING;
                INSERT INTO officials (id, name, authority, role) VALUES ('\(officialId)', 'Bench', 'zhkg', 'official');
                INSERT INTO appeals (appeal_id, registration_number, kind, category, district, subject, body,
                    author_name, author_address, author_email, author_phone, preferred_language, benefit_category,
                    confidential, against, centre_id, repeat_of, location_address, channel, registered_at,
                    source_event_id)
                SELECT md5('appeal' || g)::uuid, 'MK-2026-' || lpad(g::text, 6, '0'),
                    (ARRAY['application','application','complaint','proposal'])[1 + g % 4],
                    CASE WHEN g % \(k) <> 0 THEN (\(zhkgCategories))[1 + g % cardinality(\(zhkgCategories))]
                         ELSE 'other' END,
                    (\(districts))[1 + (g / 7) % 4],
                    (\(subjects))[1 + g % 10] || ' (' || g || ')',
                    (\(bodies))[1 + (g / 3) % 10] || ' Звернення ' || g || '.',
                    (\(names))[1 + (g / 11) % 20] || ' ' || (\(surnames))[1 + (g * 7) % 40],
                    'м. Миколаїв, ' || (\(streets))[1 + (g / 5) % 20] || ', ' || (1 + g % 150),
                    'resident' || g || '@example.org', NULL, 'uk', NULL, false, NULL, 'central-library', NULL, NULL,
                    'centre', '\(start)'::timestamptz + (g * \(step)) * interval '1 second', md5('event' || g)::uuid
                FROM generate_series(1, \(total)) g;
                INSERT INTO tickets (id, appeal_id, registration_number, authority, status, priority, category, kind,
                    subject, against, registered_at, registered_on, deadline, extended, escalated, outcome,
                    answer_text, answered_at, closed_at, terms_start_on, head_personally, assignee)
                SELECT md5('ticket' || g)::uuid, a.appeal_id, a.registration_number,
                    CASE WHEN g % \(k) <> 0 THEN 'zhkg' ELSE (\(otherAuthorities))[1 + g % 5] END,
                    CASE WHEN a.registered_at > '2026-11-30'::timestamptz - interval '45 days' OR g % 97 = 0
                         THEN (ARRAY['assigned','accepted','accepted','reopened'])[1 + g % 4]
                         WHEN g % 3 = 0 THEN 'closed' ELSE 'answered' END,
                    g % 10 = 0, a.category, a.kind, a.subject, NULL, a.registered_at,
                    (a.registered_at AT TIME ZONE 'Europe/Kyiv')::date,
                    (a.registered_at AT TIME ZONE 'Europe/Kyiv')::date + CASE WHEN g % 2 = 0 THEN 15 ELSE 30 END,
                    g % 13 = 0, false, NULL, NULL, NULL, NULL,
                    (a.registered_at AT TIME ZONE 'Europe/Kyiv')::date, false,
                    CASE WHEN g % \(k) <> 0 AND g % 50 = 1 THEN '\(officialId)'::uuid END
                FROM generate_series(1, \(total)) g
                JOIN appeals a ON a.appeal_id = md5('appeal' || g)::uuid;
                UPDATE tickets
                    SET outcome = 'explained', answer_text = 'Відповідь надано.',
                        answered_at = registered_at + interval '10 days'
                    WHERE status IN ('answered', 'closed');
                """)
            // VACUUM runs outside a transaction block: one statement per call.
            try c.executeScript("VACUUM ANALYZE appeals")
            try c.executeScript("VACUUM ANALYZE tickets")
        }
    }

    /// The local superuser URL from deploy/local's generated secret (never printed).
    static func localAdminURL() throws -> String {
        let path = ".hromada/secrets/postgres/postgres"
        guard let secret = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("no --pg-admin-url and no \(path): run from the checkout after infra.sh start")
        }
        let password = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        return "postgresql://postgres:\(password)@127.0.0.1:5432/postgres"
    }
}
