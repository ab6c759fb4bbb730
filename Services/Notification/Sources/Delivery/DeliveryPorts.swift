import Foundation

/// What `DeliverySender` needs from the database: `NotificationStore` in production, an in-memory
/// double in unit tests. Every method runs in its own transaction and may throw while the database
/// is unreachable (a failover); the sender retries.
public protocol DeliveryStore: Sendable {
    /// Claims up to `limit` due email deliveries for the sender holding `token`, leased until
    /// `now + policy.lease`.
    func claimDue(token: UUID, at now: Date, policy: DeliveryPolicy, limit: Int) async throws -> [ClaimedDelivery]
    /// Writes `next` (with its event when final) only while `token` still holds the lease; false
    /// when it does not (already recorded by an earlier commit, or taken over by another sender).
    func record(_ next: Delivery, for claimed: ClaimedDelivery, token: UUID) async throws -> Bool
    /// Extends the lease `token` holds on `ids` to `until`; returns the ids it still holds.
    func renewLeases(token: UUID, ids: [UUID], until: Date) async throws -> Set<UUID>
    /// Gives back the lease `token` holds on `ids` (never sent): they are claimable again at once.
    func releaseLeases(token: UUID, ids: [UUID]) async throws -> Int
}

/// Hands one rendered message to the mail server; blocking (run on the sender's threads).
public protocol MailTransport: Sendable {
    func send(message: [UInt8], mailFrom: String, recipient: String) -> SendOutcome
}

extension SMTPTransport: MailTransport {}
