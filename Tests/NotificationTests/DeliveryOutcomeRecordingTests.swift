import Foundation
import HromadaContracts
import Logging
import Synchronization
import XCTest

@testable import Notification

/// `DeliverySender` in memory: once the mail server has accepted a message, its outcome is kept and
/// recorded however long the database refuses, the claim stays the sender's meanwhile, and the
/// message is sent exactly once.
final class DeliveryOutcomeRecordingTests: XCTestCase {
    func sender(
        _ store: MemoryDeliveryStore, _ transport: CountingTransport, lease: Duration = .seconds(180),
        threads: Int = 2
    ) -> DeliverySender {
        memorySender(store, transport, lease: lease, threads: threads)
    }

    func testAcceptedMessageIsRecordedAfterTheStoreFailsNTimesAndIsSentOnce() async throws {
        let store = MemoryDeliveryStore()
        let id = await store.add(address: "r1@example.org")
        await store.failNextRecords(4)
        let transport = CountingTransport()
        let sender = sender(store, transport)

        let claimed = try await sender.round()
        XCTAssertEqual(claimed, 1)
        XCTAssertEqual(transport.sends, ["r1@example.org"], "exactly one SMTP transaction")
        let recordCalls = await store.recordCalls
        XCTAssertEqual(recordCalls, 5, "four refused writes, then the one that committed")
        let delivery = await store.delivery(id)
        guard case .sent = delivery?.state else {
            return XCTFail("not recorded as sent: \(String(describing: delivery))")
        }
        XCTAssertEqual(delivery?.attempts, 1)

        let again = try await sender.round()
        XCTAssertEqual(again, 0, "nothing is due any more")
        XCTAssertEqual(transport.sends.count, 1)
    }

    /// The lease is 1 s and the store refuses the "sent" write for 2.5 s: without renewals the lease
    /// would lapse and the second sender would claim the row and send it again.
    func testNoOtherSenderClaimsTheDeliveryWhileItsOutcomeIsPending() async throws {
        let store = MemoryDeliveryStore()
        let id = await store.add(address: "r2@example.org")
        await store.failRecords(until: Date().addingTimeInterval(2.5))
        let transport = CountingTransport()
        let first = sender(store, transport, lease: .seconds(1))
        let second = sender(store, transport, lease: .seconds(1))

        let firstRound = Task { try await first.round() }
        let sending = await waitUntil { transport.started >= 1 }
        XCTAssertTrue(sending, "the first sender never sent")
        var secondClaims = 0
        let deadline = ContinuousClock.now + .seconds(4)
        while ContinuousClock.now < deadline {
            secondClaims += (try? await second.round()) ?? 0
            try await Task.sleep(for: .milliseconds(100))
        }
        let firstClaims = try await firstRound.value
        XCTAssertEqual(firstClaims, 1)
        XCTAssertEqual(secondClaims, 0, "the second sender claimed a row whose outcome was pending")
        XCTAssertEqual(transport.sends, ["r2@example.org"])
        let renewals = await store.renewCalls
        XCTAssertGreaterThanOrEqual(renewals, 3, "the lease was renewed while the write was refused")
        let delivery = await store.delivery(id)
        guard case .sent = delivery?.state else {
            return XCTFail("not recorded as sent: \(String(describing: delivery))")
        }
    }

    /// A graceful shutdown (the round's task cancelled) while the outcome cannot be written: the
    /// accepted message's outcome is still recorded, and the row not yet started is not sent.
    func testShutdownStillRecordsWhatWasSentAndStartsNothingNew() async throws {
        let store = MemoryDeliveryStore()
        let first = await store.add(address: "r3@example.org")
        let second = await store.add(address: "r4@example.org", later: 0.001)
        await store.failNextRecords(3)
        let transport = CountingTransport(delay: .milliseconds(300))
        let sender = sender(store, transport, threads: 1)

        let round = Task { try await sender.round() }
        let started = await waitUntil { transport.started >= 1 }
        XCTAssertTrue(started, "the first send never started")
        round.cancel()
        _ = try await round.value
        XCTAssertEqual(transport.sends, ["r3@example.org"], "only the send in flight happened")
        let sent = await store.delivery(first)
        guard case .sent = sent?.state else { return XCTFail("the accepted message was not recorded") }
        let untouched = await store.delivery(second)
        guard case .pending = untouched?.state else { return XCTFail("the unsent row should be given back") }
        XCTAssertEqual(untouched?.attempts, 0)
        XCTAssertEqual(untouched?.isClaimable(at: Date()), true, "claimable at once, not after the lease")
    }
}

