import Audit
import Foundation
import HromadaAMQP
import HromadaAPI
import HromadaContracts
import HromadaImaging
import HromadaRuntime
import HromadaTestSupport
import Intake
import Logging
import Routing
import Synchronization
import XCTest

/// Intake, routing and audit in this process on one throwaway vhost (events flow between them as
/// in production), each on its own throwaway database, intake and routing sharing one photo link
/// key and on fixed loopback ports (so their public URLs, which links and CSRF origins use, are
/// real). Intake's clock can be moved forward to expire links.
final class PhotoSystem: InProcessSystem, @unchecked Sendable {
    static let adminToken = "photo-admin-token-5d1e9a7c3b2f4e6a"
    static let centreKey = "photo-centre-key-8c2a4e6f1b3d5a7c"
    static let centreId = "central-library"
    static let linkKey = String(repeating: "5a", count: 32)
    static let observeQueue = "test.photos.observe"

    let clockOffset = ClockOffset()

    var intake: ServiceHarness { harnesses["intake"]! }
    var routing: ServiceHarness { harnesses["routing"]! }
    var audit: ServiceHarness { harnesses["audit"]! }

    /// Moves intake's "now" (the links' expiry check) forward.
    func advanceIntakeClock(by seconds: TimeInterval) { clockOffset.seconds.withLock { $0 += seconds } }

    static func start(_ test: XCTestCase, services: [String] = ["audit", "intake", "routing"]) async throws
        -> PhotoSystem
    {
        try IntegrationEnvironment.requireServers()
        var logger = Logger(label: "photo-test")
        logger.logLevel = .warning
        let broker = try await TestBroker.create()
        let system = try PhotoSystem(for: test, broker: broker, label: "photo-test", logger: logger)
        try await system.client.observeEvents(on: observeQueue)
        let intakePort = try IntegrationEnvironment.freeLoopbackPort()
        for name in services { try await system.startService(name, intakePort: intakePort, logger: logger) }
        if services.contains("intake") {
            try await TestCentre.put(centreId, key: centreKey, on: system.intake, adminToken: adminToken)
        }
        return system
    }

    func startService(_ name: String, intakePort: Int, logger: Logger) async throws {
        let port =
            name == "intake" ? intakePort : (name == "routing" ? try IntegrationEnvironment.freeLoopbackPort() : 0)
        let keyEnvironment = [EnvironmentVariable.photoLinkKey.name: Self.linkKey]
        let offset = clockOffset
        try await startService(name, httpPort: port, adminToken: Self.adminToken, logger: logger) { configuration in
            switch name {
            case "intake":
                var settings = IntakeSettings()
                settings.web = .local(service: IntakeSettings.service, port: port)
                settings.photos = try PhotoSettings.fromEnvironment(keyEnvironment)
                settings.clock = { Date().addingTimeInterval(offset.seconds.withLock { $0 }) }
                let built = try await IntakeService.build(
                    configuration: configuration, logger: logger, metricsRegistry: nil, settings: settings)
                return try await ServiceHarness.start(runtime: built.runtime, router: built.router)
            case "routing":
                var settings = RoutingSettings(watcherInterval: .seconds(5))
                settings.web = .local(service: "routing", port: port)
                let intakeURL = [EnvironmentVariable.intakeURL.name: "http://127.0.0.1:\(intakePort)"]
                settings.photos = try RoutingPhotoSettings.fromEnvironment(
                    keyEnvironment.merging(intakeURL, uniquingKeysWith: { $1 }))
                let built = try await RoutingService.build(
                    configuration: configuration, logger: logger, metricsRegistry: nil, settings: settings)
                return try await ServiceHarness.start(runtime: built.runtime, router: built.router)
            case "audit":
                var fast = EventConsumer.Settings()
                fast.retryDelays = [.milliseconds(200), .milliseconds(400)]
                let built = try await AuditService.build(
                    configuration: configuration, settings: AuditSettings(), logger: logger, metricsRegistry: nil,
                    consumerSettings: fast)
                return try await ServiceHarness.start(runtime: built.runtime, router: built.router)
            default:
                throw XCTSkip("unknown service \(name)")
            }
        }
    }

