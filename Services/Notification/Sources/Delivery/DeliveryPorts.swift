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
    /// Writes a whole round's outcomes in one transaction (each as `record` would, only where `token`
    /// still holds the lease); returns the ids written. All or nothing: a throw wrote none of them.
    func recordAll(_ outcomes: [RecordedOutcome], token: UUID) async throws -> Set<UUID>
}

/// One delivery's outcome to write: the state `Delivery.recording` returned, and the claimed row.
public struct RecordedOutcome: Sendable {
    public let next: Delivery
    public let claimed: ClaimedDelivery
    public init(next: Delivery, claimed: ClaimedDelivery) {
        self.next = next
        self.claimed = claimed
    }
}

extension DeliveryStore {
    /// One `record` per outcome (stores without a batched write, e.g. test doubles); not one
    /// transaction, so `NotificationStore` has its own.
    public func recordAll(_ outcomes: [RecordedOutcome], token: UUID) async throws -> Set<UUID> {
        var written: Set<UUID> = []
        for outcome in outcomes where try await record(outcome.next, for: outcome.claimed, token: token) {
            written.insert(outcome.claimed.subject.notificationId)
        }
        return written
    }
}

/// Hands one rendered message to the mail server; blocking (run on the sender's threads).
public protocol MailTransport: Sendable {
    func send(message: [UInt8], mailFrom: String, recipient: String) -> SendOutcome
    /// A connection for consecutive messages from one thread at a time (kept open between them).
    func openConnection() -> any MailConnection
}

/// Consecutive messages over one connection to the mail server; blocking, one thread at a time.
public protocol MailConnection: AnyObject, Sendable {
    func send(message: [UInt8], mailFrom: String, recipient: String) -> SendOutcome
    func close()
}

extension MailTransport {
    /// No connection to keep: every message goes through `send` (test doubles).
    public func openConnection() -> any MailConnection { OneShotMailConnection(transport: self) }
}

/// A "connection" that hands each message to its transport's `send`.
final class OneShotMailConnection: MailConnection {
    let transport: any MailTransport
    init(transport: any MailTransport) { self.transport = transport }
    func send(message: [UInt8], mailFrom: String, recipient: String) -> SendOutcome {
        transport.send(message: message, mailFrom: mailFrom, recipient: recipient)
    }
    func close() {}
}

extension SMTPTransport: MailTransport {
    /// A libcurl handle kept across messages: one TCP (and TLS) connection for many.
    public func openConnection() -> any MailConnection { SMTPConnection(transport: self) }
}

extension SMTPConnection: MailConnection {}

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
    /// A session for consecutive deliveries from one thread at a time (a kept connection).
    func openSession() -> any NoticeSession
}

/// Consecutive deliveries through one session of a transport; blocking, one thread at a time.
public protocol NoticeSession: AnyObject, Sendable {
    func send(_ delivery: ClaimedDelivery) -> SendOutcome
    func close()
}

extension NoticeTransport {
    /// Nothing to keep between deliveries (the SMS gateway's HTTP requests): each one is `send`.
    public func openSession() -> any NoticeSession { OneShotNoticeSession(transport: self) }
}

final class OneShotNoticeSession: NoticeSession {
    let transport: any NoticeTransport
    init(transport: any NoticeTransport) { self.transport = transport }
    func send(_ delivery: ClaimedDelivery) -> SendOutcome { transport.send(delivery) }
    func close() {}
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
        mail.send(message: message(for: row), mailFrom: mailFrom, recipient: row.address)
    }

    public func openSession() -> any NoticeSession { EmailSession(transport: self, connection: mail.openConnection()) }

    func message(for row: ClaimedDelivery) -> [UInt8] {
        let id = row.subject.notificationId.uuidString.lowercased()
        return MIMEMessage(
            from: from, to: row.address, subject: row.title, body: row.body, messageID: "\(id)@hromada",
            date: row.createdAt
        ).rendered()
    }
}

/// Emails over one kept SMTP connection.
final class EmailSession: NoticeSession {
    let transport: EmailNoticeTransport
    let connection: any MailConnection
    init(transport: EmailNoticeTransport, connection: any MailConnection) {
        self.transport = transport
        self.connection = connection
    }
    func send(_ row: ClaimedDelivery) -> SendOutcome {
        connection.send(message: transport.message(for: row), mailFrom: transport.mailFrom, recipient: row.address)
    }
    func close() { connection.close() }
}
