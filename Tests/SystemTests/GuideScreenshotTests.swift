import Foundation
import HromadaTestSupport
import XCTest

/// The guides' pictures (docs/guide/), made from the running system, never by hand, so that a
/// refresh shows the pages as they are: the four services as real processes, a centre with a
/// librarian, the heads of ЖКГ and the mayor's reception, a demo month (`hromadactl demo month`, a
/// smaller one), one appeal followed by its resident, `hromadactl console`; then headless chromium
/// photographs the librarian's, the official's and the operator's pages (docs/guide/shoot.py) into
/// .hromada/docs/guide/img/, or with `HROMADA_WRITE_FIXTURES=1` into docs/guide/img/ to be committed.
final class GuideScreenshotTests: XCTestCase {
    func testGuideScreenshotsFromTheRunningSystem() async throws {
        try IntegrationEnvironment.requireServers()
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard let chromium else {
            if IntegrationEnvironment.infrastructureRequired { XCTFail("chromium is not installed") }
            throw XCTSkip("chromium is not installed")
        }
        let system = try await SystemHarness.start(replicas: 1)
        addTeardownBlock { await system.cleanup() }
        let http = SystemHTTP.shared
        let root = IntegrationEnvironment.repositoryRoot

        // The centre, its librarian, the heads of ЖКГ and the reception.
        let library = try await system.seedLibrary(
            centre: "lib-central", name: "ЦОГ Центральної бібліотеки", passwordPrefix: "guide")
        let reception = try await system.seedReception()

        // One appeal the guides follow, by a fictional resident.
        let submitted = try await http.json(
            "POST", system.baseURL(.intake) + "/v1/appeals",
            [
                "kind": "application", "category": "heating", "district": "tsentralnyi",
                "author": [
                    "fullName": "Шевченко Марія Іванівна",
                    "address": "м. Миколаїв, вул. Садова, 12, кв. 3",
                    "preferredLanguage": "uk",
                ],
                "subject": "Немає опалення",
                "text": "У квартирі холодно вже тиждень, "
                    + "прошу перевірити тепломережу.",
                "consent": true, "assistedBy": "oksana",
            ], headers: ["Authorization": "Bearer \(library.key)"])
        XCTAssertEqual(submitted.status, 201, submitted.text)
        let receipt = try submitted.object()
        let number = try XCTUnwrap(receipt["registrationNumber"] as? String)
        let tracking = try XCTUnwrap(receipt["trackingToken"] as? String)

        // A demo month (smaller than the real ~630, to keep the test short) through hromadactl.
        let ctl = try await SystemHarness.executablesDirectory().appendingPathComponent("hromadactl").path
        let credentials = FileManager.default.temporaryDirectory.appendingPathComponent("guide-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: [
            "centreKey": library.key, "adminToken": system.adminToken, "operatorToken": "guide-operator",
        ]).write(to: credentials)
        defer { try? FileManager.default.removeItem(at: credentials) }
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HROMADA_") }
        env["HROMADA_INTAKE_URL"] = system.baseURL(.intake)
        env["HROMADA_ROUTING_URL"] = system.baseURL(.routing)
        env["HROMADA_NOTIFICATION_URL"] = system.baseURL(.notification)
        env["HROMADA_AUDIT_URL"] = system.baseURL(.audit)
        env["HROMADA_ADMIN_TOKEN"] = system.adminToken
        env["HROMADA_AMQP_URL"] = system.broker.url
        env["HROMADA_RABBITMQ_API"] = IntegrationEnvironment.rabbitMQAPI
        let demo = try IntegrationEnvironment.run(
            "/bin/sh", ["-c", "'\(ctl)' demo month --appeals 60 --credentials '\(credentials.path)' 2>&1"],
            environment: env)
        XCTAssertEqual(demo.status, 0, demo.output)
        XCTAssertTrue(demo.output.contains("60 appeal(s) registered"), demo.output)

