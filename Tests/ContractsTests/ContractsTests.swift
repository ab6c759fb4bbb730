import Foundation
import XCTest

@testable import HromadaContracts

final class RoutingKeyTests: XCTestCase {
    func testEventRoutingKeys() {
        let assigned = TicketAssigned(
            ticketId: UUID(), appealId: UUID(), registrationNumber: "MK-2026-000001", authority: "zhkg",
            category: "heating",
            priority: false, deadline: LocalDate(string: "2026-12-01")!, assignedAt: Date())
        XCTAssertEqual(assigned.routingKey, "ticket.assigned.v1.zhkg")
        XCTAssertEqual(Samples.registered.routingKey, "appeal.registered.v1")
        XCTAssertEqual(
            AuditCheckpoint(sequence: 1, headHash: "00", entries: 1, createdAt: Date()).routingKey,
            "audit.checkpoint.v1")
    }

    func testEnvelopeRoutingKeyMatchesTheEvent() {
        for sample in Samples.all {
            let expected: String
            if let authority = sample.envelope.payload["authority"]?.stringValue, sample.type.hasPrefix("ticket.") {
                expected = "\(sample.type).v1.\(authority)"
            } else {
                expected = "\(sample.type).v1"
            }
            XCTAssertEqual(sample.envelope.routingKey, expected)
        }
        XCTAssertEqual(
            Samples.all.first { $0.type == "ticket.forwarded" }?.envelope.routingKey,
            "ticket.forwarded.v1.tsentralnyi-administration")
        XCTAssertEqual(Samples.all.first { $0.type == "official.updated" }?.envelope.routingKey, "official.updated.v1")
    }

    func testTopologyNames() {
        XCTAssertEqual(Topology.eventsExchange, "hromada.events")
        XCTAssertEqual(Topology.deadLetterExchange, "hromada.dlx")
        XCTAssertEqual(Topology.deadLetterQueue(.audit), "hromada.audit.dead")
        XCTAssertEqual(Topology.retryQueue(.routing, tier: 2), "hromada.routing.retry.2")
        XCTAssertEqual(
            Topology.retryQueues(.intake), ["hromada.intake.retry.0"], "one broker retry queue per consumer queue")
        XCTAssertEqual(
            Topology.Queue.allCases.map(\.rawValue),
            ["hromada.intake", "hromada.routing", "hromada.notification", "hromada.audit"])
        XCTAssertEqual(Topology.retryDelayMilliseconds(tier: 0), 1000)
        XCTAssertEqual(Topology.retryDelayMilliseconds(tier: 2), 30_000)
        XCTAssertEqual(Topology.deadLetterQueue("hromada.routing"), "hromada.routing.dead")
        XCTAssertEqual(Topology.retryQueue("hromada.audit", tier: 0), "hromada.audit.retry.0")
    }

    /// The one retry policy, the one the consumers apply (`EventConsumer.Settings` defaults to it;
    /// RuntimeTests checks that side): a try, then one more after each delay, then `.dead`.
    func testRetryPolicyInUse() {
        XCTAssertEqual(Topology.retryPolicy, RetryPolicy.standard)
        XCTAssertEqual(Topology.retryDelays, [.seconds(1), .seconds(5), .seconds(30)])
        XCTAssertEqual(Topology.maxAttempts, 4, "retryDelays.count + 1 tries")
        // Attempts 1…3 fail → retry tiers 0,1,2; attempt 4 fails → dead letter.
        XCTAssertEqual((1...5).map { Topology.retryTier(afterFailedAttempt: $0) }, [0, 1, 2, nil, nil])
        XCTAssertEqual(Topology.retryPolicy.redeliveryWindow, .seconds(36))
        let short = RetryPolicy(delays: [.milliseconds(100), .milliseconds(250)])
        XCTAssertEqual(short.maxAttempts, 3)
        XCTAssertEqual((1...3).map { short.tier(afterFailedAttempt: $0) }, [0, 1, nil])
        XCTAssertEqual(short.delayMilliseconds(tier: 1), 250)
        XCTAssertEqual(short.delayMilliseconds(tier: 7), 250, "tiers beyond the last use the last delay")
        XCTAssertEqual(
            RetryPolicy(delays: []).tier(afterFailedAttempt: 1), nil, "no delays: the first failure is final")
    }

