import Foundation
import HromadaContracts
import HromadaTestSupport
import XCTest

@testable import Routing

/// Batched registrations through the real broker and consumer (issue 16): a burst of registrations
/// with a poison event and a redelivered one among them yields one ticket and one `ticket.assigned`
/// per appeal, and only the poison reaches `hromada.routing.dead` (the consumer splits the failed
/// batch and handles each event alone).
final class RegistrationBatchEndToEndTests: XCTestCase {
    static let registered = TicketSamples.now

    func testABurstWithAPoisonEventYieldsEveryOtherTicketOnceAndDeadLettersOnlyThePoison() async throws {
        let f = try await RoutingFixture.start(self, clock: TestClock(Self.registered), prefetch: 100)
        let appeals = (0..<40).map { RegistrationBatchBench.appeal($0) }
        var envelopes = try appeals.map(f.envelope)
        var poison = try f.envelope(RegistrationBatchBench.appeal(99))
        guard case .object(var payload) = poison.payload else { return XCTFail("payload is an object") }
        payload["registeredAt"] = .string("not a date")
        poison.payload = .object(payload)
        envelopes.insert(poison, at: 17)
        envelopes.insert(envelopes[3], at: 30)  // delivered twice
        try await f.publish(envelopes)

        let done = try await eventually(timeout: .seconds(30)) {
            try await f.count("SELECT count(*)::bigint FROM tickets") >= 40
        }
        XCTAssertTrue(done, "every valid registration got its ticket")
        let dead = Topology.Queue.routing.rawValue + ".dead"
        let deadLettered = try await eventually(timeout: .seconds(30)) {
            (try await f.client.queueState(dead).messages) >= 1
        }
        XCTAssertTrue(deadLettered, "the poison is dead-lettered")
        let message = try await f.client.get(queue: dead)
        XCTAssertEqual(message?.properties.messageID, poison.id.uuidString.lowercased())
        if let message { try await f.client.ack(message) }

        _ = try await eventually(timeout: .seconds(20)) {
            try await f.observed(type: TicketAssigned.eventType).count >= 40
        }
        try await Task.sleep(for: .milliseconds(500))
        let assigned = try await f.observed(type: TicketAssigned.eventType)
        XCTAssertEqual(assigned.count, 40, "one ticket.assigned per appeal")
        XCTAssertEqual(Set(assigned.map(\.correlationId)), Set(appeals.map(\.appealId)))
        let causes = Dictionary(
            envelopes.filter { $0.id != poison.id }.map { ($0.correlationId, $0.id) }, uniquingKeysWith: { a, _ in a })
        for event in assigned { XCTAssertEqual(event.causationId, causes[event.correlationId]) }
        let tickets = try await f.count("SELECT count(*)::bigint FROM tickets")
        XCTAssertEqual(tickets, 40)
        let remaining = try await f.client.queueState(dead).messages
        XCTAssertEqual(remaining, 0, "nothing else was dead-lettered")
    }
}
