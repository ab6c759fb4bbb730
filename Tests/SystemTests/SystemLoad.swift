import Foundation
import HromadaPostgres
import HromadaTestSupport
import XCTest

/// A steady stream of appeals over HTTP: `rate` new appeals per second, each with its own
/// Idempotency-Key, retried (same key) on connection errors, 5xx and 429 until a 201 comes back
/// or `giveUpAfter` passes. An appeal counts as accepted when a 201 came back.
final class AppealStream: @unchecked Sendable {
    struct Stats: Sendable {
        var started = 0
        var accepted: [String: String] = [:]  // idempotency key → registration number
        var replays = 0
        var retries = 0
        var gaveUp = 0
        var refused: [String] = []  // 4xx other than 429: a bug, reported
    }

    private let lock = NSLock()
    private var stats = Stats()
    private var stopRequested = false
    private var task: Task<Void, Never>?
    let intakeURLs: [String]
    let centreKey: String
    let rate: Double
    let giveUpAfter: Duration

    init(intakeURLs: [String], centreKey: String, rate: Double = 20, giveUpAfter: Duration = .seconds(90)) {
        self.intakeURLs = intakeURLs
        self.centreKey = centreKey
        self.rate = rate
        self.giveUpAfter = giveUpAfter
    }

    var snapshot: Stats { lock.withLock { stats } }

    /// Starts sending; `limit` caps the number of appeals (nil: until `stop()`).
    func start(limit: Int? = nil) {
        let interval = Duration.milliseconds(Int64(1000 / rate))
        task = Task {
            await withTaskGroup(of: Void.self) { group in
                var index = 0
                let began = ContinuousClock.now
                while !self.lock.withLock({ self.stopRequested }), limit.map({ index < $0 }) ?? true {
                    let i = index
                    index += 1
                    self.lock.withLock { self.stats.started += 1 }
                    group.addTask { await self.send(i) }
                    // Keep the rate steady whatever the sending costs.
                    let next = began + interval * index
                    if next > ContinuousClock.now { try? await Task.sleep(until: next) }
                }
                await group.waitForAll()
            }
        }
    }

    /// Stops starting new appeals and waits until every started one is accepted or given up.
    func stop() async {
        lock.withLock { stopRequested = true }
        await task?.value
    }

    /// Waits until the stream has sent `limit` appeals and finished them.
    func finish() async { await task?.value }

    static let surnames = [
        "Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравченко",
        "Олійник", "Шевчук", "Поліщук", "Бойко", "Мельник",
    ]
    static let names = [
        "Тарас", "Марія", "Олена", "Іван", "Петро",
        "Оксана", "Андрій", "Наталія", "Василь", "Ірина",
    ]

    private func send(_ i: Int) async {
        let key = UUID().uuidString
        let url = intakeURLs[i % intakeURLs.count] + "/v1/appeals"
        let body: [String: Any] = [
            "kind": "application", "category": "heating",
            "author": [
                "fullName": "\(Self.surnames[i % 10]) \(Self.names[(i / 10) % 10]) Мешканець",
                "address": "вул. Садова, \(i + 1), кв. \(i % 90 + 1)",
                "email": "r\(i)@example.org", "preferredLanguage": i % 3 == 0 ? "en" : "uk",
            ],
            "subject": "Немає опалення",
            "text": "У квартирі немає опалення, прошу допомогти. "
                + "Звернення номер \(i).",
            "consent": true,
        ]
        let headers = ["Authorization": "Bearer \(centreKey)", "Idempotency-Key": key]
        let deadline = ContinuousClock.now + giveUpAfter
        var attempt = 0
        while ContinuousClock.now < deadline {
            attempt += 1
            if attempt > 1 { lock.withLock { stats.retries += 1 } }
            do {
                let r = try await SystemHTTP.shared.json("POST", url, body, headers: headers, timeout: 10)
                if r.status == 201, let number = (try? r.object())?["registrationNumber"] as? String {
                    lock.withLock {
                        stats.accepted[key] = number
                        if r.header("Idempotent-Replayed") == "true" { stats.replays += 1 }
                    }
                    return
                }
                if r.status != 429 && r.status < 500 {
                    lock.withLock { stats.refused.append("\(r.status) \(r.text.prefix(200))") }
                    return
                }
            } catch {
                // Connection refused or reset while the service is down: retry with the same key.
            }
            try? await Task.sleep(for: .milliseconds(attempt < 5 ? 200 : 700))
        }
        lock.withLock { stats.gaveUp += 1 }
    }
}

