import Foundation
import HromadaContracts
import HromadaCore

/// What one try to send a notice gave.
public enum SendOutcome: Sendable, Equatable {
    case sent
    /// Try again later: connection refused or timed out, SMTP 4xx.
    case temporary(reason: String)
    /// Never retry: SMTP 5xx.
    case permanent(reason: String)
}

/// How deliveries are retried and leased.
public struct DeliveryPolicy: Sendable, Equatable {
    /// Delay before each new try after a temporary failure; the last one repeats.
    public var retryDelays: [Duration]
    /// Tries of one notice in all (the first one included) before it is `failed`.
    public var maxAttempts: Int
    /// How long a claimed delivery is reserved for one sender.
    public var lease: Duration

    /// The delay before try number `attempts + 1`, after `attempts` failed tries.
    public func delay(afterAttempts attempts: Int) -> Duration {
        guard !retryDelays.isEmpty else { return .seconds(60) }
        return retryDelays[min(max(attempts - 1, 0), retryDelays.count - 1)]
    }
}

/// A sender's hold on a delivery: only the holder of `token` may record its outcome, until `until`.
public struct DeliveryLease: Sendable, Equatable {
    public var token: UUID
    public var until: Date
}

/// One notice's delivery and its state machine:
///
///     pending ──claim──▶ sending(lease) ──sent──────────────▶ sent
///        ▲                  │   │ └──temporary, tries left──▶ pending (later)
///        └──lease expired───┘   └──permanent / no tries left▶ failed
///
/// A centre notice is `sent` when written (the centre's inbox is its channel); a notice nobody
/// can receive is `failed` at once. Pure: the store writes what these functions return, and only
/// while the sender still holds the lease.
public struct Delivery: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case pending(nextAttemptAt: Date)
        case sending(DeliveryLease)
        case sent(at: Date)
        case failed(at: Date, reason: String)
    }

    public var state: State
    /// Tries made so far.
    public var attempts: Int
    /// The last temporary failure's reason, kept while the delivery waits for its next try.
    public var lastError: String?

    public init(state: State, attempts: Int = 0, lastError: String? = nil) {
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
    }

    /// Why nobody can be reached (no email, no centre).
    public static let noContactReason = "no_contact: no email and no centre"
    /// A reason is kept to this many characters.
    public static let reasonLimit = 500

    /// The first state of a planned notice, written at `now`.
    public static func initial(for target: NoticeTarget, at now: Date) -> Delivery {
        switch target {
        case .email, .sms: return Delivery(state: .pending(nextAttemptAt: now))
        case .centre: return Delivery(state: .sent(at: now))
        case .unreachable: return Delivery(state: .failed(at: now, reason: noContactReason))
        }
    }

    /// True when a sender may claim it at `now`: pending and due, or sending under a lease that
    /// expired (its sender died or lost the database; the notice is tried again).
    public func isClaimable(at now: Date) -> Bool {
        switch state {
        case .pending(let next): return next <= now
        case .sending(let lease): return lease.until < now
        case .sent, .failed: return false
        }
    }

    /// Reserves it for the sender holding `token`; nil when it is not claimable at `now`.
    public func claimed(token: UUID, at now: Date, policy: DeliveryPolicy) -> Delivery? {
        guard isClaimable(at: now) else { return nil }
        var next = self
        next.state = .sending(DeliveryLease(token: token, until: now.addingTimeInterval(policy.lease.seconds)))
        return next
    }

    /// The state after a try ended with `outcome`; nil when `token` no longer holds the lease
    /// (another sender took it over after it expired: its outcome is the one that counts).
    public func recording(_ outcome: SendOutcome, token: UUID, at now: Date, policy: DeliveryPolicy) -> Delivery? {
        guard case .sending(let lease) = state, lease.token == token else { return nil }
        let attempts = self.attempts + 1
        switch outcome {
        case .sent:
            return Delivery(state: .sent(at: now), attempts: attempts)
        case .temporary(let reason) where attempts < policy.maxAttempts:
            let next = now.addingTimeInterval(policy.delay(afterAttempts: attempts).seconds)
            return Delivery(
                state: .pending(nextAttemptAt: next), attempts: attempts,
                lastError: String(reason.prefix(Self.reasonLimit)))
        case .temporary(let reason), .permanent(let reason):
            let kept = String(reason.prefix(Self.reasonLimit))
            return Delivery(state: .failed(at: now, reason: kept), attempts: attempts)
        }
    }

    /// What a delivery is about, for the events it raises.
    public struct Subject: Sendable, Equatable {
        public var notificationId: UUID
        public var sourceEventId: UUID
        public var sourceEventType: String
        public var appealId: UUID?
        public var registrationNumber: String?
        public var channel: NotificationChannel
        public var recipientKind: RecipientKind
    }

    /// The event this state announces: `notification.sent` or `notification.failed` once final,
    /// nothing while it is pending or sending.
    public func event(about subject: Subject) -> (any DomainEvent)? {
        switch state {
        case .sent(let at):
            return NotificationSent(
                notificationId: subject.notificationId, sourceEventId: subject.sourceEventId,
                sourceEventType: subject.sourceEventType, appealId: subject.appealId,
                registrationNumber: subject.registrationNumber, channel: subject.channel,
                recipientKind: subject.recipientKind, sentAt: at)
        case .failed(let at, let reason):
            return NotificationFailed(
                notificationId: subject.notificationId, sourceEventId: subject.sourceEventId,
                sourceEventType: subject.sourceEventType, appealId: subject.appealId,
                registrationNumber: subject.registrationNumber, channel: subject.channel,
                recipientKind: subject.recipientKind, reason: reason, attempts: attempts, failedAt: at)
        case .pending, .sending:
            return nil
        }
    }
}