    func testCatalogue() {
        XCTAssertEqual(
            Set(EventCatalogue.entries.map(\.type)).count, EventCatalogue.entries.count, "duplicate event types")
        XCTAssertTrue(EventCatalogue.isKnown(type: "ticket.deadline-approaching", version: 1))
        XCTAssertFalse(EventCatalogue.isKnown(type: "ticket.deadline-approaching", version: 2))
        XCTAssertFalse(EventCatalogue.isKnown(type: "ticket.unknown", version: 1))
        // The nine lifecycle events, and the inbox's notes, delegations and groups (issue 14).
        XCTAssertEqual(EventCatalogue.entries.filter(\.routingKeyCarriesAuthority).count, 12)
        for name in ["ticket.note-added", "ticket.delegated", "ticket.grouped"] {
            XCTAssertTrue(EventCatalogue.entries.contains { $0.type == name && $0.routingKeyCarriesAuthority }, name)
        }
        XCTAssertTrue(
            EventCatalogue.entries.allSatisfy { $0.routingKeyCarriesAuthority == $0.type.hasPrefix("ticket.") })
        for name in [
            "appeal.registered", "appeal.returned", "ticket.assigned", "ticket.accepted", "ticket.forwarded",
            "ticket.extended", "ticket.answered", "ticket.reopened", "ticket.deadline-approaching", "ticket.overdue",
            "notification.sent", "notification.failed", "personal-data.accessed", "audit.checkpoint",
        ] {
            XCTAssertTrue(EventCatalogue.isKnown(type: name, version: 1), name)
        }
    }
}