/// The exactly-once checks (README, "Reliability") over the databases (as the superuser), shared by the
/// fault test and the two-replica test.
enum ExactlyOnce {
    struct Counts: CustomStringConvertible {
        var accepted = 0
        var acceptedMissing = 0  // accepted numbers not registered in intake
        var registered = 0  // intake.appeals
        var tickets = 0
        var appealsWithoutTicket = 0
        var ticketDuplicates = 0
        var deliveries = 0
        var deliveryDuplicates = 0  // by (source event, recipient)
        var residentRegistrationNotices = 0
        var officialAssignmentNotices = 0
        var deliveriesNotSent = 0
        var sinkMessages = 0
        var auditEntries = 0
        var auditDuplicates = 0  // by event id
        var auditRegistered = 0
        var auditAssigned = 0
        var auditNotificationSent = 0
        var chainOK = false
        var chainEntries = 0

        var lost: Int {
            acceptedMissing + appealsWithoutTicket + max(0, registered - residentRegistrationNotices)
                + max(0, registered - auditRegistered)
        }
        var duplicated: Int {
            ticketDuplicates + deliveryDuplicates + auditDuplicates + max(0, auditRegistered - registered)
                + max(0, tickets - registered)
        }

        var description: String {
            """
            ================ Hromada exactly-once counts ================
            accepted appeals (201)            \(accepted)
            registered in intake              \(registered)   (accepted but missing: \(acceptedMissing))
            tickets (routing)                 \(tickets)   (appeals without ticket: \(appealsWithoutTicket), \
            duplicate tickets: \(ticketDuplicates))
            notifications (rows)              \(deliveries)   (duplicates by event+recipient: \(deliveryDuplicates), \
            not sent: \(deliveriesNotSent))
              resident registration notices   \(residentRegistrationNotices)
              official assignment notices     \(officialAssignmentNotices)
              emails received by the sink     \(sinkMessages)
            audit entries                     \(auditEntries)   (duplicates by event id: \(auditDuplicates))
              appeal.registered               \(auditRegistered)
              ticket.assigned                 \(auditAssigned)
              notification.sent               \(auditNotificationSent)
            audit chain verifies              \(chainOK) (\(chainEntries) entries)
            duplicates = \(duplicated)
            lost       = \(lost)
            =============================================================
            """
        }
    }

