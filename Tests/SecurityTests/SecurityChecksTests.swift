import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaCore
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

/// Injection stored as inert data, tokens stored hashed, no personal data in logs above debug,
/// rate limiting on public endpoints, garbage on the broker dead-lettered without stopping the
/// queues, and database roles confined to their own schema.
final class SecurityChecksTests: XCTestCase {
    static let injection = "<script>alert(1)</script>'; DROP TABLE appeals; --"
    static let escapedScript = "&lt;script&gt;alert(1)&lt;/script&gt;"

    // Distinctive personal data: must never show up in logs at info and above.
    static let piiName = "Зюзякевич Пантелеймон Ксаверійович"
    static let piiEmail = "zyuzyakevych.pii.probe@example.org"
    static let piiPhone = "+380509876543"
    static let piiAddress = "вул. Неіснуюча, 4242-Щ, кв. 97"
    static let piiText =
        "Унікальний-текст-звернення-QX7 про відсутність "
        + "опалення в будинку вже тиждень."

    func testInjectionIsInertHTMLEscapedTokensHashedAndNoPersonalDataLogged() async throws {
        let logs = CapturedLogs()
        let system = try await SecuritySystem.start(self, logger: logs.logger(label: "security-capture", level: .info))
        let intake = system.harness("intake")
        let routing = system.harness("routing")

        // Register an appeal whose subject is an injection and whose author is distinctive.
        let created = try await intake.request(
            "POST", "/v1/appeals",
            json: SecuritySystem.appeal(
                subject: Self.injection, name: Self.piiName, email: Self.piiEmail, phone: Self.piiPhone,
                address: Self.piiAddress, text: Self.piiText),
            headers: ["Authorization": "Bearer \(SecuritySystem.centreKey)"])
        XCTAssertEqual(created.status, 201, created.text)
        let receipt = try XCTUnwrap(try created.json() as? [String: Any])
        let number = try XCTUnwrap(receipt["registrationNumber"] as? String)
        let trackingToken = try XCTUnwrap(receipt["trackingToken"] as? String)

        // Stored as it was typed, and the table is still there.
        let intakeAdmin = system.databases["intake"]!.adminClient()
        let stored = try await intakeAdmin.query(
            "SELECT subject FROM intake.appeals WHERE registration_number = \(number)")
        XCTAssertEqual(stored.count, 1)
        XCTAssertEqual(stored.first?.text(0), Self.injection)

        // The resident's tracking page.
        // Issue 14: the old link proves the code and redirects to a clean address (the proof cookie).
        let track = try await TrackingPageClient.get(
            "http://127.0.0.1:\(intake.port)/track?number=\(number)&token=\(trackingToken)")
        XCTAssertEqual(track.status, 200)
        XCTAssertTrue(track.text.contains("id=\"status\""), "the result is shown")
        XCTAssertFalse(track.text.contains("<script>alert"), "raw script on the tracking page")

        // The ticket reaches routing; the official's inbox and ticket page show it escaped.
        let routingAdmin = system.databases["routing"]!.adminClient()
        var ticketID: String?
        let routed = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
            ticketID = try await routingAdmin.query(
                "SELECT id::text FROM routing.tickets WHERE registration_number = \(number)"
            ).first?.text(0)
            return ticketID != nil
        }
        XCTAssertTrue(routed, "no ticket for the appeal")
        let login = try await RawHTTP.send(
            port: routing.port, method: "POST", path: "/login",
            headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array("token=\(SecuritySystem.adminToken)".utf8))
        XCTAssertEqual(login?.status, 303)
        let cookie = try XCTUnwrap(login?.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
        for path in ["/", "/tickets/\(ticketID ?? "")"] {
            let fetched = await RawHTTP.send(
                port: routing.port, method: "GET", path: path, headers: [("Cookie", cookie)])
            let page = try XCTUnwrap(fetched)
            XCTAssertEqual(page.status, 200, "routing \(path)")
            XCTAssertFalse(page.text.contains("<script>alert"), "raw script on routing \(path)")
            XCTAssertTrue(page.text.contains(Self.escapedScript), "routing \(path) does not show the subject escaped")
        }
        let json = try await routing.request(
            "GET", "/v1/tickets/\(ticketID ?? "")", headers: ["Authorization": "Bearer \(SecuritySystem.adminToken)"])
        XCTAssertEqual(json.status, 200)
        XCTAssertTrue(
            json.text.contains("DROP TABLE appeals"),
            "the JSON API carries the subject as data: \(json.text.prefix(300))")

        // Let notification and audit handle the events too (their logs count as well).
        let audited = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
            try await system.databases["audit"]!.adminClient().query("SELECT count(*) FROM audit.inbox").first?.decode(
                0, as: Int.self) ?? 0 >= 2
        }
        XCTAssertTrue(audited, "audit did not record the events")
        _ = await eventually(timeout: .seconds(10), every: .milliseconds(200)) {
            ((try? await system.databases["notification"]!.adminClient().count(
                "SELECT count(*) FROM notification.inbox")) ?? 0) >= 2
        }

