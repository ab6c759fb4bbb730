import Foundation
import HromadaWeb
import Synchronization

/// Server-side sessions in memory, for router tests without a database: ending one really ends it
/// and an expired one no longer loads, as in `PostgresSessionStore`; `subjects` lets a test see the
/// rows come and go.
public final class MemorySessionStore: SessionStore {
    let rows = Mutex<[String: WebSession]>([:])

    public init() {}

    public func create(subject: String, now: Date) async throws -> (session: WebSession, cookieValue: String) {
        let id = UUID().uuidString.lowercased()
        let session = WebSession(
            id: id, subject: subject, csrf: UUID().uuidString.lowercased(), createdAt: now,
            expiresAt: now.addingTimeInterval(3600))
        rows.withLock { $0[id] = session }
        return (session, id)
    }

    public func load(cookieValue: String, now: Date) async throws -> WebSession? {
        rows.withLock { $0[cookieValue] }.flatMap { $0.expiresAt > now ? $0 : nil }
    }

    public func delete(_ session: WebSession) async throws { _ = rows.withLock { $0.removeValue(forKey: session.id) } }

    public func deleteAll(subject: String) async throws {
        rows.withLock { $0 = $0.filter { $0.value.subject != subject } }
    }

    /// How many sessions are open.
    public var count: Int { rows.withLock { $0.count } }

    /// The subject of every open session.
    public var subjects: [String] { rows.withLock { $0.values.map(\.subject) } }
}
