import Foundation
import HromadaAPI
import Hummingbird
import Prometheus

/// A named check behind `/health/ready`.
public struct ReadinessCheck: Sendable {
    public let name: String
    public let check: @Sendable () async throws -> Void
    public init(_ name: String, _ check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.check = check
    }
}

/// `GET /health/live`, `GET /health/ready` and `GET /metrics`, the same on every service.
public enum HealthRoutes {
    /// The answer of both health routes: the wire type clients decode, HromadaAPI's.
    public typealias Status = HealthStatus
    /// Events committed but not yet confirmed by the broker (ready only).
    public typealias OutboxLag = HealthStatus.OutboxLag

    public static func add<Context: RequestContext>(
        to router: Router<Context>,
        service: String,
        version: String,
        checks: @escaping @Sendable () -> [ReadinessCheck],
        outboxLag: (@Sendable () async throws -> OutboxLag)? = nil,
        registry: PrometheusCollectorRegistry?
    ) {
        router.get("/health/live") { _, _ in
            try JSON.response(Status(status: "live", service: service, version: version))
        }
        router.get("/health/ready") { _, _ in
            var results: [String: String] = [:]
            var ready = true
            for check in checks() {
                do {
                    try await withTimeout(.seconds(3)) { try await check.check() }
                    results[check.name] = "ok"
                } catch {
                    ready = false
                    results[check.name] = "failing"
                }
            }
            var lag: OutboxLag?
            if let outboxLag { lag = try? await withTimeout(.seconds(2)) { try await outboxLag() } }
            return try JSON.response(
                Status(
                    status: ready ? "ready" : "not ready", service: service, version: version, checks: results,
                    outbox: lag),
                status: ready ? .ok : .serviceUnavailable
            )
        }
        router.get("/metrics") { _, _ in
            let text = registry?.emitToBuffer() ?? []
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: text))
            )
        }
    }
}

struct TimeoutError: Error {}

/// Runs `operation`, giving up after `timeout`.
func withTimeout<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws
    -> T
{
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TimeoutError()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