final class EnvelopeDecodingTests: XCTestCase {
    private func assertContractError(
        _ bytes: String, _ code: ContractError.Code, field: String? = nil, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertThrowsError(try Envelope.decode(from: Array(bytes.utf8)), file: file, line: line) { error in
            guard let error = error as? ContractError else {
                return XCTFail("not a ContractError: \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
            if let field { XCTAssertEqual(error.field, field, "\(error)", file: file, line: line) }
        }
    }

    private var valid: String { String(decoding: try! Samples.all[3].envelope.encoded(), as: UTF8.self) }

    private func mutate(_ body: (inout [String: JSONValue]) -> Void) -> String {
        var object = Samples.all[3].envelope.jsonValue.objectValue!
        body(&object)
        return try! JSONValue.object(object).canonicalString()
    }

    func testGarbageAndTruncatedInput() {
        assertContractError("", .malformedJSON)
        assertContractError("not json", .malformedJSON)
        assertContractError("\u{FF}\u{00}", .malformedJSON)
        assertContractError("[1,2,3]", .malformedJSON)
        assertContractError("\"string\"", .malformedJSON)
        assertContractError("null", .malformedJSON)
        let bytes = Array(valid.utf8)
        for cut in stride(from: 1, to: bytes.count - 1, by: 37) {
            XCTAssertThrowsError(try Envelope.decode(from: Array(bytes.prefix(cut)))) { error in
                XCTAssertEqual((error as? ContractError)?.code, .malformedJSON)
            }
        }
    }

    func testWrongShape() {
        assertContractError(mutate { $0["type"] = nil }, .missingField, field: "type")
        assertContractError(mutate { $0["payload"] = nil }, .missingField, field: "payload")
        assertContractError(mutate { $0["version"] = "1" }, .invalidField, field: "version")
        assertContractError(mutate { $0["version"] = 0 }, .invalidField, field: "version")
        assertContractError(mutate { $0["id"] = "not-a-uuid" }, .invalidField, field: "id")
        assertContractError(mutate { $0["occurredAt"] = "2026-11-27 10:15" }, .invalidDate, field: "occurredAt")
        assertContractError(mutate { $0["occurredAt"] = "2026-11-27T10:15:30" }, .invalidDate, field: "occurredAt")
        assertContractError(mutate { $0["type"] = "" }, .invalidField, field: "type")
    }

    func testNullOrAbsentCausationAndUnknownFieldsAreAccepted() throws {
        let withoutCausation = try Envelope.decode(from: Array(mutate { $0["causationId"] = nil }.utf8))
        XCTAssertNil(withoutCausation.causationId)
        let extra = mutate {
            $0["traceparent"] = "00-abc-01"
            $0["payload"]!["futureField"] = ["nested": [1, 2.5, nil]]
        }
        let envelope = try Envelope.decode(from: Array(extra.utf8))
        let event = try envelope.decode(TicketAssigned.self)
        XCTAssertEqual(event.authority, "zhkg")
        XCTAssertEqual(event.deadline, LocalDate(string: "2026-12-12"))
        // Unknown event types decode as envelopes (the audit stores everything).
        let unknown = try Envelope.decode(from: Array(mutate { $0["type"] = "thing.happened" }.utf8))
        XCTAssertEqual(unknown.routingKey, "thing.happened.v1")
        XCTAssertFalse(EventCatalogue.isKnown(type: unknown.type, version: unknown.version))
    }

    func testLowercaseUUIDsAndOtherOffsetsAreAccepted() throws {
        let text = mutate {
            $0["id"] = "6f9619ff-8b86-d011-b42d-00c04fc964ff"
            $0["occurredAt"] = "2026-11-27T12:15:30.123+02:00"
        }
        let envelope = try Envelope.decode(from: Array(text.utf8))
        XCTAssertEqual(envelope.id, UUID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FF"))
        XCTAssertEqual(envelope.occurredAt, Samples.all[3].envelope.occurredAt)
        XCTAssertTrue(
            String(decoding: try envelope.encoded(), as: UTF8.self).contains(
                "\"occurredAt\":\"2026-11-27T10:15:30.123+00:00\""))
    }

    func testTypedDecodeChecksTypeVersionAndPayload() throws {
        let envelope = Samples.all[3].envelope
        XCTAssertThrowsError(try envelope.decode(TicketAccepted.self)) {
            XCTAssertEqual(($0 as? ContractError)?.code, .eventTypeMismatch)
        }
        var future = envelope
        future.version = 2
        XCTAssertThrowsError(try future.decode(TicketAssigned.self)) {
            XCTAssertEqual(($0 as? ContractError)?.code, .versionMismatch)
        }

        var broken = envelope
        broken.payload["deadline"] = "12.12.2026"
        XCTAssertThrowsError(try broken.decode(TicketAssigned.self)) { error in
            XCTAssertEqual((error as? ContractError)?.code, .invalidDate)
            XCTAssertEqual((error as? ContractError)?.field, "payload.deadline")
            XCTAssertFalse("\(error)".contains("12.12.2026"), "descriptions carry no values")
        }
        broken = envelope
        broken.payload["ticketId"] = nil
        XCTAssertThrowsError(try broken.decode(TicketAssigned.self)) { error in
            XCTAssertEqual((error as? ContractError)?.code, .missingField)
            XCTAssertEqual((error as? ContractError)?.field, "payload.ticketId")
        }
        var registered = Samples.all[0].envelope
        registered.payload["author"]!["preferredLanguage"] = "de"
        XCTAssertThrowsError(try registered.decode(AppealRegistered.self)) { error in
            XCTAssertEqual((error as? ContractError)?.code, .invalidField)
            XCTAssertEqual((error as? ContractError)?.field, "payload.author.preferredLanguage")
        }
        registered = Samples.all[0].envelope
        registered.payload["author"]!["fullName"] = 42
        XCTAssertThrowsError(try registered.decode(AppealRegistered.self)) { error in
            XCTAssertEqual((error as? ContractError)?.field, "payload.author.fullName")
            XCTAssertFalse("\(error)".contains("42"))
        }
    }

    func testEncodingIsDeterministicAndRoundTrips() throws {
        let event = Samples.registered
        let a = try Envelope(
            event: event, occurredAt: Date(), correlationId: event.appealId, causationId: nil,
            producer: "hromada-intake")
        let bytes = try a.encoded()
        XCTAssertEqual(try a.encoded(), bytes)
        let b = try Envelope.decode(from: bytes)
        XCTAssertEqual(b, a, "occurredAt is kept at millisecond precision, so decode(encode(e)) == e")
        XCTAssertEqual(try b.encoded(), bytes)
        XCTAssertEqual(try b.decode(AppealRegistered.self), event)
        // The Codable conformance writes the same shape.
        let viaCodable = try JSONValue.parse(Array(try JSONEncoder().encode(a)))
        XCTAssertEqual(try viaCodable.canonicalBytes(), bytes)
        XCTAssertEqual(try JSONDecoder().decode(Envelope.self, from: Data(bytes)), a)
        XCTAssertEqual(try Envelope.decode(from: Data(bytes)), a)
    }
}

final class JSONValueTests: XCTestCase {
    func testCanonicalForm() throws {
        let value: JSONValue = [
            "b": 1, "a": ["z": true, "y": nil, "é": "x"], "B": [1.5, -0.25, 3.0, 1e21, "a/b\"c\\\n\t\u{01}"],
        ]
        XCTAssertEqual(
            try value.canonicalString(),
            #"{"B":[1.5,-0.25,3,1e+21,"a/b\"c\\\n\t\u0001"],"a":{"y":null,"z":true,"é":"x"},"b":1}"#)
        let parsed = try JSONValue.parse(try value.canonicalBytes())
        XCTAssertEqual(parsed, value)
        XCTAssertEqual(try parsed.canonicalBytes(), try value.canonicalBytes())
    }

    func testNumbers() throws {
        XCTAssertEqual(JSONValue.int(2), JSONValue.double(2.0))
        XCTAssertEqual(Set<JSONValue>([.int(2), .double(2.0)]).count, 1)
        XCTAssertNotEqual(JSONValue.int(2), JSONValue.double(2.5))
        XCTAssertEqual(JSONValue.number(3), .int(3))
        XCTAssertEqual(
            try JSONValue.parse(Array("9007199254740993".utf8)), .int(9_007_199_254_740_993), "integers stay exact")
        XCTAssertEqual(try JSONValue.int(9_007_199_254_740_993).canonicalString(), "9007199254740993")
        XCTAssertEqual(try JSONValue.parse(Array("46.975033".utf8)).doubleValue, 46.975033)
        XCTAssertThrowsError(try JSONValue.double(.nan).canonicalBytes()) {
            XCTAssertEqual(($0 as? ContractError)?.code, .encodingFailed)
        }
        XCTAssertThrowsError(try JSONValue.double(.infinity).canonicalBytes())
    }

    func testAccessors() {
        let value: JSONValue = ["author": ["email": "a@b"], "list": [1, "two"]]
        XCTAssertEqual(value[path: ["author", "email"]]?.stringValue, "a@b")
        XCTAssertNil(value[path: ["author", "phone"]])
        XCTAssertEqual(value["list"]?[1], "two")
        XCTAssertNil(value["list"]?[2])
        XCTAssertEqual(value["list"]?[0]?.intValue, 1)
        XCTAssertNil(JSONValue.string("x")["key"])
    }
}

final class DateTests: XCTestCase {
    func testFormat() {
        let date = ISO8601.parse("2026-11-27T10:15:30.123Z")!
        XCTAssertEqual(ISO8601.format(date), "2026-11-27T10:15:30.123+00:00")
        XCTAssertEqual(ISO8601.format(date, in: .kyiv), "2026-11-27T12:15:30.123+02:00")
        XCTAssertEqual(
            ISO8601.format(ISO8601.parse("2026-07-01T00:00:00+03:00")!, in: .kyiv), "2026-07-01T00:00:00.000+03:00")
        XCTAssertEqual(ISO8601.format(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00.000+00:00")
        XCTAssertEqual(ISO8601.format(Date(timeIntervalSince1970: -0.001)), "1969-12-31T23:59:59.999+00:00")
        // Python: datetime(2026,11,27,10,15,30,123000,utc).timestamp()
        XCTAssertEqual(date.timeIntervalSince1970, 1_795_774_530.123, accuracy: 0.0005)
    }

    func testParseVariants() {
        let reference = ISO8601.parse("2026-11-27T10:15:30.123Z")!
        XCTAssertEqual(ISO8601.parse("2026-11-27T12:15:30.123+02:00"), reference)
        XCTAssertEqual(ISO8601.parse("2026-11-27T12:15:30.123+0200"), reference)
        XCTAssertEqual(ISO8601.parse("2026-11-27T04:45:30.123-05:30"), reference)
        XCTAssertEqual(ISO8601.parse("2026-11-27t10:15:30.123z"), reference)
        XCTAssertEqual(ISO8601.parse("2026-11-27T10:15:30.1234567Z"), reference)
        XCTAssertEqual(ISO8601.parse("2026-11-27T10:15:30Z"), ISO8601.parse("2026-11-27T10:15:30.000+00:00"))
        XCTAssertEqual(ISO8601.parse("2026-11-27 10:15Z"), ISO8601.parse("2026-11-27T10:15:00.000Z"))
        XCTAssertEqual(ISO8601.parse("2028-02-29T00:00:00Z")?.timeIntervalSince1970, 1_835_395_200)
        for bad in [
            "", "2026-11-27", "2026-11-27T10:15:30", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
            "2026-11-27T24:00:00Z",
            "2026-11-27T10:15:30.Z", "2026-11-27T10:15:30Zjunk", "26-11-27T10:15:30Z", "2026-11-27T10:15:30+2:00",
        ] {
            XCTAssertNil(ISO8601.parse(bad), bad)
        }
        let now = Date()
        XCTAssertEqual(ISO8601.parse(ISO8601.format(now)), ISO8601.roundedToMilliseconds(now))
    }

    func testLocalDateParsingAndFormatting() throws {
        XCTAssertEqual(LocalDate(string: "2026-11-27")?.description, "2026-11-27")
        XCTAssertNil(LocalDate(string: "2026-11-31"))
        XCTAssertNil(LocalDate(string: "2027-02-29"))
        XCTAssertNotNil(LocalDate(string: "2028-02-29"))
        XCTAssertNil(LocalDate(string: "2026-1-27"))
        XCTAssertNil(LocalDate(string: "2026-11-27T00:00"))
        XCTAssertEqual(
            try JSONValue.parse(Array(try JSONEncoder().encode([LocalDate(string: "2026-01-05")!]))), ["2026-01-05"])
        XCTAssertThrowsError(try JSONDecoder().decode([LocalDate].self, from: Data(#"["05.01.2026"]"#.utf8)))
    }

    func testLocalDateArithmetic() {
        let d = LocalDate(string: "2026-11-27")!
        XCTAssertEqual(d.adding(days: 15).description, "2026-12-12")
        XCTAssertEqual(d.adding(days: 45).description, "2027-01-11")
        XCTAssertEqual(LocalDate(string: "2026-01-31")!.adding(days: 1).description, "2026-02-01")
        XCTAssertEqual(LocalDate(string: "2028-02-28")!.adding(days: 1).description, "2028-02-29")
        XCTAssertEqual(LocalDate(string: "2027-02-28")!.adding(days: 1).description, "2027-03-01")
        XCTAssertEqual(LocalDate(string: "2100-02-28")!.adding(days: 1).description, "2100-03-01")
        XCTAssertEqual(LocalDate(string: "2026-12-31")!.adding(days: 1).description, "2027-01-01")
        XCTAssertEqual(LocalDate(string: "2027-01-01")!.adding(days: -1).description, "2026-12-31")
        XCTAssertEqual(d.days(until: LocalDate(string: "2027-01-11")!), 45)
        XCTAssertEqual(LocalDate(string: "2027-01-11")!.days(until: d), -45)
        XCTAssertEqual(LocalDate(string: "2026-03-01")!.days(until: LocalDate(string: "2026-04-01")!), 31)
        XCTAssertEqual(LocalDate(string: "2028-01-01")!.days(until: LocalDate(string: "2029-01-01")!), 366)
        XCTAssertLessThan(LocalDate(string: "2026-11-30")!, LocalDate(string: "2026-12-01")!)
        XCTAssertEqual(Law.deadline(registeredOn: d, termDays: Law.standardTermDays), LocalDate(string: "2026-12-12"))
        XCTAssertEqual(Law.latestDeadline(registeredOn: d), LocalDate(string: "2027-01-11"))
    }

    func testLocalDateInKyivAcrossMidnightAndDST() {
        XCTAssertEqual(TimeZone.kyiv.secondsFromGMT(for: ISO8601.parse("2026-01-15T12:00:00Z")!), 7200)
        XCTAssertEqual(TimeZone.kyiv.secondsFromGMT(for: ISO8601.parse("2026-07-15T12:00:00Z")!), 10800)
        // 22:30 UTC in winter is 00:30 next day in Kyiv.
        XCTAssertEqual(LocalDate(date: ISO8601.parse("2026-11-27T22:30:00Z")!).description, "2026-11-28")
        XCTAssertEqual(LocalDate(date: ISO8601.parse("2026-11-27T21:59:59.999Z")!).description, "2026-11-27")
        XCTAssertEqual(
            LocalDate(date: ISO8601.parse("2026-11-27T22:30:00Z")!, in: TimeZone(identifier: "UTC")!).description,
            "2026-11-27")
        // Summer: +03:00.
        XCTAssertEqual(LocalDate(date: ISO8601.parse("2026-07-01T21:00:00Z")!).description, "2026-07-02")
        XCTAssertEqual(LocalDate(date: ISO8601.parse("2026-07-01T20:59:59Z")!).description, "2026-07-01")
        // DST starts 2026-03-29 03:00 local: that day is 23 hours long.
        let march29 = LocalDate(string: "2026-03-29")!
        XCTAssertEqual(ISO8601.format(march29.startOfDay()), "2026-03-28T22:00:00.000+00:00")
        XCTAssertEqual(ISO8601.format(march29.endOfDay()), "2026-03-29T21:00:00.000+00:00")
        XCTAssertEqual(march29.endOfDay().timeIntervalSince(march29.startOfDay()), 23 * 3600)
        // DST ends 2026-10-25 04:00 local: 25 hours.
        let october25 = LocalDate(string: "2026-10-25")!
        XCTAssertEqual(october25.endOfDay().timeIntervalSince(october25.startOfDay()), 25 * 3600)
        XCTAssertEqual(LocalDate(date: october25.startOfDay()), october25)
        XCTAssertEqual(LocalDate(date: october25.endOfDay().addingTimeInterval(-0.001)), october25)
        // Calendar-day arithmetic ignores DST.
        XCTAssertEqual(LocalDate(string: "2026-03-20")!.adding(days: 15).description, "2026-04-04")
        XCTAssertEqual(LocalDate(string: "2026-03-20")!.days(until: LocalDate(string: "2026-04-04")!), 15)
    }
}

final class ReferenceTests: XCTestCase {
    private func isSlug(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
    }

    /// Complaints and disputes go up to the executive committee: every page, notice and report must
    /// name it, yet no appeal may be routed to it directly.
    func testTheExecutiveCommitteeHasANameButIsNoRoutingTarget() {
        XCTAssertEqual(
            Reference.body(code: "executive-committee")?.nameUk.hasPrefix("Виконавчий комітет"), true)
        XCTAssertEqual(Reference.body(code: "zhkg"), Reference.authority(code: "zhkg"))
        XCTAssertNil(Reference.authority(code: "executive-committee"))
        XCTAssertNil(Reference.body(code: "no-such-body"))
    }

    func testReferenceDataIsConsistent() {
        XCTAssertEqual(Reference.districts.map(\.code), ["zavodskyi", "inhulskyi", "korabelnyi", "tsentralnyi"])
        XCTAssertEqual(Reference.authorities.count, 12)
        XCTAssertEqual(Reference.categories.count, 11)
        XCTAssertNotNil(Reference.authority(code: Reference.defaultAuthority))
        XCTAssertEqual(
            Reference.authority(code: "mayor-reception")?.nameUk, "Приймальня міського голови")
        XCTAssertEqual(Reference.administration(ofDistrict: "korabelnyi")?.code, "korabelnyi-administration")
        for list in [
            Reference.districts.map(\.code), Reference.authorities.map(\.code), Reference.categories.map(\.code),
            Reference.benefitCategories.map(\.code),
        ] {
            XCTAssertEqual(Set(list).count, list.count, "duplicate codes")
            XCTAssertTrue(list.allSatisfy(isSlug), "\(list)")
        }
        for authority in Reference.authorities {
            XCTAssertFalse(authority.nameUk.isEmpty || authority.nameEn.isEmpty)
            if let district = authority.district { XCTAssertNotNil(Reference.district(code: district)) }
        }
        XCTAssertEqual(Reference.authorities.filter { $0.district != nil }.count, 4)
        for category in Reference.categories {
            XCTAssertNotNil(Reference.authority(code: category.defaultAuthority), category.code)
            XCTAssertTrue([Law.standardTermDays, Law.studyTermDays].contains(category.termDays), category.code)
            XCTAssertEqual(category.needsStudy, category.termDays == 30)
            XCTAssertFalse(category.descriptionUk.isEmpty || category.descriptionEn.isEmpty)
        }
        XCTAssertEqual(Reference.category(code: "heating")?.termDays, 15)
        XCTAssertEqual(Reference.category(code: "roads")?.defaultAuthority, "zhkg")
        XCTAssertEqual(Reference.category(code: "other")?.defaultAuthority, "mayor-reception")
        XCTAssertNotNil(Reference.benefitCategory(code: "idp"))
        XCTAssertNil(Reference.category(code: "nope"))
        XCTAssertEqual(
            [
                Law.standardTermDays, Law.studyTermDays, Law.maxTermDays, Law.forwardWindowDays, Law.returnWindowDays,
                Law.deadlineWarningDays, Law.repeatWindowDays,
            ], [15, 30, 45, 5, 10, 3, 30])
    }
}

final class ContractErrorTests: XCTestCase {
    func testDescriptions() {
        let error = ContractError(code: .missingField, field: "payload.ticketId", reason: "required field is missing")
        XCTAssertEqual(error.description, "ContractError(missingField) at payload.ticketId: required field is missing")
        XCTAssertEqual(ContractError.Code.malformedJSON.description, "malformedJSON")
        XCTAssertNotEqual(ContractError.Code.malformedJSON, ContractError.Code.invalidField)
    }
}
