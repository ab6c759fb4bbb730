import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaCore
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

/// No personal data in error text: a message that fails on a value containing a resident's name
/// is dead-lettered, and neither its `x-hromada-last-error` header nor any log line above debug
/// carries the name, although PostgreSQL's own message quotes it.
final class RedactionTests: XCTestCase {
    static let residentName = "Олена Петренко"

    /// Casts the note to an integer: PostgreSQL refuses it with
    /// `invalid input syntax for type integer: "<note>"`, quoting the value.
    struct EchoingHandler: EventHandler {
        func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
            let returned = try event.envelope.decode(AppealReturned.self)
            _ = try connection.query("SELECT \(returned.reason)::int")
        }
    }

    func testAFailureQuotingAResidentsNameIsDeadLetteredWithoutTheName() async throws {
        let logs = CapturedLogs()
        let fixture = try await RuntimeFixture.make(logger: logs.logger(level: .trace))
        var settings = EventConsumer.Settings()
        settings.retryDelays = [.milliseconds(50)]
        settings.prefetch = 10
        fixture.runtime.addConsumer(
            queue: RuntimeFixture.serviceQueue, bindings: ["appeal.returned.v1"], handler: EchoingHandler(),
            settings: settings)
        let harness = try await ServiceHarness.start(runtime: fixture.runtime, router: fixture.runtime.makeRouter())
        addTeardownBlock {
            await harness.stop()
            await fixture.tearDown()
        }
        let ready = try await eventually(timeout: .seconds(15)) {
            try await harness.request("GET", "/health/ready").status == 200
        }
        XCTAssertTrue(ready)

        // The premise: the server's message does quote the value.
        do {
            _ = try await fixture.runtime.database.withConnection {
                try $0.query("SELECT \(Self.residentName)::int").count
            }
            XCTFail("the cast must fail")
        } catch let error as PostgresError {
            XCTAssertTrue(error.debugDescription.contains(Self.residentName), error.debugDescription)
            XCTAssertFalse(error.description.contains(Self.residentName))
        }

        let envelope = try RuntimeFixture.envelope(note: "\(Self.residentName), вул. Садова 5")
        try await fixture.publish(envelope)
        var dead: AMQPDelivery?
        let arrived = try await eventually(timeout: .seconds(20)) {
            dead = try await fixture.observer.get(queue: EventTopology.deadLetterQueue(RuntimeFixture.serviceQueue))
            return dead != nil
        }
        XCTAssertTrue(arrived, "the failing message is dead-lettered")
        let message = try XCTUnwrap(dead)
        XCTAssertEqual(message.properties.messageID, envelope.id.lowercaseUUID)
        guard case .string(let reason)? = message.properties.headers[Topology.Header.lastError] else {
            return XCTFail("the dead letter says why it died")
        }
        XCTAssertFalse(reason.contains("Олена"), reason)
        XCTAssertFalse(reason.contains("Петренко"), reason)
        XCTAssertTrue(reason.contains("22P02"), "the code and SQLSTATE stay: \(reason)")

        let visible = logs.all.filter { $0.level > .debug }
        XCTAssertTrue(visible.contains { $0.text.contains("dead-lettered") }, "the dead-lettering is logged")
        for entry in visible {
            let named = entry.text.contains("Олена") || entry.text.contains("Петренко")
            XCTAssertFalse(named, "\(entry.level): \(entry.text)")
        }
    }

    func testRedactedDescriptionOfTheSharedErrors() {
        let postgres: any Error = PostgresError(
            code: .queryFailed, sqlState: "23505", serverMessage: "Key (email)=(olena@example.com) already exists.")
        XCTAssertFalse(postgres.redactedDescription.contains("olena"))
        XCTAssertTrue(postgres.redactedDescription.contains("23505"))
        let contract: any Error = ContractError(
            code: .missingField, field: "payload.author", reason: "required field is missing")
        XCTAssertEqual(
            contract.redactedDescription, "ContractError(missingField) at payload.author: required field is missing")
        let permanent: any Error = PermanentEventError("ticket.assigned v1 does not match the contract")
        XCTAssertEqual(permanent.redactedDescription, "ticket.assigned v1 does not match the contract")
        struct Unknown: Error, CustomStringConvertible { var description: String { "value: Олена" } }
        let unknown: any Error = Unknown()
        XCTAssertFalse(unknown.redactedDescription.contains("Олена"), "unknown errors show their type only")
        XCTAssertTrue(unknown.redactedDescription.hasSuffix("Unknown"), unknown.redactedDescription)
    }
}