    /// Registers an appeal with photos as the centre (a `multipart` body); checks the 201 and
    /// returns its answer.
    func register(_ form: (body: Data, contentType: String)) async throws -> [String: Any] {
        let created = try await intake.request(
            "POST", "/v1/appeals", body: form.body,
            headers: ["Authorization": "Bearer \(Self.centreKey)", "Content-Type": form.contentType])
        XCTAssertEqual(created.status, 201, created.text)
        return try XCTUnwrap(try created.json() as? [String: Any])
    }

    /// Creates an official of `authority` through routing's admin API; checks the 201 and returns
    /// the answer (its `id` and `token`).
    func createOfficial(name: String, authority: String = "zhkg") async throws -> RoutingJSON.OfficialCreated {
        try await TestOfficial.create(name: name, authority: authority, on: routing, adminToken: Self.adminToken)
    }

    /// The id of the ticket routing lists for the official with `token` (of appeal
    /// `registrationNumber` when given), waiting up to 20 s for it; fails the test when none comes.
    func ticket(token: String, of registrationNumber: String? = nil) async throws -> String {
        var ticketId: String?
        var lastList = ""
        _ = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
            let list = try await self.routing.request(
                "GET", "/v1/tickets", headers: ["Authorization": "Bearer \(token)"])
            lastList = list.text
            let json = try? list.json()
            let tickets = json as? [[String: Any]] ?? (json as? [String: Any])?["tickets"] as? [[String: Any]] ?? []
            let ticket = tickets.first {
                registrationNumber == nil || $0["registrationNumber"] as? String == registrationNumber
            }
            ticketId = ticket?["id"] as? String
            return ticketId != nil
        }
        return try XCTUnwrap(ticketId, "routing made the ticket: \(lastList.prefix(500))")
    }

    /// The appeal's audit trail, nil while audit cannot answer for it yet.
    func trailEntries(of registrationNumber: String) async throws -> [[String: Any]]? {
        let trail = try await audit.request(
            "GET", "/v1/trail/\(registrationNumber)", headers: ["Authorization": "Bearer \(Self.adminToken)"])
        guard trail.status == 200, let body = try trail.json() as? [String: Any] else { return nil }
        return body["entries"] as? [[String: Any]]
    }

    /// Reads observed messages until one of `type` arrives.
    func awaitMessage(type: String) async throws -> AMQPDelivery? {
        try await client.awaitMessage(type: type, in: Self.observeQueue, within: .seconds(15))
    }

    /// A valid appeal as the API takes it.
    static func appeal(subject: String = "Яма на дорозі") -> [String: Any] {
        [
            "kind": "application", "category": "heating",
            "author": [
                "fullName": "Шевченко Тарас Григорович",
                "address": "вул. Садова, 12, кв. 3",
                "preferredLanguage": "uk",
            ],
            "subject": subject,
            "text": "Біля під'їзду велика яма, на фото видно її розмір.",
        ]
    }

    /// A `multipart/form-data` body: the `appeal` part as JSON and a part per `(name, filename,
    /// declared type, bytes)`.
    static func multipart(appeal: [String: Any]?, files: [(String, String, String, [UInt8])]) throws
        -> (body: Data, contentType: String)
    {
        let boundary = "----hromada-\(UUID().uuidString)"
        var body = Data()
        func add(_ text: String) { body.append(Data(text.utf8)) }
        if let appeal {
            add("--\(boundary)\r\nContent-Disposition: form-data; name=\"appeal\"\r\n")
            add("Content-Type: application/json\r\n\r\n")
            body.append(try JSONSerialization.data(withJSONObject: appeal))
            add("\r\n")
        }
        for (name, filename, type, bytes) in files {
            add("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\n")
            add("Content-Type: \(type)\r\n\r\n")
            body.append(Data(bytes))
            add("\r\n")
        }
        add("--\(boundary)--\r\n")
        return (body, "multipart/form-data; boundary=\(boundary)")
    }
}

/// How far intake's clock runs ahead of the wall clock.
final class ClockOffset: Sendable {
    let seconds = Mutex<TimeInterval>(0)
}
