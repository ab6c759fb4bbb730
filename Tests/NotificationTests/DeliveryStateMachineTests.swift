import Foundation
import HromadaContracts
import XCTest

@testable import Notification

/// `Delivery`'s rules in memory: pending → sending (lease) → sent / retry / failed.
final class DeliveryStateMachineTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    let policy = DeliveryPolicy(retryDelays: [.seconds(2), .seconds(10)], maxAttempts: 3, lease: .seconds(180))
    let subject = Delivery.Subject(
        notificationId: UUID(), sourceEventId: UUID(), sourceEventType: AppealRegistered.eventType, appealId: UUID(),
        registrationNumber: "MK-2026-000123", channel: .email, recipientKind: .resident)

    func sending(attempts: Int = 0, token: UUID, at now: Date) throws -> Delivery {
        try XCTUnwrap(
            Delivery(state: .pending(nextAttemptAt: now), attempts: attempts)
                .claimed(token: token, at: now, policy: policy))
    }

    func testInitialStateFollowsTheTarget() {
        XCTAssertEqual(Delivery.initial(for: .email("r@example.org"), at: t0).state, .pending(nextAttemptAt: t0))
        XCTAssertEqual(Delivery.initial(for: .centre("cog-1"), at: t0).state, .sent(at: t0))
        XCTAssertEqual(
            Delivery.initial(for: .unreachable, at: t0).state,
            .failed(at: t0, reason: Delivery.noContactReason))
        XCTAssertEqual(Delivery.initial(for: .unreachable, at: t0).attempts, 0)
    }

    func testClaimOnlyWhenDueAndNotLeased() throws {
        let later = Delivery(state: .pending(nextAttemptAt: t0.addingTimeInterval(10)))
        XCTAssertNil(later.claimed(token: UUID(), at: t0, policy: policy), "not due yet")
        let token = UUID()
        let held = try XCTUnwrap(later.claimed(token: token, at: t0.addingTimeInterval(10), policy: policy))
        XCTAssertEqual(held.state, .sending(DeliveryLease(token: token, until: t0.addingTimeInterval(190))))
        XCTAssertNil(held.claimed(token: UUID(), at: t0.addingTimeInterval(100), policy: policy), "lease still live")
        XCTAssertNil(Delivery(state: .sent(at: t0)).claimed(token: UUID(), at: t0, policy: policy))
        XCTAssertNil(Delivery(state: .failed(at: t0, reason: "x")).claimed(token: UUID(), at: t0, policy: policy))
    }

    func testExpiredLeaseIsClaimedAgainAndTheOldHolderCannotRecord() throws {
        let first = UUID()
        let held = try sending(token: first, at: t0)
        let expiry = t0.addingTimeInterval(181)
        XCTAssertTrue(held.isClaimable(at: expiry))
        let second = UUID()
        let retaken = try XCTUnwrap(held.claimed(token: second, at: expiry, policy: policy))
        XCTAssertNil(retaken.recording(.sent, token: first, at: expiry, policy: policy), "the lease was lost")
        XCTAssertEqual(retaken.recording(.sent, token: second, at: expiry, policy: policy)?.state, .sent(at: expiry))
    }

    func testSentRaisesNotificationSent() throws {
        let token = UUID()
        let sent = try XCTUnwrap(
            try sending(token: token, at: t0).recording(.sent, token: token, at: t0, policy: policy))
        XCTAssertEqual(sent.state, .sent(at: t0))
        XCTAssertEqual(sent.attempts, 1)
        let event = try XCTUnwrap(sent.event(about: subject) as? NotificationSent)
        XCTAssertEqual(event.notificationId, subject.notificationId)
        XCTAssertEqual(event.channel, .email)
        XCTAssertEqual(event.sentAt, t0)
    }

    func testTemporaryRefusalIsRetriedWithTheDelaysThenFails() throws {
        var delivery = Delivery(state: .pending(nextAttemptAt: t0))
        var now = t0
        var expectedRetries: [Date] = []
        for attempt in 1...3 {
            let token = UUID()
            delivery = try XCTUnwrap(delivery.claimed(token: token, at: now, policy: policy))
            delivery = try XCTUnwrap(
                delivery.recording(
                    .temporary(reason: "451 try later"), token: token, at: now,
                    policy: policy))
            XCTAssertEqual(delivery.attempts, attempt)
            if case .pending(let next) = delivery.state {
                XCTAssertNil(delivery.event(about: subject), "no event while it waits")
                XCTAssertEqual(delivery.lastError, "451 try later")
                expectedRetries.append(next)
                now = next
            }
        }
        XCTAssertEqual(expectedRetries, [t0.addingTimeInterval(2), t0.addingTimeInterval(12)])
        XCTAssertEqual(
            delivery.state, .failed(at: t0.addingTimeInterval(12), reason: "451 try later"),
            "the third temporary refusal is the last try")
        let failed = try XCTUnwrap(delivery.event(about: subject) as? NotificationFailed)
        XCTAssertEqual(failed.attempts, 3)
        XCTAssertEqual(failed.reason, "451 try later")
    }

    func testPermanentRefusalFailsAtOnce() throws {
        let token = UUID()
        let failed = try XCTUnwrap(
            try sending(token: token, at: t0)
                .recording(.permanent(reason: "550 no such user"), token: token, at: t0, policy: policy))
        XCTAssertEqual(failed.state, .failed(at: t0, reason: "550 no such user"))
        XCTAssertEqual(failed.attempts, 1)
        XCTAssertNotNil(failed.event(about: subject) as? NotificationFailed)
    }

    func testReasonIsCutTo500Characters() throws {
        let token = UUID()
        let long = String(repeating: "x", count: 2000)
        let failed = try XCTUnwrap(
            try sending(token: token, at: t0)
                .recording(.permanent(reason: long), token: token, at: t0, policy: policy))
        guard case .failed(_, let reason) = failed.state else { return XCTFail("failed expected") }
        XCTAssertEqual(reason.count, 500)
    }

    func testSMTPRepliesAreClassified() {
        XCTAssertEqual(
            SMTPTransport.classify(curlCode: 55, smtpCode: 451, reason: "451 later"), .temporary(reason: "451 later"))
        XCTAssertEqual(
            SMTPTransport.classify(curlCode: 55, smtpCode: 550, reason: "550 no"), .permanent(reason: "550 no"))
        XCTAssertEqual(
            SMTPTransport.classify(curlCode: 7, smtpCode: 0, reason: "refused"), .temporary(reason: "refused"))
    }

    func testCentreAndUnreachableNoticesAnnounceThemselves() throws {
        let centre = Delivery.initial(for: .centre("cog-1"), at: t0)
        var centreSubject = subject
        centreSubject.channel = .centre
        XCTAssertEqual((centre.event(about: centreSubject) as? NotificationSent)?.channel, .centre)
        let nobody = Delivery.initial(for: .unreachable, at: t0)
        let failed = try XCTUnwrap(nobody.event(about: subject) as? NotificationFailed)
        XCTAssertEqual(failed.attempts, 0)
        XCTAssertEqual(failed.reason, Delivery.noContactReason)
    }
}

