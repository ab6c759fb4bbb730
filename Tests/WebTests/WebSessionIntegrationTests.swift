import Foundation
import HromadaPostgres
import HromadaTestSupport
import HromadaWeb
import Logging
import XCTest

/// Server-side sessions in a real PostgreSQL: the migration a service appends, sessions shared by
/// replicas, sign-out deleting the row, idle and absolute expiry by the clock given.
final class WebSessionIntegrationTests: XCTestCase {
    func testServerSideSessionsAreSharedByReplicasAndEndOnSignOutAndExpiry() async throws {
        try IntegrationEnvironment.requireServers()
        try await TestDatabase.using(schema: "intake") { database in
            let client = database.client()
            try await Migrator.migrate([WebMigrations.sessions], on: client, logger: Logger(label: "test"))
            var settings = WebSettings.local(service: "intake", port: 8080)
            settings.sessionSecret = try SessionSecret(hex: String(repeating: "5a", count: 32))
            settings.sessionIdleTimeout = .seconds(600)
            settings.sessionLifetime = .seconds(3600)
            // Two replicas: two stores over two pools, the same secret.
            let replicaA = PostgresSessionStore(database: client, settings: settings)
            let replicaB = PostgresSessionStore(database: database.client(), settings: settings, touchInterval: 0)
            let t0 = Date(timeIntervalSince1970: 1_800_000_000)

            let (session, cookie) = try await replicaA.create(subject: "centre:demo", now: t0)
            let onB = try await replicaB.load(cookieValue: cookie, now: t0.addingTimeInterval(5))
            XCTAssertEqual(onB?.subject, "centre:demo")
            XCTAssertEqual(onB?.csrf, session.csrf)
            // The table holds the token's hash, never the cookie's token.
            let stored = try await client.query("SELECT token_hash FROM web_sessions").map {
                try $0.decode(0, as: String.self)
            }
            XCTAssertEqual(stored, [session.id])
            XCTAssertFalse(cookie.hasPrefix(session.id))
            // A replica with another secret refuses the cookie; a tampered cookie is refused.
            var otherSettings = settings
            otherSettings.sessionSecret = try SessionSecret(hex: String(repeating: "a5", count: 32))
            let stranger = try await PostgresSessionStore(database: client, settings: otherSettings).load(
                cookieValue: cookie, now: t0)
            XCTAssertNil(stranger)
            let tampered = try await replicaA.load(cookieValue: "x" + cookie, now: t0)
            XCTAssertNil(tampered)

            // Idle expiry: a request every 9 minutes keeps it alive (B touches it), 11 idle minutes end it.
            var now = t0
            for _ in 0..<5 {
                now = now.addingTimeInterval(540)
                let alive = try await replicaB.load(cookieValue: cookie, now: now)
                XCTAssertNotNil(alive)
            }
            let idle = try await replicaA.load(cookieValue: cookie, now: now.addingTimeInterval(660))
            XCTAssertNil(idle)

            // Absolute expiry, however active.
            let (_, busy) = try await replicaA.create(subject: "centre:demo", now: t0)
            var busyNow = t0
            while busyNow < t0.addingTimeInterval(3500) {
                busyNow = busyNow.addingTimeInterval(300)
                _ = try await replicaB.load(cookieValue: busy, now: busyNow)
            }
            let past = try await replicaB.load(cookieValue: busy, now: t0.addingTimeInterval(3601))
            XCTAssertNil(past)

            // Sign-out on one replica ends it on the other.
            let (live, liveCookie) = try await replicaA.create(subject: "official:1", now: t0)
            try await replicaB.delete(live)
            let afterSignOut = try await replicaA.load(cookieValue: liveCookie, now: t0.addingTimeInterval(1))
            XCTAssertNil(afterSignOut)

            // Ending every session of a subject; ended rows are pruned when a session starts.
            let (_, one) = try await replicaA.create(subject: "official:2", now: t0)
            try await replicaA.deleteAll(subject: "official:2")
            let gone = try await replicaA.load(cookieValue: one, now: t0)
            XCTAssertNil(gone)
            _ = try await replicaA.create(subject: "centre:other", now: t0.addingTimeInterval(7200))
            let remaining = try await client.count("SELECT count(*) FROM web_sessions")
            XCTAssertEqual(remaining, 1, "expired and idle rows are deleted when a session starts")
        }
    }
}
