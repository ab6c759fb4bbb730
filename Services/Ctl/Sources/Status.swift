import Foundation
import HromadaAPI

/// One service's health as `/health/live` and `/health/ready` report it.
public struct ServiceHealth: Codable, Sendable, Equatable {
    public var name: String
    public var url: String
    /// Reachable and `/health/live` answered 200.
    public var live: Bool
    /// `/health/ready` answered 200.
    public var ready: Bool
    public var version: String?
    /// Readiness checks by name → "ok" | "failing".
    public var checks: [String: String]
    public var outboxRows: Int?
    public var outboxOldestSeconds: Double?
    /// Why it is not ready/live (no personal data; endpoint and status only).
    public var problem: String?

    public init(
        name: String, url: String, live: Bool, ready: Bool, version: String?, checks: [String: String],
        outboxRows: Int? = nil, outboxOldestSeconds: Double? = nil, problem: String?
    ) {
        self.name = name
        self.url = url
        self.live = live
        self.ready = ready
        self.version = version
        self.checks = checks
        self.outboxRows = outboxRows
        self.outboxOldestSeconds = outboxOldestSeconds
        self.problem = problem
    }
}

/// One authority's ticket counts (routing `GET /v1/authorities`).
public typealias AuthorityBacklog = RoutingJSON.Authority

/// Everything `hromadactl status` and the console show.
///
/// Health policy (exit codes of `hromadactl status`):
/// - **unhealthy** (exit 3): a service is unreachable or not ready, the management API cannot be
///   read, or a main consumer queue (`hromada.intake|routing|notification|audit`) exists with no
///   consumer;
/// - **warnings** (exit 0, or 4 with `--strict`): dead letters waiting in a `.dead` queue, a main
///   queue that is not declared yet, authority counts unavailable (no admin token), overdue tickets.
public struct StatusReport: Codable, Sendable, Equatable {
    public var generatedAt: Date
    public var vhost: String
    public var services: [ServiceHealth]
    public var queues: [QueueInfo]
    public var queuesError: String?
    public var authorities: [AuthorityBacklog]?
    public var authoritiesError: String?
    public var problems: [String]
    public var warnings: [String]

    public var healthy: Bool { problems.isEmpty }

    public init(
        generatedAt: Date, vhost: String, services: [ServiceHealth], queues: [QueueInfo], queuesError: String?,
        authorities: [AuthorityBacklog]?, authoritiesError: String?, problems: [String], warnings: [String]
    ) {
        self.generatedAt = generatedAt
        self.vhost = vhost
        self.services = services
        self.queues = queues
        self.queuesError = queuesError
        self.authorities = authorities
        self.authoritiesError = authoritiesError
        self.problems = problems
        self.warnings = warnings
    }

    public static let exitUnhealthy: Int32 = 3
    public static let exitWarnings: Int32 = 4

    /// 0 when healthy (and, with `strict`, without warnings); 3 when unhealthy; 4 for warnings under `strict`.
    public func exitCode(strict: Bool) -> Int32 {
        if !problems.isEmpty { return Self.exitUnhealthy }
        if strict && !warnings.isEmpty { return Self.exitWarnings }
        return 0
    }

    public var deadLetterCount: Int { queues.filter { $0.kind == .dead }.reduce(0) { $0 + $1.ready + $1.unacked } }
}

/// Gathers a `StatusReport` from the services, the management API and routing's authority list.
public struct StatusCollector: Sendable {
    public var endpoints: CtlEndpoints
    public var timeout: TimeInterval

    public init(endpoints: CtlEndpoints, timeout: TimeInterval = 5) {
        self.endpoints = endpoints
        self.timeout = timeout
    }

