import Foundation
import HromadaAPI
import HromadaContracts
import XCTest

/// The services' published JSON types as hromadactl decodes them: the shapes ARCHITECTURE.md fixes,
/// UUIDs read in either case and written lower-case, extra fields tolerated.
final class APITypesTests: XCTestCase {
    func testTicketsAndErrorsDecodeAsTheContractFixes() throws {
        let tickets = Data(
            """
            [{"id":"6F1C2D3E-0000-4000-8000-00000000000A","registrationNumber":"MK-2026-000001","authority":"zhkg",
              "status":"assigned","priority":true,"deadline":"2026-12-15","overdue":false,"daysLeft":15,
              "somethingNew":{"nested":[1,2]}}]
            """.utf8)
        let list = try APICoding.decode([RoutingJSON.Ticket].self, from: tickets)
        XCTAssertEqual(list.first?.id, UUID(uuidString: "6f1c2d3e-0000-4000-8000-00000000000a"))
        XCTAssertEqual(list.first?.deadline, "2026-12-15")
        XCTAssertEqual(list.first?.daysLeft, 15)
        XCTAssertNil(list.first?.subject)
        let encoded = String(decoding: try APICoding.encoder().encode(list), as: UTF8.self)
        XCTAssertTrue(encoded.contains("\"id\":\"6f1c2d3e-0000-4000-8000-00000000000a\""), encoded)

        let errors = try APICoding.decode(
            ErrorBody.self,
            from: Data(
                (#"{"errors":[{"field":"author.fullName","code":"required","message":"author.fullName is required"},"#
                    + #"{"code":"x","message":"y"}]}"#).utf8))
        XCTAssertEqual(errors.errors.map(\.code), ["required", "x"])
        XCTAssertEqual(errors.errors.first?.field, "author.fullName")
        XCTAssertNil(errors.errors.last?.field)
        XCTAssertThrowsError(
            try APICoding.decode(ErrorBody.self, from: Data(#"{"errors":[{"message":"no code"}]}"#.utf8)))
    }

    func testRegistrationHealthAndAuditShapes() throws {
        let registered = try APICoding.decode(
            IntakeJSON.AppealRegistered.self,
            from: Data(
                """
                {"id":"0b9c3c6e-5d1f-4c1a-9d7e-3a2b1c0d9e8f","registrationNumber":"MK-2026-000007",\
                "trackingToken":"483920",
                 "status":"registered","registeredAt":"2026-11-30T10:15:00.000+02:00"}
                """.utf8))
        XCTAssertEqual(registered.registrationNumber, "MK-2026-000007")
        XCTAssertEqual(registered.registeredAt, ISO8601.parse("2026-11-30T08:15:00Z"))
        XCTAssertNil(registered.repeatOf)

        let ready = try APICoding.decode(
            HealthStatus.self,
            from: Data(
                """
                {"status":"ready","service":"routing","version":"0.1.0","checks":{"database":"ok","broker":"failing"},
                 "outbox":{"rows":3,"oldestSeconds":1.5}}
                """.utf8))
        XCTAssertEqual(ready.checks?["broker"], "failing")
        XCTAssertEqual(ready.outbox, HealthStatus.OutboxLag(rows: 3, oldestSeconds: 1.5))
        let live = try APICoding.decode(
            HealthStatus.self, from: Data(#"{"status":"live","service":"audit","version":"0.1.0"}"#.utf8))
        XCTAssertNil(live.checks)

        // `firstBadSequence` is an explicit null when the chain is whole, as audit writes it.
        let whole = AuditJSON.Verification(ok: true, entries: 12)
        let json = String(decoding: try APICoding.encoder().encode(whole), as: UTF8.self)
        XCTAssertTrue(json.contains("\"firstBadSequence\":null"), json)
        let broken = try APICoding.decode(
            AuditJSON.Verification.self,
            from: Data(
                """
                {"ok":false,"entries":12,"firstBadSequence":7,"reason":"hash-mismatch",\
                "checkpointsChecked":2,"headSequence":12}
                """.utf8))
        XCTAssertEqual(broken.firstBadSequence, 7)
        XCTAssertEqual(broken.reason, "hash-mismatch")

        let trail = try APICoding.decode(
            AuditJSON.Trail.self,
            from: Data(
                """
                {"registrationNumber":"MK-2026-000007",\
                "entries":[{"sequence":1,"eventId":"0B9C3C6E-5D1F-4C1A-9D7E-3A2B1C0D9E8F",
                 "type":"appeal.registered","correlationId":"0b9c3c6e-5d1f-4c1a-9d7e-3a2b1c0d9e8f",
                 "occurredAt":"2026-11-30T10:15:00+02:00","recordedAt":"2026-11-30T10:15:01+02:00",\
                "actor":"hromada-intake",
                 "hash":"ab","payload":{"author":"[erased]"}}]}
                """.utf8))
        XCTAssertEqual(trail.entries.first?.payload, .object(["author": .string("[erased]")]))
        XCTAssertEqual(
            trail.entries.first?.eventId, trail.entries.first?.correlationId, "either case reads the same UUID")
    }

    func testOfficialsCentresAndRulesRoundTrip() throws {
        let officials = try APICoding.decode(
            [RoutingJSON.Official].self,
            from: Data(
                """
                [{"id":"0b9c3c6e-5d1f-4c1a-9d7e-3a2b1c0d9e8f","name":"Іван","authority":"zhkg","role":"head",\
                "active":true,
                  "hasToken":true,"createdAt":"2026-11-30T10:15:00+02:00","updatedAt":"2026-11-30T10:15:00+02:00"}]
                """.utf8))
        XCTAssertEqual(officials.first?.role, "head")
        let rules = RoutingJSON.RuleSetUpdate(
            expectedVersion: 3, rules: [.init(category: "heating", authority: "zhkg")])
        let decoded = try APICoding.decode(RoutingJSON.RuleSetUpdate.self, from: try APICoding.encoder().encode(rules))
        XCTAssertEqual(decoded, rules)
        let centre = try APICoding.decode(
            IntakeJSON.Centre.self,
            from: Data(
                """
                {"id":"demo-library","name":"ЦНАП","address":"вул. Адміральська, 14","active":true,\
                "updatedAt":"2026-11-30T10:15:00+02:00"}
                """.utf8))
        XCTAssertEqual(centre.id, "demo-library")
        XCTAssertTrue(centre.active)
    }
}