extension XCTestCase {
    /// A `DeliverySender` over in-memory doubles, its threads started (and stopped at teardown).
    func memorySender(
        _ store: any DeliveryStore, _ transport: any MailTransport, lease: Duration = .seconds(180), threads: Int = 2,
        batchSize: Int = 20
    ) -> DeliverySender {
        var logger = Logger(label: "test.delivery-sender")
        logger.logLevel = .critical
        let settings = NotificationSettings(
            lease: lease, pollInterval: .milliseconds(50), batchSize: batchSize, senderThreads: threads)
        let sender = DeliverySender(
            store: store, transport: transport, settings: settings, logger: logger,
            recordBackoffLimit: .milliseconds(40))
        sender.threads.start()
        addTeardownBlock { try? await sender.threads.shutdownGracefully() }
        return sender
    }

    func waitUntil(_ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}

/// Deliveries in memory with `NotificationStore`'s lease rules (`Delivery.isClaimable`), and refusals
/// on demand: the next N record calls, or every record call until a time.
actor MemoryDeliveryStore: DeliveryStore {
    struct Row {
        var claimed: ClaimedDelivery
        var delivery: Delivery
    }

    struct Refused: Error {}

    private var rows: [UUID: Row] = [:]
    private var order: [UUID] = []
    private var refuseRecords = 0
    private var refuseRecordsUntil: Date?
    private(set) var recordCalls = 0
    private(set) var renewCalls = 0

    func add(address: String, later offset: TimeInterval = 0) -> UUID {
        let id = UUID()
        let subject = Delivery.Subject(
            notificationId: id, sourceEventId: UUID(), sourceEventType: AppealRegistered.eventType, appealId: UUID(),
            registrationNumber: "MK-2026-000001", channel: .email, recipientKind: .resident)
        let delivery = Delivery(state: .pending(nextAttemptAt: Date().addingTimeInterval(-1 + offset)))
        let claimed = ClaimedDelivery(
            subject: subject, correlationId: UUID(), address: address,
            title: "Звернення зареєстровано",
            body: "Текст", createdAt: Date(), delivery: delivery)
        rows[id] = Row(claimed: claimed, delivery: delivery)
        order.append(id)
        return id
    }

    func failNextRecords(_ count: Int) { refuseRecords = count }
    func failRecords(until: Date) { refuseRecordsUntil = until }
    func delivery(_ id: UUID) -> Delivery? { rows[id]?.delivery }

    func claimDue(token: UUID, at now: Date, policy: DeliveryPolicy, limit: Int) async throws -> [ClaimedDelivery] {
        var result: [ClaimedDelivery] = []
        for id in order where result.count < limit {
            guard var row = rows[id], let next = row.delivery.claimed(token: token, at: now, policy: policy) else {
                continue
            }
            row.delivery = next
            row.claimed = ClaimedDelivery(
                subject: row.claimed.subject, correlationId: row.claimed.correlationId, address: row.claimed.address,
                title: row.claimed.title, body: row.claimed.body, createdAt: row.claimed.createdAt, delivery: next)
            rows[id] = row
            result.append(row.claimed)
        }
        return result
    }

    func record(_ next: Delivery, for claimed: ClaimedDelivery, token: UUID) async throws -> Bool {
        recordCalls += 1
        if refuseRecords > 0 {
            refuseRecords -= 1
            throw Refused()
        }
        if let until = refuseRecordsUntil, Date() < until { throw Refused() }
        let id = claimed.subject.notificationId
        guard var row = rows[id], case .sending(let lease) = row.delivery.state, lease.token == token else {
            return false
        }
        row.delivery = next
        rows[id] = row
        return true
    }

    func releaseLeases(token: UUID, ids: [UUID]) async throws -> Int {
        var released = 0
        for id in ids {
            guard var row = rows[id], case .sending(let lease) = row.delivery.state, lease.token == token else {
                continue
            }
            row.delivery.state = .pending(nextAttemptAt: Date().addingTimeInterval(-1))
            rows[id] = row
            released += 1
        }
        return released
    }

    func renewLeases(token: UUID, ids: [UUID], until: Date) async throws -> Set<UUID> {
        renewCalls += 1
        var held: Set<UUID> = []
        for id in ids {
            guard var row = rows[id], case .sending(let lease) = row.delivery.state, lease.token == token else {
                continue
            }
            row.delivery.state = .sending(DeliveryLease(token: token, until: until))
            rows[id] = row
            held.insert(id)
        }
        return held
    }
}

/// A mail server that accepts everything (after `delay`) and remembers each recipient it was given.
final class CountingTransport: MailTransport {
    private let state = Mutex<(started: Int, sends: [String])>((0, []))
    let delay: Duration

    init(delay: Duration = .zero) { self.delay = delay }

    var started: Int { state.withLock { $0.started } }
    var sends: [String] { state.withLock { $0.sends } }

    func send(message: [UInt8], mailFrom: String, recipient: String) -> SendOutcome {
        state.withLock { $0.started += 1 }
        if delay > .zero { Thread.sleep(forTimeInterval: delay.seconds) }
        state.withLock { $0.sends.append(recipient) }
        return .sent
    }
}
