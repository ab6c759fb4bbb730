import Audit
import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaCore
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Intake
import Logging
import Notification
import Routing
import Synchronization
import XCTest

/// The four services in this process, each on its own throwaway database, all on one throwaway
/// vhost (so events flow between them as in production), with a demo centre and an official.
final class SecuritySystem: InProcessSystem, @unchecked Sendable {
    static let adminToken = "sec-admin-token-7f3a9c0d1e2b4a6c"
    static let centreKey = "sec-centre-key-2b8e4f6a1c3d5e7f"
    static let centreId = "central-library"
    static let services = ["intake", "routing", "notification", "audit"]

    private(set) var officialToken = ""
    private(set) var officialAuthority = "zhkg"

    /// Waits for RabbitMQ (another test may be restarting it), then starts `services`.
    static func start(_ test: XCTestCase, services: [String] = SecuritySystem.services, logger: Logger? = nil)
        async throws -> SecuritySystem
    {
        try IntegrationEnvironment.requireServers()
        _ = await eventually(timeout: .seconds(90), every: .milliseconds(500)) {
            IntegrationEnvironment.isListening(port: 5672) && IntegrationEnvironment.isListening(port: 15672)
        }
        var quiet = Logger(label: "security-test")
        quiet.logLevel = .warning
        let logger = logger ?? quiet
        var broker: TestBroker?
        for attempt in 0..<10 {  // the management API may still be coming back
            do {
                broker = try await TestBroker.create()
                break
            } catch {
                if attempt == 9 { throw error }
                try await Task.sleep(for: .seconds(2))
            }
        }
        let system = try SecuritySystem(for: test, broker: broker!, label: "security-test", logger: quiet)
        // The tests stand where a reverse proxy on the loopback would: each X-Forwarded-For value
        // is a different client (services read the setting when they build their routes).
        setenv(EnvironmentVariable.trustedProxies.name, "127.0.0.1", 1)
        test.addTeardownBlock { unsetenv(EnvironmentVariable.trustedProxies.name) }
        for name in services { try await system.startService(name, logger: logger) }
        if services.contains("intake") {
            try await TestCentre.put(centreId, key: centreKey, on: system.harness("intake"), adminToken: adminToken)
        }
        if services.contains("routing") {
            let official = try await TestOfficial.create(
                name: "Інспектор Тестовий", on: system.harness("routing"), adminToken: adminToken)
            system.officialToken = official.token
        }
        return system
    }

    /// Issue 13: personal fields travel sealed, as in production (`InProcessSystem` seals them).
    func startService(_ name: String, logger: Logger) async throws {
        let fast = { () -> EventConsumer.Settings in
            var s = EventConsumer.Settings()
            s.retryDelays = [.milliseconds(200), .milliseconds(400)]
            s.prefetch = 50
            return s
        }()
        try await startService(name, adminToken: Self.adminToken, logger: logger) { configuration in
            switch name {
            case "intake":
                let built = try await IntakeService.build(
                    configuration: configuration, logger: logger, metricsRegistry: nil)
                return try await ServiceHarness.start(runtime: built.runtime, router: built.router)
            case "routing":
                let built = try await RoutingService.build(
                    configuration: configuration, logger: logger, metricsRegistry: nil,
                    settings: RoutingSettings(watcherInterval: .seconds(5)))
                return try await ServiceHarness.start(runtime: built.runtime, router: built.router)
            case "notification":
                let smtp = ProcessInfo.processInfo.environment["HROMADA_TEST_SMTP_URL"] ?? "smtp://127.0.0.1:2525"
                let built = try await NotificationService.build(
                    configuration: configuration, logger: logger, metricsRegistry: nil,
                    settings: NotificationSettings(smtpURL: smtp, pollInterval: .milliseconds(500)))
                return try await ServiceHarness.start(runtime: built.runtime, router: built.router)
            case "audit":
                let built = try await AuditService.build(
                    configuration: configuration, settings: AuditSettings(), logger: logger,
                    metricsRegistry: nil, consumerSettings: fast)
                return try await ServiceHarness.start(runtime: built.runtime, router: built.router)
            default:
                throw XCTSkip("unknown service \(name)")
            }
        }
    }

    func harness(_ service: String) -> ServiceHarness { harnesses[service]! }