        // Tokens: only hashes at rest, in every table of every service (outboxes and audit included).
        var everything = ""
        for (service, db) in system.databases {
            let rows = try await db.adminClient().query(
                """
                SELECT table_name,
                       query_to_xml(format('SELECT * FROM %I.%I', table_schema, table_name), true, false, '')::text
                FROM information_schema.tables WHERE table_schema = \(service) AND table_type = 'BASE TABLE'
                """)
            for row in rows { everything += "\n[\(service).\(row.text(0) ?? "")]\n" + (row.text(1) ?? "") }
        }
        XCTAssertFalse(everything.contains(SecuritySystem.centreKey), "a centre key is stored in plaintext")
        XCTAssertFalse(everything.contains(SecuritySystem.adminToken), "the admin token is stored in plaintext")
        XCTAssertFalse(everything.contains(system.officialToken), "an official's token is stored in plaintext")
        XCTAssertTrue(
            everything.contains(TokenHash.hash(token: SecuritySystem.centreKey)),
            "the centre key's hash is not where it should be")
        XCTAssertTrue(
            everything.contains(TokenHash.hash(token: system.officialToken)),
            "the official token's hash is not where it should be")

        // Logs at info and above: no personal data.
        let lines = logs.lines
        print("captured \(lines.count) log lines at info and above")
        XCTAssertGreaterThan(lines.count, 0, "the capture saw nothing: the check would prove nothing")
        for needle in [
            Self.piiName, "Зюзякевич", Self.piiEmail, Self.piiPhone, Self.piiAddress, "4242-Щ", "QX7",
            SecuritySystem.centreKey, system.officialToken, trackingToken,
        ] {
            let hits = lines.filter { $0.contains(needle) }
            XCTAssertTrue(hits.isEmpty, "personal data or a secret in the logs: \(hits.prefix(3))")
        }
    }

    func testPublicEndpointsAreRateLimited() async throws {
        let system = try await SecuritySystem.start(self, services: ["intake"])
        let port = system.harness("intake").port
        for path in ["/v1/categories", "/open311/v2/services.json"] {
            // In parallel (`burst`): one request after another may come no faster than the refill.
            let outcome = try await burst(
                send: { _ in
                    await RawHTTP.send(
                        port: port, method: "GET", path: path, headers: [("X-Forwarded-For", "203.0.113.7")])
                }, until: { $0?.status == 429 })
            let limited = outcome.stopping ?? nil
            let response = try XCTUnwrap(limited, "\(path): \(outcome.sent) requests in bursts were never limited")
            let passed = outcome.answers.filter { $0?.status == 200 }.count
            print("\(path): \(passed) of \(outcome.sent) passed; Retry-After \(response.headers["retry-after"] ?? "-")")
            XCTAssertGreaterThanOrEqual(passed, 50)
            XCTAssertNotNil(response.headers["retry-after"].flatMap(Int.init), "429 without a numeric Retry-After")
            if path.hasPrefix("/v1") { XCTAssertTrue(HTTPFuzzTests.hasErrorShape(response.body), response.text) }
            // Another client is not affected.
            let other = await RawHTTP.send(
                port: port, method: "GET", path: path, headers: [("X-Forwarded-For", "198.51.100.9")])
            XCTAssertEqual(other?.status, 200)
        }
    }

    /// Garbage and unknown event types on every service's queue: garbage goes to `<queue>.dead`
    /// with its reason, unknown types are skipped, and a valid event published after them is
    /// processed (recorded in the service's inbox).
    func testBrokerGarbageIsDeadLetteredAndNeverStopsTheQueue() async throws {
        let system = try await SecuritySystem.start(self)
        var generator = SplitMix64(seed: 0xB0B)
        var counts: [String] = []
        for service in SecuritySystem.services {
            let queue = "hromada.\(service)"
            let garbage: [[UInt8]] = [
                Array("not json at all".utf8), Array("{}".utf8), Array(#"{"id":"x","type":5}"#.utf8),
                [0xFF, 0xFE, 0x00, 0xC0],
                Array(
                    (#"{"id":"6f1c1a52-0000-4000-8000-000000000000","type":"appeal.registered","version":1,"#
                        + #""occurredAt":"yesterday","correlationId":"x","producer":"p","payload":{}}"#).utf8),
                generator.bytes(300),
            ]
            let marker = UUID().uuidString
            for (i, body) in garbage.enumerated() {
                try await system.client.publish([
                    AMQPOutgoingMessage(
                        exchange: "", routingKey: queue, body: body,
                        properties: AMQPProperties(
                            contentType: "application/json", deliveryMode: 2, messageID: "\(marker)-\(i)",
                            type: "garbage"))
                ])
            }
            let unknown = try (0..<2).map { _ in
                Envelope(
                    id: UUID(), type: "hromada.unknown-event", version: 7, correlationId: UUID(), causationId: nil,
                    producer: Producers.intake,
                    payload: .object(["x": .string(Self.injection)]))
            }
            _ = unknown
            let valid = try Envelope(
                event: AppealReturned(
                    appealId: UUID(), registrationNumber: "MK-2026-999999", reason: "test", returnedAt: Date()),
                correlationId: UUID(), causationId: nil, producer: Producers.intake)
            for envelope in unknown + [valid] {
                try await system.client.publish([
                    AMQPOutgoingMessage(
                        exchange: "", routingKey: queue, body: try envelope.encoded(),
                        properties: AMQPProperties(
                            contentType: "application/json", deliveryMode: 2, messageID: envelope.id.uuidString,
                            type: envelope.type))
                ])
            }
            let own = system.databases[service]!.client(poolSize: 1)  // the service's role, search_path = its schema
            let validID = valid.id
            let unknownIDs = unknown.map(\.id)
            let processed = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
                try await own.query("SELECT 1 FROM inbox WHERE message_id = \(validID)").count == 1
            }
            XCTAssertTrue(processed, "\(queue): the valid event after the garbage was not processed")
            _ = unknownIDs
            // Dead letters: every garbage body, each with a reason.
            var dead: [AMQPDelivery] = []
            _ = try await eventually(timeout: .seconds(10), every: .milliseconds(200)) {
                dead += try await system.client.drain("\(queue).dead").filter {
                    $0.properties.messageID?.hasPrefix(marker) == true
                }
                return dead.count >= garbage.count
            }
            XCTAssertEqual(dead.count, garbage.count, "\(queue): garbage missing from \(queue).dead")
            for d in dead {
                let reason = d.properties.headers[Topology.Header.lastError]?.stringValue ?? ""
                XCTAssertFalse(reason.isEmpty, "\(queue).dead message without a reason")
            }
            XCTAssertTrue(dead.allSatisfy { d in garbage.contains(d.body) }, "dead-lettered bodies were altered")
            let unknownDead = try await system.client.queueState("\(queue).dead").messages
            XCTAssertEqual(unknownDead, 0, "\(queue): an unknown event type was dead-lettered instead of skipped")
            let example = dead.first?.properties.headers[Topology.Header.lastError]?.stringValue?.prefix(60) ?? ""
            counts.append(
                "\(queue): \(dead.count) garbage dead-lettered (reason e.g. \"\(example)\"), 2 unknown skipped,"
                    + " valid processed")
        }
        print(counts.joined(separator: "\n"))
    }

    /// Each service role, in a database bootstrapped by deploy/local's own SQL, can use only its
    /// own schema: SELECT, INSERT and CREATE elsewhere (and in public) are refused.
    func testEachRoleTouchesOnlyItsOwnSchema() async throws {
        try IntegrationEnvironment.requireServers()
        let name = "t_roles_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        try IntegrationEnvironment.infra("bootstrap-database", name)
        let url = URLComponents(string: IntegrationEnvironment.postgresAdminURL)
        let host = url?.host ?? "127.0.0.1"
        let port = url?.port ?? 5432
        /// `role` on `database` with its generated password (the role's name where none was generated).
        func conninfo(_ database: String, _ role: String) -> String {
            let password = IntegrationEnvironment.secret("postgres", role) ?? role
            return "host=\(host) port=\(port) dbname=\(database) user=\(role) password=\(password)"
        }
        let quiet: Logger = {
            var logger = Logger(label: "roles-test")
            logger.logLevel = .critical
            return logger
        }()
        let admin = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: conninfo(name, "postgres"), poolSize: 1), logger: quiet)
        addTeardownBlock {
            await admin.close()
            let root = PostgresClient(
                configuration: PostgresConfiguration(
                    connectionString: IntegrationEnvironment.postgresAdminURL, poolSize: 1), logger: quiet)
            try? await root.withConnection { c in try c.executeScript("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
            await root.close()
        }
        let services = SecuritySystem.services
        try await admin.withConnection { c in
            for s in services {
                try c.executeScript(
                    """
                    CREATE TABLE \(s).probe (x int); ALTER TABLE \(s).probe OWNER TO hromada_\(s);
                    INSERT INTO \(s).probe VALUES (1)
                    """)
            }
        }
        var refused = 0
        for role in services {
            let client = PostgresClient(
                configuration: PostgresConfiguration(
                    connectionString: conninfo(name, "hromada_\(role)"), poolSize: 1), logger: quiet)
            let outcome = try await client.withConnection { c -> [String] in
                var problems: [String] = []
                // Its own schema works.
                do {
                    try c.executeScript(
                        """
                        CREATE TABLE \(role).mine (x int); INSERT INTO \(role).mine VALUES (1);
                        SELECT * FROM \(role).probe
                        """)
                } catch { problems.append("\(role) cannot use its own schema: \(error)") }
                for other in services where other != role {
                    for sql in [
                        "SELECT * FROM \(other).probe", "INSERT INTO \(other).probe VALUES (2)",
                        "CREATE TABLE \(other).intruder (x int)",
                        "UPDATE \(other).probe SET x = 3", "DELETE FROM \(other).probe", "DROP TABLE \(other).probe",
                    ] {
                        do {
                            try c.executeScript(sql)
                            problems.append("hromada_\(role) may: \(sql)")
                        } catch let error as PostgresError {
                            if error.sqlState != "42501" {
                                problems.append(
                                    "hromada_\(role): \(sql) failed with \(error.sqlState ?? "?") instead of 42501")
                            }
                        }
                    }
                }
                for sql in ["CREATE TABLE public.intruder (x int)", "CREATE TEMPORARY TABLE intruder (x int)"] {
                    do {
                        try c.executeScript(sql)
                        problems.append("hromada_\(role) may: \(sql)")
                    } catch {}
                }
                return problems
            }
            await client.close()
            XCTAssertEqual(outcome, [], "role \(role)")
            refused += (services.count - 1) * 6 + 2 - outcome.count
        }
        // The same in the shared `hromada` database, by privilege (no object is touched there).
        let shared = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: conninfo("hromada", "postgres"), poolSize: 1), logger: quiet)
        let leaks = try await shared.query(
            """
            SELECT r.s || ' -> ' || n.s FROM unnest(ARRAY['intake','routing','notification','audit']) AS r(s)
            CROSS JOIN unnest(ARRAY['intake','routing','notification','audit']) AS n(s)
            WHERE r.s <> n.s AND EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = n.s)
              AND (has_schema_privilege('hromada_' || r.s, n.s, 'USAGE')
                   OR has_schema_privilege('hromada_' || r.s, n.s, 'CREATE'))
            """)
        await shared.close()
        XCTAssertEqual(leaks.map { $0.text(0) ?? "" }, [], "roles with access to another schema in `hromada`")
        print("schema isolation: \(refused) cross-schema operations refused with 42501 (4 roles)")
    }
}