        // The ticket the official's pictures show.
        let tickets = try await http.request(
            "GET", system.baseURL(.routing) + "/v1/tickets?limit=5000",
            headers: ["Authorization": "Bearer \(library.head.token)"])
        let ticket = try XCTUnwrap(
            (try tickets.object()["tickets"] as? [[String: Any]])?.first {
                $0["registrationNumber"] as? String == number
            })
        let ticketId = try XCTUnwrap(ticket["id"] as? String)

        // hromadactl's reports on the same system: the table, audit's CSV, the quarterly file, open data.
        let day = ISO8601DateFormatter.kyivDay(Date())
        func ctlRun(_ arguments: String) throws -> (status: Int32, output: String) {
            try IntegrationEnvironment.run("/bin/sh", ["-c", "'\(ctl)' \(arguments) 2>&1"], environment: env)
        }
        try await Task.sleep(for: .seconds(3))  // audit takes in the last actions
        let table = try ctlRun("report appeals --from \(day) --to \(day) --by category")
        XCTAssertEqual(table.status, 0, table.output)
        XCTAssertTrue(table.output.contains("TOTAL") && table.output.contains("heating"), table.output)
        let csv = try ctlRun("report appeals --from \(day) --to \(day) --by district --csv")
        XCTAssertTrue(csv.output.hasPrefix("key,name_uk,name_en,received,"), csv.output)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("guide-ctl-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let quarterly = try ctlRun("report quarterly --output '\(folder.path)-q.html'")
        XCTAssertEqual(quarterly.status, 0, quarterly.output)
        let html = (try? String(contentsOfFile: folder.path + "-q.html", encoding: .utf8)) ?? ""
        XCTAssertTrue(
            html.contains(
                "Інформація про стан роботи зі зверненнями громадян"),
            String(html.prefix(300)))
        try? FileManager.default.removeItem(atPath: folder.path + "-q.html")
        let openData = try ctlRun("open-data export --day \(day) --output-dir '\(folder.path)'")
        XCTAssertEqual(openData.status, 0, openData.output)
        let exported = (try? String(contentsOfFile: folder.path + "/hromada-appeals-\(day).csv", encoding: .utf8)) ?? ""
        XCTAssertTrue(exported.hasPrefix("day,district,category,suppressed,"), exported)
        XCTAssertFalse(
            exported.contains("Шевченко") || exported.contains("Садова"), "no resident in the open data")

        // The console, as an operator runs it.
        var consoleEnv = env
        consoleEnv["HROMADA_OPERATOR_TOKEN"] = "guide-operator"
        let (consoleURL, console) = try await SystemHarness.startConsole(environment: consoleEnv)
        defer { console.terminate() }
        // Let audit take in the month and the console take a sample.
        try await Task.sleep(for: .seconds(6))

        let today = day
        let monthStart = String(today.prefix(8)) + "01"
        let from = min(monthStart, ISO8601DateFormatter.kyivDay(Date().addingTimeInterval(-10 * 86_400)))
        let quarter = ((Int(today.dropFirst(5).prefix(2)) ?? 1) - 1) / 3 + 1
        // Written afresh, so that the size check below sees this run's pictures and no older ones.
        let pictures = IntegrationEnvironment.picturesFolder(committed: "docs/guide/img")
        if !IntegrationEnvironment.writesFixtures { try? FileManager.default.removeItem(at: pictures) }
        let plan: [String: Any] = [
            "chromium": chromium, "out": pictures.path,
            "sites": [
                "intake": [
                    "base": system.baseURL(.intake), "login": "/form/login",
                    "fields": ["centre": library.centre, "login": "oksana", "password": library.librarianPassword],
                ],
                "resident": ["base": system.baseURL(.intake)],
                "notices": [
                    "base": system.baseURL(.notification), "login": "/centres/\(library.centre)/login",
                    "fields": ["key": library.key],
                ],
                "routing": [
                    "base": system.baseURL(.routing), "login": "/login", "fields": ["token": library.head.token],
                ],
                "reception": [
                    "base": system.baseURL(.routing), "login": "/login", "fields": ["token": reception.token],
                ],
                "console": ["base": consoleURL, "login": "/login", "fields": ["token": "guide-operator"]],
            ],
            "shots": [
                ["name": "librarian-form-uk", "site": "intake", "path": "/?lang=uk", "height": 2200],
                ["name": "librarian-form-en", "site": "intake", "path": "/?lang=en", "height": 2200],
                [
                    "name": "resident-status-uk", "site": "resident",
                    "path": "/track?number=\(number)&token=\(tracking)&lang=uk",
                ],
                [
                    "name": "resident-status-en", "site": "resident",
                    "path": "/track?number=\(number)&token=\(tracking)&lang=en",
                ],
                [
                    "name": "centre-notices-uk", "site": "notices",
                    "path": "/centres/\(library.centre)/notices?lang=uk",
                    "height": 1400,
                ],
                [
                    "name": "centre-notices-en", "site": "notices",
                    "path": "/centres/\(library.centre)/notices?lang=en",
                    "height": 1400,
                ],
                ["name": "official-inbox-uk", "site": "routing", "path": "/?lang=uk", "height": 1400],
                ["name": "official-inbox-en", "site": "routing", "path": "/?lang=en", "height": 1400],
                [
                    "name": "official-ticket-uk", "site": "routing", "path": "/tickets/\(ticketId)?lang=uk",
                    "height": 2000,
                ],
                [
                    "name": "official-ticket-en", "site": "routing", "path": "/tickets/\(ticketId)?lang=en",
                    "height": 2000,
                ],
                [
                    "name": "official-card-uk", "site": "routing", "path": "/tickets/\(ticketId)/card?lang=uk",
                    "height": 1400,
                ],
                ["name": "reception-inbox-uk", "site": "reception", "path": "/?lang=uk", "height": 1400],
                [
                    "name": "operator-dashboard-uk", "site": "console", "path": "/?lang=uk", "width": 1400,
                    "height": 2200,
                ],
                [
                    "name": "operator-dashboard-en", "site": "console", "path": "/?lang=en", "width": 1400,
                    "height": 2200,
                ],
                [
                    "name": "operator-reports-uk", "site": "console", "width": 1400, "height": 2600,
                    "path": "/reports?from=\(from)&to=\(today)&by=category&lang=uk",
                ],
                [
                    "name": "operator-reports-en", "site": "console", "width": 1400, "height": 2600,
                    "path": "/reports?from=\(from)&to=\(today)&by=authority&lang=en",
                ],
                [
                    "name": "operator-report-print-uk", "site": "console",
                    "path": "/reports/print?from=\(from)&to=\(today)&by=district&lang=uk", "height": 1600,
                ],
                [
                    "name": "operator-quarterly-uk", "site": "console",
                    "path": "/reports/quarterly?year=\(today.prefix(4))&quarter=\(quarter)", "height": 2400,
                ],
            ],
        ]
        let planFile = FileManager.default.temporaryDirectory.appendingPathComponent("guide-plan-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: plan).write(to: planFile)
        defer { try? FileManager.default.removeItem(at: planFile) }
        let shot = try IntegrationEnvironment.run(
            "/bin/sh",
            ["-c", "python3 \(root.appendingPathComponent("docs/guide/shoot.py").path) < \(planFile.path) 2>&1"],
            environment: ProcessInfo.processInfo.environment)
        XCTAssertEqual(shot.status, 0, shot.output)
        for name in (plan["shots"] as? [[String: Any]] ?? []).compactMap({ $0["name"] as? String }) {
            let file = pictures.appendingPathComponent("\(name).png")
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            XCTAssertGreaterThan(size, 10_000, "\(name).png was made from the running system")
        }
    }
}

extension ISO8601DateFormatter {
    /// `YYYY-MM-DD` of an instant in Kyiv.
    static func kyivDay(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Europe/Kyiv") ?? TimeZone(identifier: "Europe/Kiev")
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: date)
    }
}