    func request(_ service: String, _ method: String, _ path: String, json: Any, headers: [String: String] = [:])
        async throws -> ServiceHarness.Response
    {
        try await harness(service).request(method, path, json: json, headers: headers)
    }

    /// A valid appeal submission.
    static func appeal(
        subject: String = "Немає опалення",
        name: String = "Шевченко Тарас Григорович",
        email: String? = nil, phone: String? = nil, address: String = "вул. Садова, 12, кв. 3",
        text: String = "У квартирі немає опалення вже третій тиждень, "
            + "прошу допомогти."
    ) -> [String: Any] {
        var author: [String: Any] = ["fullName": name, "address": address, "preferredLanguage": "uk"]
        if let email { author["email"] = email }
        if let phone { author["phone"] = phone }
        return [
            "kind": "application", "category": "heating", "author": author, "subject": subject, "text": text,
            "consent": true,
        ]
    }
}

/// HTTP/1.1 over a plain socket, for requests URLSession would refuse or rewrite: dot segments,
/// invalid bytes, overlong headers, bodies of any size. One connection per request
/// (`Connection: close`); the blocking socket calls run on a thread of their own.
enum RawHTTP {
    struct Response: Sendable {
        let status: Int
        let headers: [String: String]  // lower-cased names
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// nil when the server closed the connection without an answer.
    static func send(
        port: Int, method: String, path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        rawHeaderBlock: [UInt8]? = nil
    ) async -> Response? {
        var head = Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n".utf8)
        for (name, value) in headers { head += Array("\(name): \(value)\r\n".utf8) }
        if let rawHeaderBlock { head += rawHeaderBlock }
        if let body { head += Array("Content-Length: \(body.count)\r\n".utf8) }
        head += Array("\r\n".utf8)
        let bytes = head + (body ?? [])
        return await withCheckedContinuation { (continuation: CheckedContinuation<Response?, Never>) in
            let thread = Thread { continuation.resume(returning: exchange(port: port, bytes: bytes)) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private static func exchange(port: Int, bytes: [UInt8]) -> Response? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return nil }
        // Send while watching for an early answer: a server that refuses a large body (413)
        // answers before reading it all and may never read the rest.
        var offset = 0
        var answered = false
        bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN | POLLOUT), revents: 0)
                guard poll(&descriptor, 1, 30_000) > 0 else { break }
                if descriptor.revents & Int16(POLLIN) != 0 {
                    answered = true
                    break
                }
                if descriptor.revents & Int16(POLLERR | POLLHUP) != 0 { break }
                let n = Glibc.send(
                    fd, raw.baseAddress! + offset, min(raw.count - offset, 65536), Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                if n > 0 { offset += n } else if errno != EAGAIN && errno != EWOULDBLOCK { break }
            }
        }
        if !answered { shutdown(fd, Int32(SHUT_WR)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += buffer[0..<n]
            if isComplete(received) || received.count > 64 * 1024 * 1024 { break }
        }
        return parse(received)
    }

    /// A whole response has arrived (by Content-Length or the last chunk); the server may keep
    /// the connection open after an early answer, so do not wait for it to close.
    static func isComplete(_ data: [UInt8]) -> Bool {
        guard let end = data.firstRange(of: [13, 10, 13, 10]) else { return false }
        let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
        let bodyCount = data.count - end.upperBound
        for line in head.components(separatedBy: "\r\n") where line.hasPrefix("content-length:") {
            if let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) {
                return bodyCount >= length
            }
        }
        if head.contains("transfer-encoding: chunked") { return data.suffix(5) == [48, 13, 10, 13, 10] }
        return false
    }

    static func parse(_ data: [UInt8]) -> Response? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = data.firstRange(of: separator) else { return nil }
        let head = String(decoding: data[..<end.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        guard !lines.isEmpty else { return nil }
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        var body = Array(data[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true { body = dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < data.count {
            guard let lineEnd = data[index...].firstRange(of: [13, 10]) else { break }
            let sizeText =
                String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            let stop = min(start + size, data.count)
            out += data[start..<stop]
            index = stop + 2
        }
        return out
    }
}

extension SplitMix64 {
    /// `count` random bytes: a fuzzing input that its seed makes again.
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
}