    public func collect() async -> StatusReport {
        let http = HTTPClient(timeout: timeout)
        async let healths = withTaskGroup(of: (Int, ServiceHealth).self) { group in
            for (index, service) in endpoints.services.enumerated() {
                group.addTask { (index, await Self.health(name: service.name, url: service.url, http: http)) }
            }
            var results: [(Int, ServiceHealth)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let management = RabbitManagement(base: endpoints.rabbitMQAPI, vhost: endpoints.vhost, timeout: timeout)
        async let queues: Result<[QueueInfo], CtlError> = {
            do { return .success(try await management.queues()) } catch let e as CtlError { return .failure(e) } catch {
                return .failure(CtlError(.unreachable, "management API: \(error)"))
            }
        }()
        async let authorities: Result<[AuthorityBacklog], CtlError>? = authorityBacklog(http: http)

        var report = StatusReport(
            generatedAt: Date(), vhost: endpoints.vhost, services: await healths, queues: [],
            queuesError: nil, authorities: nil, authoritiesError: nil, problems: [], warnings: [])
        switch await queues {
        case .success(let list): report.queues = list
        case .failure(let error): report.queuesError = error.description
        }
        switch await authorities {
        case .success(let list)?: report.authorities = list
        case .failure(let error)?: report.authoritiesError = error.description
        case nil: report.authoritiesError = "no administrator token (--token, HROMADA_ADMIN_TOKEN or --credentials)"
        }
        Self.judge(&report)
        return report
    }

    /// Applies the health policy documented on `StatusReport`.
    public static func judge(_ report: inout StatusReport) {
        var problems: [String] = []
        var warnings: [String] = []
        for service in report.services {
            if !service.live {
                problems.append("\(service.name) is unreachable or not live (\(service.problem ?? "no answer"))")
            } else if !service.ready {
                let failing = service.checks.filter { $0.value != "ok" }.keys.sorted().joined(separator: ", ")
                problems.append("\(service.name) is not ready" + (failing.isEmpty ? "" : " (failing: \(failing))"))
            }
        }
        if let error = report.queuesError {
            problems.append("RabbitMQ management API unavailable: \(error)")
        } else {
            let names = Set(report.queues.map(\.name))
            for queue in report.queues where queue.kind == .main && queue.consumers == 0 {
                problems.append("queue \(queue.name) has no consumers (\(queue.ready) ready)")
            }
            for queue in report.queues where queue.kind == .dead && queue.ready + queue.unacked > 0 {
                warnings.append("\(queue.ready + queue.unacked) dead letter(s) in \(queue.name)")
            }
            // A main queue for a service that is configured but has never declared it.
            for service in report.services {
                let queue = "hromada.\(service.name)"
                if !names.contains(queue) && ["intake", "routing", "notification", "audit"].contains(service.name) {
                    warnings.append("queue \(queue) is not declared")
                }
            }
        }
        if let error = report.authoritiesError { warnings.append("ticket counts unavailable: \(error)") }
        let overdue = report.authorities?.reduce(0) { $0 + $1.overdueTickets } ?? 0
        if overdue > 0 { warnings.append("\(overdue) overdue ticket(s)") }
        report.problems = problems
        report.warnings = warnings
    }

    static func health(name: String, url: String, http: HTTPClient) async -> ServiceHealth {
        var health = ServiceHealth(
            name: name, url: url, live: false, ready: false, version: nil, checks: [:], problem: nil)
        do {
            let live = try await http.send("GET", url + "/health/live")
            health.live = live.status == 200
            if let status = try? live.decode(HealthStatus.self, "/health/live") { health.version = status.version }
            if !health.live { health.problem = "/health/live answered \(live.status)" }
        } catch {
            health.problem = (error as? CtlError)?.description ?? "unreachable"
            return health
        }
        do {
            let ready = try await http.send("GET", url + "/health/ready")
            health.ready = ready.status == 200
            if let status = try? ready.decode(HealthStatus.self, "/health/ready") {
                for (key, value) in status.checks ?? [:] { health.checks[key] = value }
                health.outboxRows = status.outbox?.rows
                health.outboxOldestSeconds = status.outbox?.oldestSeconds
                if health.version == nil { health.version = status.version }
            }
            if !health.ready && health.problem == nil { health.problem = "/health/ready answered \(ready.status)" }
        } catch {
            health.problem = (error as? CtlError)?.description ?? "unreachable"
        }
        return health
    }

    func authorityBacklog(http: HTTPClient) async -> Result<[AuthorityBacklog], CtlError>? {
        guard let token = endpoints.adminToken, let routing = endpoints.url(of: "routing") else { return nil }
        do {
            let response = try await http.expectOK("GET", routing + "/v1/authorities", bearer: token)
            return .success(try response.decode([AuthorityBacklog].self, "routing /v1/authorities"))
        } catch let error as CtlError {
            return .failure(error)
        } catch {
            return .failure(CtlError(.badResponse, "routing /v1/authorities: unexpected shape"))
        }
    }
}

// MARK: - Human output

/// Plain-text tables for the terminal.
public enum TextTable {
    public static func render(_ header: [String], _ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                return rightAligned.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(
            separator: "\n")
    }
}

extension StatusReport {
    /// The human report: services, queues, authorities, then problems and warnings.
    public func renderText() -> String {
        var out: [String] = []
        out.append("SERVICES")
        out.append(
            TextTable.render(
                ["service", "url", "live", "ready", "version", "outbox rows", "oldest s", "failing checks"],
                services.map { s in
                    [
                        s.name, s.url, s.live ? "yes" : "NO", s.ready ? "yes" : "NO", s.version ?? "-",
                        s.outboxRows.map(String.init) ?? "-",
                        s.outboxOldestSeconds.map { String(format: "%.1f", $0) } ?? "-",
                        s.live
                            ? s.checks.filter { $0.value != "ok" }.keys.sorted().joined(separator: ",").ifEmpty(
                                s.ready ? "-" : (s.problem ?? "-")) : "unreachable",
                    ]
                }, rightAligned: [5, 6]))
        out.append("")
        out.append("QUEUES (vhost \(vhost))")
        if let queuesError {
            out.append("  unavailable: \(queuesError)")
        } else {
            out.append(
                TextTable.render(
                    ["queue", "ready", "unacked", "consumers", "publish/s", "deliver/s"],
                    queues.map { q in
                        [
                            q.name, "\(q.ready)", "\(q.unacked)", "\(q.consumers)",
                            String(format: "%.1f", q.publishRate), String(format: "%.1f", q.deliverRate),
                        ]
                    }, rightAligned: [1, 2, 3, 4, 5]))
        }
        out.append("")
        out.append("TICKETS BY AUTHORITY")
        if let authorities {
            out.append(
                TextTable.render(
                    ["authority", "open", "overdue"],
                    authorities.map { ["\($0.code)", "\($0.openTickets)", "\($0.overdueTickets)"] },
                    rightAligned: [1, 2]))
        } else {
            out.append("  unavailable: \(authoritiesError ?? "-")")
        }
        out.append("")
        if problems.isEmpty {
            out.append("HEALTHY")
        } else {
            out.append("UNHEALTHY")
            out.append(contentsOf: problems.map { "  ✗ \($0)" })
        }
        out.append(contentsOf: warnings.map { "  ! \($0)" })
        return out.joined(separator: "\n")
    }
}

extension String {
    func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
}
