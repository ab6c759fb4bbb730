import Foundation
import HromadaContracts

/// What `DeliverySender` needs from the database: `NotificationStore` in production, an in-memory
/// double in unit tests. Every method runs in its own transaction and may throw while the database
/// is unreachable (a failover); the sender retries.
public protocol DeliveryStore: Sendable {
    /// Claims up to `limit` due email deliveries for the sender holding `token`, leased until
    /// `now + policy.lease`.
    func claimDue(token: UUID, at now: Date, policy: DeliveryPolicy, limit: Int) async throws -> [ClaimedDelivery]
    /// The same for the deliveries of `channel`; stores that only know email keep the default.
    func claimDue(
        channel: NotificationChannel, token: UUID, at now: Date, policy: DeliveryPolicy, limit: Int
    ) async throws -> [ClaimedDelivery]
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

extension DeliveryStore {
    public func claimDue(
        channel: NotificationChannel, token: UUID, at now: Date, policy: DeliveryPolicy, limit: Int
    ) async throws -> [ClaimedDelivery] {
        guard channel == .email else { return [] }
        return try await claimDue(token: token, at: now, policy: policy, limit: limit)
    }
}

/// Hands one claimed delivery to its channel (the mail server, the SMS gateway); blocking (run on
/// the sender's threads).
public protocol NoticeTransport: Sendable {
    func send(_ delivery: ClaimedDelivery) -> SendOutcome
}

/// Email: the delivery rendered as a MIME message (its `Message-ID` the row's id) and sent over SMTP.
public struct EmailNoticeTransport: NoticeTransport {
    public let mail: any MailTransport
    public let from: String
    public let mailFrom: String

    public init(mail: any MailTransport, from: String) {
        self.mail = mail
        self.from = from
        self.mailFrom = MIMEMessage.address(in: from) ?? "no-reply@hromada.mkrada.gov.ua"
    }

    public func send(_ row: ClaimedDelivery) -> SendOutcome {
        let id = row.subject.notificationId.uuidString.lowercased()
        let message = MIMEMessage(
            from: from, to: row.address, subject: row.title, body: row.body, messageID: "\(id)@hromada",
            date: row.createdAt
        ).rendered()
        return mail.send(message: message, mailFrom: mailFrom, recipient: row.address)
    }
}
