import Foundation

public enum NotificationChannel: String, Codable, Sendable, CaseIterable { case email, centre, sms }

public enum RecipientKind: String, Codable, Sendable, CaseIterable { case resident, official, centre, reception }

/// A notice about `sourceEventId` was delivered.
public struct NotificationSent: DomainEvent {
    public static let eventType = "notification.sent"
    public static let version = 1

    public var notificationId: UUID
    public var sourceEventId: UUID
    public var sourceEventType: String
    public var appealId: UUID?
    public var registrationNumber: String?
    public var channel: NotificationChannel
    public var recipientKind: RecipientKind
    public var sentAt: Date

    public init(
        notificationId: UUID, sourceEventId: UUID, sourceEventType: String, appealId: UUID? = nil,
        registrationNumber: String? = nil, channel: NotificationChannel, recipientKind: RecipientKind, sentAt: Date
    ) {
        self.notificationId = notificationId
        self.sourceEventId = sourceEventId
        self.sourceEventType = sourceEventType
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.channel = channel
        self.recipientKind = recipientKind
        self.sentAt = sentAt
    }
}

/// A notice could not be delivered after `attempts` tries.
public struct NotificationFailed: DomainEvent {
    public static let eventType = "notification.failed"
    public static let version = 1
    /// Personal data: sealed on the bus, encrypted in the audit log.
    public static let personalFields: [[String]] = [["reason"]]

    public var notificationId: UUID
    public var sourceEventId: UUID
    public var sourceEventType: String
    public var appealId: UUID?
    public var registrationNumber: String?
    public var channel: NotificationChannel
    public var recipientKind: RecipientKind
    /// Delivery error (an SMTP reply may name the address: treated as personal data).
    public var reason: String
    public var attempts: Int
    public var failedAt: Date

    public init(
        notificationId: UUID, sourceEventId: UUID, sourceEventType: String, appealId: UUID? = nil,
        registrationNumber: String? = nil, channel: NotificationChannel, recipientKind: RecipientKind, reason: String,
        attempts: Int, failedAt: Date
    ) {
        self.notificationId = notificationId
        self.sourceEventId = sourceEventId
        self.sourceEventType = sourceEventType
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.channel = channel
        self.recipientKind = recipientKind
        self.reason = reason
        self.attempts = attempts
        self.failedAt = failedAt
    }
}

/// Someone viewed or changed an appeal's personal data (recorded in the audit chain).
public struct PersonalDataAccessed: DomainEvent {
    public static let eventType = "personal-data.accessed"
    public static let version = 1

    public var appealId: UUID
    public var registrationNumber: String
    public var actorId: String
    /// e.g. "official", "librarian", "administrator", "operator".
    public var actorRole: String
    public var authority: String?
    /// e.g. "ticket.view", "appeal.export".
    public var purpose: String
    /// The executable that served the access, e.g. "hromada-routing".
    public var service: String
    public var accessedAt: Date

    public init(
        appealId: UUID, registrationNumber: String, actorId: String, actorRole: String, authority: String? = nil,
        purpose: String, service: String, accessedAt: Date
    ) {
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.actorId = actorId
        self.actorRole = actorRole
        self.authority = authority
        self.purpose = purpose
        self.service = service
        self.accessedAt = accessedAt
    }
}

/// An appeal's personal data was erased (e.g. at the end of retention); audit drops its key.
public struct PersonalDataErased: DomainEvent {
    public static let eventType = "personal-data.erased"
    public static let version = 1

    public var appealId: UUID?
    public var registrationNumber: String
    public var erasedBy: String
    public var erasedAt: Date

    public init(appealId: UUID? = nil, registrationNumber: String, erasedBy: String, erasedAt: Date) {
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.erasedBy = erasedBy
        self.erasedAt = erasedAt
    }
}

/// The audit chain's head at `sequence`, published so others can keep a copy (tamper evidence).
public struct AuditCheckpoint: DomainEvent {
    public static let eventType = "audit.checkpoint"
    public static let version = 1

    public var sequence: Int64
    /// Lowercase hex SHA-256 of the chain's head entry.
    public var headHash: String
    public var entries: Int64
    public var createdAt: Date

    public init(sequence: Int64, headHash: String, entries: Int64, createdAt: Date) {
        self.sequence = sequence
        self.headHash = headHash
        self.entries = entries
        self.createdAt = createdAt
    }
}