    /// Waits until the system is quiet: outboxes and queues empty, no pending email, every
    /// registered appeal ticketed and audited, and the counts unchanged over two polls.
    static func awaitDrained(_ system: SystemHarness, timeout: Duration = .seconds(150)) async -> Bool {
        var previous = ""
        var stableSince: ContinuousClock.Instant?
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let outbox = try? await system.outboxBacklog(), outbox == 0,
                let queues = try? await system.queueBacklog(), queues == 0,
                let state = try? await system.adminQuery(
                    """
                    SELECT (SELECT count(*) FROM intake.appeals), (SELECT count(*) FROM routing.tickets),
                           (SELECT count(*) FROM notification.deliveries WHERE status = 'pending'),
                           (SELECT count(*) FROM notification.deliveries), (SELECT count(*) FROM audit.log),
                           (SELECT count(*) FROM audit.log WHERE event_type = 'appeal.registered')
                    """
                ).first,
                let registered = try? state.decode(0, as: Int64.self),
                let tickets = try? state.decode(1, as: Int64.self),
                let pending = try? state.decode(2, as: Int64.self), let audited = try? state.decode(5, as: Int64.self),
                registered == tickets, pending == 0, audited == registered
            {
                let fingerprint = (0..<6).map { state.text($0) ?? "-" }.joined(separator: ",")
                if fingerprint == previous, let since = stableSince, ContinuousClock.now - since >= .seconds(3) {
                    return true
                }
                if fingerprint != previous {
                    previous = fingerprint
                    stableSince = .now
                }
            } else {
                previous = ""
                stableSince = nil
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
        return false
    }

    static func count(_ system: SystemHarness, accepted: [String]) async throws -> Counts {
        var c = Counts()
        c.accepted = accepted.count
        func n(_ sql: String) async throws -> Int { try await system.scalar(sql) }
        c.acceptedMissing =
            accepted.count
            - Int(
                try await system.adminQuery(
                    "SELECT count(*) FROM intake.appeals WHERE registration_number = ANY(\(accepted))"
                ).first?.decode(0, as: Int64.self) ?? 0)
        c.registered = try await n("SELECT count(*) FROM intake.appeals")
        c.tickets = try await n("SELECT count(*) FROM routing.tickets")
        c.appealsWithoutTicket = try await n(
            """
            SELECT count(*) FROM intake.appeals a
            WHERE NOT EXISTS (SELECT 1 FROM routing.tickets t WHERE t.appeal_id = a.id)
            """)
        c.ticketDuplicates = try await n("SELECT count(*) - count(DISTINCT appeal_id) FROM routing.tickets")
        c.deliveries = try await n("SELECT count(*) FROM notification.deliveries")
        c.deliveryDuplicates = try await n(
            "SELECT count(*) - count(DISTINCT (source_event_id, recipient_key)) FROM notification.deliveries")
        c.residentRegistrationNotices = try await n(
            """
            SELECT count(*) FROM notification.deliveries
            WHERE source_event_type = 'appeal.registered' AND recipient_kind = 'resident'
            """)
        c.officialAssignmentNotices = try await n(
            """
            SELECT count(*) FROM notification.deliveries
            WHERE source_event_type = 'ticket.assigned' AND recipient_kind = 'official'
            """)
        c.deliveriesNotSent = try await n("SELECT count(*) FROM notification.deliveries WHERE status <> 'sent'")
        c.sinkMessages = (try? await system.mails().count) ?? -1
        c.auditEntries = try await n("SELECT count(*) FROM audit.log")
        c.auditDuplicates = try await n("SELECT count(*) - count(DISTINCT event_id) FROM audit.log")
        c.auditRegistered = try await n("SELECT count(*) FROM audit.log WHERE event_type = 'appeal.registered'")
        c.auditAssigned = try await n("SELECT count(*) FROM audit.log WHERE event_type = 'ticket.assigned'")
        c.auditNotificationSent = try await n("SELECT count(*) FROM audit.log WHERE event_type = 'notification.sent'")
        let verify = try await SystemHTTP.shared.request(
            "GET", system.baseURL(.audit) + "/v1/verify", headers: system.adminHeaders, timeout: 60)
        if verify.status == 200, let body = try? verify.object() {
            c.chainOK = body["ok"] as? Bool ?? false
            c.chainEntries = (body["entries"] as? NSNumber)?.intValue ?? 0
        }
        return c
    }

    /// The assertions: zero lost, zero duplicated, every event audited once, the chain verifies.
    static func assertExactlyOnce(
        _ c: Counts, officialsPerTicket: Int, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertGreaterThan(c.accepted, 0, "no appeal was accepted", file: file, line: line)
        XCTAssertEqual(c.acceptedMissing, 0, "accepted appeals missing from intake", file: file, line: line)
        XCTAssertGreaterThanOrEqual(c.registered, c.accepted, file: file, line: line)
        XCTAssertEqual(c.tickets, c.registered, "tickets ≠ registered appeals", file: file, line: line)
        XCTAssertEqual(c.appealsWithoutTicket, 0, file: file, line: line)
        XCTAssertEqual(c.ticketDuplicates, 0, file: file, line: line)
        XCTAssertEqual(c.deliveryDuplicates, 0, file: file, line: line)
        XCTAssertEqual(
            c.residentRegistrationNotices, c.registered, "one registration notice per appeal", file: file, line: line)
        XCTAssertEqual(
            c.officialAssignmentNotices, c.tickets * officialsPerTicket,
            "one assignment notice per ticket and official", file: file, line: line)
        XCTAssertEqual(c.deliveriesNotSent, 0, "emails not sent", file: file, line: line)
        XCTAssertGreaterThanOrEqual(
            c.sinkMessages, c.deliveries, "the sink received fewer emails than were marked sent", file: file, line: line
        )
        XCTAssertEqual(c.auditDuplicates, 0, file: file, line: line)
        XCTAssertEqual(c.auditRegistered, c.registered, "one audit entry per appeal.registered", file: file, line: line)
        XCTAssertEqual(c.auditAssigned, c.tickets, "one audit entry per ticket.assigned", file: file, line: line)
        XCTAssertEqual(
            c.auditNotificationSent, c.deliveries, "one audit entry per notification.sent", file: file, line: line)
        XCTAssertTrue(c.chainOK, "the audit chain does not verify", file: file, line: line)
        XCTAssertEqual(c.chainEntries, c.auditEntries, file: file, line: line)
        XCTAssertEqual(c.lost, 0, "lost", file: file, line: line)
        XCTAssertEqual(c.duplicated, 0, "duplicated", file: file, line: line)
    }
}

/// Runs a deploy/local/infra.sh command (`IntegrationEnvironment.infra`, which blocks for
/// seconds) on a thread of its own, so the cooperative pool keeps serving the appeal stream.
func infraInBackground(_ arguments: String...) async throws {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        let thread = Thread {
            do {
                switch arguments.count {
                case 1: try IntegrationEnvironment.infra(arguments[0])
                default: try IntegrationEnvironment.infra(arguments[0], arguments[1])
                }
                continuation.resume()
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.start()
    }
}
