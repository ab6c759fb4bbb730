import Foundation
import HromadaContracts
import Logging
import Synchronization
import XCTest

@testable import Notification

/// A round's outcomes are written in one transaction, its emails share the lanes' connections, and a
/// sender that dies between the mail server's acceptance and that one commit has at most that round
/// sent again (in memory: the store stands for the database, the transport for the mail server).
final class DeliveryRoundBatchingTests: XCTestCase {
    func sender(
        _ store: any DeliveryStore, _ transport: any MailTransport, lease: Duration = .seconds(180), threads: Int = 2,
        batchSize: Int = 20
    ) -> DeliverySender {
        memorySender(store, transport, lease: lease, threads: threads, batchSize: batchSize)
    }

    func testARoundOfTwelveEmailsIsRecordedInOneTransaction() async throws {
        let memory = MemoryDeliveryStore()
        var ids: [UUID] = []
        for n in 0..<12 { ids.append(await memory.add(address: "r\(n)@example.org", later: Double(n) * 0.001)) }
        let store = RoundStore(memory)
        let transport = ConnectionCountingTransport()
        let sender = sender(store, transport, threads: 3)

        let claimed = try await sender.round()
        XCTAssertEqual(claimed, 12)
        let transactions = await store.transactions
        XCTAssertEqual(transactions, [12], "one write of all twelve outcomes, not one per email")
        XCTAssertEqual(transport.sends.sorted(), (0..<12).map { "r\($0)@example.org" }.sorted())
        for id in ids {
            let delivery = await memory.delivery(id)
            guard case .sent = delivery?.state else { return XCTFail("not recorded as sent: \(id)") }
        }
    }

    func testEachLaneSendsItsEmailsOverOneConnectionKeptAcrossRounds() async throws {
        let memory = MemoryDeliveryStore()
        for n in 0..<10 { _ = await memory.add(address: "c\(n)@example.org", later: Double(n) * 0.001) }
        let transport = ConnectionCountingTransport()
        let sender = sender(memory, transport, threads: 2, batchSize: 5)

        let first = try await sender.round()
        let second = try await sender.round()
        XCTAssertEqual(first + second, 10)
        XCTAssertEqual(transport.sends.count, 10)
        XCTAssertLessThanOrEqual(transport.opened, 2, "one connection per lane, kept for the next round")
        XCTAssertGreaterThanOrEqual(transport.opened, 1)
    }

    /// Round 1 commits; in round 2 the sender dies after every email was accepted and before the
    /// commit (its store calls never return, like a killed process's). Another sender, once the lease
    /// has run out, sends exactly round 2's emails again, nothing of round 1, and the rest once.
    func testASenderKilledBeforeItsRoundCommitsHasAtMostThatRoundSentAgain() async throws {
        let memory = MemoryDeliveryStore()
        for n in 0..<12 { _ = await memory.add(address: "k\(n)@example.org", later: Double(n) * 0.001) }
        let dying = RoundStore(memory)
        let transport = ConnectionCountingTransport()
        let first = sender(dying, transport, lease: .seconds(1), batchSize: 5)

        let roundOne = try await first.round()
        XCTAssertEqual(roundOne, 5)
        let committed = Set(transport.sends)
        await dying.dieAtNextWrite()
        let roundTwo = Task { try await first.round() }
        let died = await waitUntil { await dying.isDead }
        XCTAssertTrue(died, "round 2 never reached its commit")
        let inFlight = Set(transport.sends).subtracting(committed)
        XCTAssertEqual(inFlight.count, 5, "round 2 sent its five before the commit")

        let second = sender(memory, transport, lease: .seconds(1), batchSize: 5)
        try await Task.sleep(for: .milliseconds(1500))  // the dead sender's lease runs out
        var claimedBySecond = 0
        for _ in 0..<5 { claimedBySecond += try await second.round() }
        XCTAssertEqual(claimedBySecond, 7, "round 2's five again, and the two never claimed")

        var copies: [String: Int] = [:]
        for address in transport.sends { copies[address, default: 0] += 1 }
        XCTAssertEqual(copies.count, 12, "every email was sent")
        let twice = Set(copies.filter { $0.value > 1 }.keys)
        XCTAssertEqual(twice, inFlight, "exactly the dead round's emails were sent again")
        XCTAssertTrue(copies.values.allSatisfy { $0 <= 2 })

        // Clean up the dead sender: shut down, its calls fail, it gives up once its lease is gone.
        roundTwo.cancel()
        await dying.revive()
        _ = try? await roundTwo.value
    }
}

/// `MemoryDeliveryStore` behind a store that writes a round in one call (what `NotificationStore`'s
/// one transaction is) and counts those calls; it can also die: from `dieAtNextWrite` on, its next
/// write and every call after it wait forever (until `revive`, after which they fail).
actor RoundStore: DeliveryStore {
    let inner: MemoryDeliveryStore
    private(set) var transactions: [Int] = []
    private var dieAtWrite = false
    private(set) var isDead = false
    private var revived = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    struct Dead: Error {}

    init(_ inner: MemoryDeliveryStore) { self.inner = inner }

    func dieAtNextWrite() { dieAtWrite = true }

    func revive() {
        revived = true
        for continuation in waiting { continuation.resume() }
        waiting = []
    }

    private func hangIfDead() async throws {
        guard isDead else { return }
        if !revived { await withCheckedContinuation { waiting.append($0) } }
        throw Dead()
    }

    func claimDue(token: UUID, at now: Date, policy: DeliveryPolicy, limit: Int) async throws -> [ClaimedDelivery] {
        try await hangIfDead()
        return try await inner.claimDue(token: token, at: now, policy: policy, limit: limit)
    }

    func record(_ next: Delivery, for claimed: ClaimedDelivery, token: UUID) async throws -> Bool {
        try await recordAll([RecordedOutcome(next: next, claimed: claimed)], token: token)
            .contains(claimed.subject.notificationId)
    }

    func recordAll(_ outcomes: [RecordedOutcome], token: UUID) async throws -> Set<UUID> {
        if dieAtWrite { isDead = true }
        try await hangIfDead()
        transactions.append(outcomes.count)
        return try await inner.recordAll(outcomes, token: token)
    }

    func renewLeases(token: UUID, ids: [UUID], until: Date) async throws -> Set<UUID> {
        try await hangIfDead()
        return try await inner.renewLeases(token: token, ids: ids, until: until)
    }

    func releaseLeases(token: UUID, ids: [UUID]) async throws -> Int {
        try await hangIfDead()
        return try await inner.releaseLeases(token: token, ids: ids)
    }
}

/// A mail server that accepts everything and counts the connections opened to it.
final class ConnectionCountingTransport: MailTransport {
    private let state = Mutex<(opened: Int, sends: [String])>((0, []))

    var opened: Int { state.withLock { $0.opened } }
    var sends: [String] { state.withLock { $0.sends } }

    func send(message: [UInt8], mailFrom: String, recipient: String) -> SendOutcome {
        state.withLock { $0.sends.append(recipient) }
        return .sent
    }

    func openConnection() -> any MailConnection {
        state.withLock { $0.opened += 1 }
        return OneShotMailConnection(transport: self)
    }
}