/// Every variable the service reads, parsed in one place (`NotificationSettings.fromEnvironment`).
final class NotificationSettingsTests: XCTestCase {
    func testEnvironmentIsParsedInOnePlace() throws {
        let secret = String(repeating: "ab", count: 32)
        let settings = try NotificationSettings.fromEnvironment(
            [
                "HROMADA_TRACKING_URL": "https://hromada.example/track", "HROMADA_SMTP_MAX_ATTEMPTS": "4",
                "HROMADA_SMTP_RETRY_DELAYS": "1, 5", "HROMADA_SESSION_SECRET": secret,
                "HROMADA_PUBLIC_URL": "https://notices.example", "HROMADA_SMTP_LEASE_SECONDS": "30",
            ], port: 8082)
        XCTAssertEqual(settings.trackingURL, "https://hromada.example/track")
        XCTAssertEqual(settings.deliveryPolicy.maxAttempts, 4)
        XCTAssertEqual(settings.deliveryPolicy.lease, .seconds(30))
        XCTAssertEqual(try NotificationSettings.fromEnvironment([:]).lease, .seconds(180), "the default")
        XCTAssertEqual(settings.deliveryPolicy.retryDelays, [.seconds(1), .seconds(5)])
        let web = try XCTUnwrap(settings.web)
        XCTAssertEqual(web.cookieName, "hromada_notification")
        XCTAssertEqual(web.sessionSecret.bytes, Array(repeating: 0xab, count: 32))
        XCTAssertFalse(web.sessionSecret.isRandom)
        XCTAssertEqual(
            web.publicURL.link(path: "/centres/cog-1/notices"), "https://notices.example/centres/cog-1/notices")
        XCTAssertTrue(try NotificationSettings.fromEnvironment([:]).web?.sessionSecret.isRandom ?? false)
        for (name, value) in [
            ("HROMADA_SESSION_SECRET", "not-hex-secret"), ("HROMADA_SMTP_MAX_ATTEMPTS", "-3"),
            ("HROMADA_SMTP_URL", "http://mail"), ("HROMADA_SMTP_RETRY_DELAYS", "soon"),
            ("HROMADA_SMTP_LEASE_SECONDS", "5"), ("HROMADA_SMTP_LEASE_SECONDS", "3-minutes"),
        ] {
            XCTAssertThrowsError(try NotificationSettings.fromEnvironment([name: value])) { error in
                XCTAssertTrue("\(error)".contains(name), "\(error)")
                XCTAssertFalse("\(error)".contains(value), "the value is never echoed")
            }
        }
    }

    /// Every variable is read through `EnvironmentReader`: blanks and a line break at either end (a
    /// value from a file) are not part of it, and a blank value is the default.
    func testValuesAreTrimmedAndBlankIsTheDefault() throws {
        let settings = try NotificationSettings.fromEnvironment([
            "HROMADA_SMTP_MAX_ATTEMPTS": " 4\n", "HROMADA_TRACKING_URL": "https://hromada.example/track\n",
            "HROMADA_SMTP_FROM": "  ", "HROMADA_INTAKE_URL": "https://intake.example\r\n",
        ])
        XCTAssertEqual(settings.deliveryPolicy.maxAttempts, 4)
        XCTAssertEqual(settings.trackingURL, "https://hromada.example/track")
        XCTAssertEqual(settings.from, try NotificationSettings.fromEnvironment([:]).from)
        XCTAssertEqual(settings.intakeURL.link(path: "/photos"), "https://intake.example/photos")
    }
}
