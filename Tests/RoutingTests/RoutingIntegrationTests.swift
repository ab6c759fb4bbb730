import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaTestSupport
import XCTest

@testable import Routing

/// The "Done when" of issue 4 against real RabbitMQ and PostgreSQL.
final class RoutingIntegrationTests: XCTestCase {
    /// 2026-11-27 10:00 Kyiv.
    static let registered = TicketSamples.now

    func testRuleCasesDeadlinesAndTicketAssignedRoutingKeys() async throws {
        let f = try await RoutingFixture.start(self, clock: TestClock(Self.registered))
        let defaultRule = RoutingFixture.appeal(category: "heating", registeredAt: Self.registered)
        let districtRule = RoutingFixture.appeal(
            category: "waste", district: "korabelnyi", registeredAt: Self.registered)
        let study = RoutingFixture.appeal(category: "roads", benefit: "war-veteran", registeredAt: Self.registered)
        let complaint = RoutingFixture.appeal(
            category: "heating", kind: .complaint, against: "zhkg", registeredAt: Self.registered)
        let againstReception = RoutingFixture.appeal(
            category: "other", district: "tsentralnyi", kind: .complaint, against: "mayor-reception",
            registeredAt: Self.registered)
        // Registered late in the evening UTC = next calendar day in Kyiv.
        let lateUTC = ISO8601.parse("2026-11-27T23:30:00+00:00")!
        let kyivDay = RoutingFixture.appeal(category: "heating", registeredAt: lateUTC)
        let all = [defaultRule, districtRule, study, complaint, againstReception, kyivDay]
        try await f.publish(try all.map(f.envelope))
        for appeal in all { _ = try await f.waitForTicket(appeal) }

        let admin = RoutingFixture.adminToken
        func ticket(_ appeal: AppealRegistered) async throws -> [String: Any] {
            let id = try await f.ticketId(appealId: appeal.appealId)!
            let response = try await f.call("GET", "/v1/tickets/\(id.uuidString)", token: admin)
            XCTAssertEqual(response.status, 200)
            return response.object
        }
        var t = try await ticket(defaultRule)
        XCTAssertEqual(t["authority"] as? String, "zhkg")
        XCTAssertEqual(t["deadline"] as? String, "2026-12-12", "heating: 15 days")
        XCTAssertEqual(t["priority"] as? Bool, false)
        XCTAssertEqual(t["maxDeadline"] as? String, "2027-01-11")
        t = try await ticket(districtRule)
        XCTAssertEqual(t["authority"] as? String, "korabelnyi-administration")
        t = try await ticket(study)
        XCTAssertEqual(t["authority"] as? String, "zhkg")
        XCTAssertEqual(t["deadline"] as? String, "2026-12-27", "roads: 30 days")
        XCTAssertEqual(t["priority"] as? Bool, true)
        t = try await ticket(complaint)
        // Art. 16 (issue 20): a complaint goes up the stored hierarchy to the body above the one complained
        // about, here the executive committee, never sideways (these asserted the mayor's reception and a
        // district administration before the hierarchy).
        XCTAssertEqual(t["authority"] as? String, "executive-committee", "a complaint against zhkg never goes to zhkg")
        t = try await ticket(againstReception)
        XCTAssertEqual(t["authority"] as? String, "executive-committee")
        t = try await ticket(kyivDay)
        XCTAssertEqual(t["registeredOn"] as? String, "2026-11-28")
        XCTAssertEqual(t["deadline"] as? String, "2026-12-13")

        // ticket.assigned left with the authority in the routing key.
        var assigned: [Envelope] = []
        _ = try await eventually {
            assigned = try await f.observed(type: "ticket.assigned")
            return assigned.count >= all.count
        }
        XCTAssertEqual(assigned.count, all.count)
        let keys = Set(assigned.map(\.routingKey))
        XCTAssertTrue(keys.contains("ticket.assigned.v1.korabelnyi-administration"), "\(keys)")
        XCTAssertTrue(keys.contains("ticket.assigned.v1.executive-committee"))
        let studyEvent = try assigned.map { try $0.decode(TicketAssigned.self) }.first { $0.appealId == study.appealId }
        XCTAssertEqual(studyEvent?.deadline.description, "2026-12-27")
        XCTAssertEqual(studyEvent?.priority, true)

        // Inbox order: priority first, then the nearest deadline.
        let inbox = try await f.call("GET", "/v1/tickets?authority=zhkg", token: admin)
        let numbers =
            (inbox.object["tickets"] as? [[String: Any]])?.compactMap { $0["registrationNumber"] as? String } ?? []
        XCTAssertEqual(numbers.first, study.registrationNumber)
        XCTAssertEqual(numbers.count, 3)
    }

    func testTheSameRegistrationDeliveredTwiceYieldsOneTicket() async throws {
        let f = try await RoutingFixture.start(self, clock: TestClock(Self.registered))
        let appeal = RoutingFixture.appeal(registeredAt: Self.registered)
        let envelope = try f.envelope(appeal)
        try await f.publish([envelope, envelope])
        // The same appeal under another message id (a re-publish by intake) is also one ticket.
        let again = try Envelope(
            event: appeal, correlationId: appeal.appealId, causationId: nil, producer: "hromada-intake")
        try await f.publish([again])
        _ = try await f.waitForTicket(appeal)
        _ = try await eventually { try await f.count("SELECT count(*)::bigint FROM inbox") >= 2 }
        try await Task.sleep(for: .milliseconds(500))
        let tickets = try await f.count("SELECT count(*)::bigint FROM tickets")
        XCTAssertEqual(tickets, 1)
        let assignedEvents = try await f.observed(type: "ticket.assigned")
        XCTAssertEqual(assignedEvents.count, 1)
    }

    func testLifecycleOverTheAPI() async throws {
        let clock = TestClock(Self.registered)
        let f = try await RoutingFixture.start(self, clock: clock)
        let (officialId, zhkg) = try await f.official(name: "Іван Коваль", authority: "zhkg")
        let zhkgId = officialId.lowercased()
        let (_, health) = try await f.official(name: "Марія Шевченко", authority: "health")
        let (_, reception) = try await f.official(
            name: "Оксана Бондар", authority: "mayor-reception", role: "reception")
        // Art. 15, 20: the official drafts answers and extensions; the head signs them.
        let (headId, head) = try await f.official(name: "Петро Головко", authority: "zhkg", role: "head")
        let appeal = RoutingFixture.appeal(category: "heating", registeredAt: Self.registered)
        try await f.publish([try f.envelope(appeal)])
        let id = try await f.waitForTicket(appeal).uuidString.lowercased()
        let path = "/v1/tickets/\(id)"

        // Unauthenticated and cross-authority access.
        let anonymous = try await f.api.request("GET", path)
        XCTAssertEqual(anonymous.status, 401)
        let other = try await f.call("GET", path, token: health)
        XCTAssertEqual(other.status, 404, "another authority's ticket is 404, not 403")
        let otherAction = try await f.call("POST", "\(path)/accept", token: health, json: [:])
        XCTAssertEqual(otherAction.status, 404)
        let otherInbox = try await f.call("GET", "/v1/tickets", token: health)
        XCTAssertEqual((otherInbox.object["tickets"] as? [Any])?.count, 0)
        let ownInbox = try await f.call("GET", "/v1/tickets", token: zhkg)
        XCTAssertEqual(((ownInbox.object["tickets"] as? [[String: Any]])?.first?["id"] as? String)?.lowercased(), id)

        // Illegal transitions from `assigned`.
        for (action, body) in [
            ("extend", ["days": 5, "reason": "x"]),
            ("answer", ["outcome": "explained", "text": "Пояснюємо докладно."]),
            ("reopen", ["reason": "незгода"]), ("close", [:]),
        ] as [(String, [String: Any])] {
            let r = try await f.call(
                "POST", "\(path)/\(action)", token: action == "reopen" || action == "close" ? reception : zhkg,
                json: body)
            XCTAssertEqual(r.status, 409, action)
            XCTAssertEqual(r.firstError["code"] as? String, "invalid_transition")
            XCTAssertEqual(r.firstError["message"] as? String, "ticket is assigned; \(action) is not allowed")
            XCTAssertEqual(r.firstError["field"] as? String, "status")
        }

        // View publishes personal-data.accessed with the official's id.
        let view = try await f.call("GET", path, token: zhkg)
        XCTAssertEqual(view.status, 200)
        XCTAssertEqual(
            (view.object["appeal"] as? [String: Any]).flatMap {
                ($0["author"] as? [String: Any])?["fullName"] as? String
            }, "Олена Петренко")
        let accessed = try await f.events(PersonalDataAccessed.self) { seen in
            seen.contains { $0.actorId == zhkgId }
        }
        let access = accessed.first { $0.actorId == zhkgId }
        XCTAssertEqual(access?.purpose, "ticket.view")
        XCTAssertEqual(access?.authority, "zhkg")
        XCTAssertEqual(access?.service, "hromada-routing")
        XCTAssertEqual(access?.appealId, appeal.appealId)

        // accept → accepted; accept again is illegal.
        var r = try await f.call("POST", "\(path)/accept", token: zhkg)
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["status"] as? String, "accepted")
        r = try await f.call("POST", "\(path)/accept", token: zhkg)
        XCTAssertEqual(r.status, 409)
        XCTAssertEqual(r.firstError["message"] as? String, "ticket is accepted; accept is not allowed")

        // Extend: past 45 days refused, then a legal extension.
        r = try await f.call(
            "POST", "\(path)/extend", token: zhkg,
            json: ["newDeadline": "2027-01-12", "reason": "потрібна перевірка"])
        XCTAssertEqual(r.status, 422)
        XCTAssertEqual(r.firstError["code"] as? String, "beyond_legal_maximum")
        XCTAssertEqual(r.firstError["field"] as? String, "newDeadline")
        r = try await f.call(
            "POST", "\(path)/extend", token: zhkg,
            json: ["newDeadline": "2027-01-11", "reason": "потрібна перевірка"])
        XCTAssertEqual(r.status, 202, "an official's extension is a draft: \(r.text)")
        XCTAssertEqual(r.object["deadline"] as? String, "2026-12-12", "nothing changes before the signature")
        XCTAssertEqual((r.object["draft"] as? [String: Any])?["newDeadline"] as? String, "2027-01-11")
        r = try await f.call("POST", "\(path)/sign", token: zhkg)
        XCTAssertEqual(r.status, 403, "an official does not sign")
        XCTAssertEqual(r.firstError["code"] as? String, "head_only")
        r = try await f.call("POST", "\(path)/sign", token: head)
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertNil(r.object["draft"])
        XCTAssertEqual(r.object["deadline"] as? String, "2027-01-11")
        XCTAssertEqual(r.object["extended"] as? Bool, true)
        r = try await f.call("POST", "\(path)/extend", token: zhkg, json: ["days": 1, "reason": "ще"])
        XCTAssertEqual(r.status, 422, "already at the 45-day cap")

        // Forward window: 6 days after registration it is closed.
        clock.advance(days: 6)
        r = try await f.call(
            "POST", "\(path)/forward", token: zhkg,
            json: ["to": "health", "reason": "не наша компетенція"])
        XCTAssertEqual(r.status, 409)
        XCTAssertEqual(r.firstError["code"] as? String, "forward_window_closed")
        clock.set(Self.registered)

        // Answer: a refusal without reasons is refused; reopen by an official is forbidden; reception reopens.
        r = try await f.call(
            "POST", "\(path)/answer", token: zhkg, json: ["outcome": "refused", "text": "Відмовлено."])
        XCTAssertEqual(r.status, 422)
        XCTAssertEqual(r.firstError["field"] as? String, "text")
        r = try await f.call(
            "POST", "\(path)/answer", token: zhkg,
            json: ["outcome": "resolved-positively", "text": "Опалення відновлено 28.11."])
        XCTAssertEqual(r.status, 202, r.text)
        XCTAssertEqual(r.object["status"] as? String, "accepted")
        let queue = try await f.call("GET", "/v1/tickets?awaitingSignature=true", token: head)
        let waiting = queue.object["tickets"] as? [[String: Any]]
        XCTAssertEqual(waiting?.map { ($0["id"] as? String)?.lowercased() }, [id], "the head's queue")
        XCTAssertEqual(waiting?.first?["awaitingSignature"] as? String, "answer")
        r = try await f.call("POST", "\(path)/sign", token: head)
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["status"] as? String, "answered")
        let emptyQueue = try await f.call("GET", "/v1/tickets?awaitingSignature=true", token: head)
        XCTAssertEqual((emptyQueue.object["tickets"] as? [Any])?.count, 0)
        for action in ["accept", "answer", "extend", "forward"] {
            let illegal = try await f.call(
                "POST", "\(path)/\(action)", token: zhkg,
                json: [
                    "to": "health", "reason": "x", "days": 1, "outcome": "other",
                    "text": "довгий текст відповіді",
                ])
            XCTAssertEqual(illegal.status, 409, action)
            XCTAssertEqual(illegal.firstError["message"] as? String, "ticket is answered; \(action) is not allowed")
        }
        r = try await f.call(
            "POST", "\(path)/reopen", token: zhkg, json: ["reason": "мешканка не згодна"])
        XCTAssertEqual(r.status, 403)
        r = try await f.call(
            "POST", "\(path)/reopen", token: reception, json: ["reason": "мешканка не згодна"])
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["status"] as? String, "reopened")
        XCTAssertEqual(r.object["deadline"] as? String, "2026-12-12", "reopened: today + 15")
        r = try await f.call(
            "POST", "\(path)/answer", token: zhkg,
            json: ["outcome": "explained", "text": "Роз'яснено порядок перерахунку."])
        XCTAssertEqual(r.status, 202)
        r = try await f.call("POST", "\(path)/sign", token: head)
        XCTAssertEqual(r.status, 200)
        let signedBy = (r.object["history"] as? [[String: Any]])?.last?["actor"] as? String
        XCTAssertEqual(signedBy?.lowercased(), headId.lowercased(), "the history names the signer")
        r = try await f.call("POST", "\(path)/close", token: reception)
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.object["status"] as? String, "closed")
        // A closed ticket may still be disputed within the Art. 17 term (DisputeIntegrationTests):
        // every other action is refused.
        for action in TicketAction.allCases where action != .dispute {
            let illegal = try await f.call(
                "POST", "\(path)/\(action.rawValue)", token: RoutingFixture.adminToken,
                json: [
                    "to": "health", "reason": "x", "days": 1, "outcome": "other",
                    "text": "довгий текст відповіді",
                ])
            XCTAssertEqual(illegal.status, 409, action.rawValue)
            XCTAssertEqual(
                illegal.firstError["message"] as? String, "ticket is closed; \(action.rawValue) is not allowed")
        }
        let history = (r.object["history"] as? [[String: Any]])?.compactMap { $0["action"] as? String }
        XCTAssertEqual(history, ["assigned", "accepted", "extended", "answered", "reopened", "answered", "closed"])

        // Every action left its event.
        var types: Set<String> = []
        _ = try await eventually {
            types = Set(try await f.observed().map(\.type))
            return types.isSuperset(of: [
                "ticket.accepted", "ticket.extended", "ticket.answered", "ticket.reopened", "ticket.closed",
            ])
        }
        XCTAssertTrue(
            types.isSuperset(of: [
                "ticket.accepted", "ticket.extended", "ticket.answered", "ticket.reopened", "ticket.closed",
                "official.updated",
            ]), "\(types)")
    }

    func testForwardWithinWindowAndNeverToTheBodyComplainedAbout() async throws {
        let clock = TestClock(Self.registered)
        let f = try await RoutingFixture.start(self, clock: clock)
        let (_, zhkg) = try await f.official(name: "Іван Коваль", authority: "zhkg")
        let (_, health) = try await f.official(name: "Марія Шевченко", authority: "health")
        let (_, reception) = try await f.official(name: "Оксана Бондар", authority: "mayor-reception")
        let appeal = RoutingFixture.appeal(category: "heating", registeredAt: Self.registered)
        let complaint = RoutingFixture.appeal(
            category: "heating", kind: .complaint, against: "zhkg", registeredAt: Self.registered)
        try await f.publish([try f.envelope(appeal), try f.envelope(complaint)])
        let id = try await f.waitForTicket(appeal).uuidString
        let complaintId = try await f.waitForTicket(complaint).uuidString

        clock.advance(days: 5)  // the last allowed day
        var r = try await f.call("POST", "/v1/tickets/\(id)/forward", token: zhkg, json: ["to": "zhkg", "reason": "x"])
        XCTAssertEqual(r.status, 422)
        XCTAssertEqual(r.firstError["code"] as? String, "same_authority")
        r = try await f.call("POST", "/v1/tickets/\(id)/forward", token: zhkg, json: ["to": "atlantis", "reason": "x"])
        XCTAssertEqual(r.firstError["field"] as? String, "to")
        r = try await f.call(
            "POST", "/v1/tickets/\(id)/forward", token: zhkg,
            json: ["to": "health", "reason": "медичне питання"])
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["authority"] as? String, "health")
        XCTAssertEqual(r.object["status"] as? String, "assigned")
        XCTAssertEqual(
            r.object["deadline"] as? String, "2026-12-12", "forwarding keeps the registration-based deadline")
        r = try await f.call("GET", "/v1/tickets/\(id)", token: zhkg)
        XCTAssertEqual(r.status, 404, "the old authority no longer sees it")
        r = try await f.call("GET", "/v1/tickets/\(id)", token: health)
        XCTAssertEqual(r.status, 200)

        // The complaint is held by the executive committee (Art. 16): an administrator tries the forward.
        _ = reception
        r = try await f.call(
            "POST", "/v1/tickets/\(complaintId)/forward", token: RoutingFixture.adminToken,
            json: ["to": "zhkg", "reason": "x"])
        XCTAssertEqual(r.status, 422)
        XCTAssertEqual(r.firstError["code"] as? String, "complaint_against_authority")

        let forwarded = try await f.events(TicketForwarded.self)
        XCTAssertEqual(forwarded.first?.fromAuthority, "zhkg")
        XCTAssertEqual(forwarded.first?.authority, "health")
        let keys = try await f.observed(type: "ticket.forwarded").map(\.routingKey)
        XCTAssertEqual(keys, ["ticket.forwarded.v1.health"])
    }

    func testRoutingRulesAreVersionedDataAndChangesAreEvents() async throws {
        let f = try await RoutingFixture.start(self, clock: TestClock(Self.registered))
        let admin = RoutingFixture.adminToken
        let (_, official) = try await f.official(name: "Іван Коваль", authority: "zhkg")
        var r = try await f.call("GET", "/v1/routing-rules", token: admin)
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.object["version"] as? Int, 1)
        let rules = r.object["rules"] as? [[String: Any]] ?? []
        XCTAssertEqual(rules.count, Reference.categories.count + 8)
        r = try await f.call("GET", "/v1/routing-rules", token: official)
        XCTAssertEqual(r.status, 403)
        r = try await f.call("PUT", "/v1/routing-rules", token: official, json: ["rules": []])
        XCTAssertEqual(r.status, 403)

        r = try await f.call(
            "PUT", "/v1/routing-rules", token: admin,
            json: [
                "expectedVersion": 1,
                "rules": [
                    ["category": "heating", "authority": "zhkg"], ["category": "mystery", "authority": "zhkg"],
                ],
            ])
        XCTAssertEqual(r.status, 422)
        XCTAssertEqual(r.firstError["field"] as? String, "rules[1].category")
        r = try await f.call(
            "PUT", "/v1/routing-rules", token: admin,
            json: [
                "rules": [
                    ["category": "heating", "authority": "zhkg"], ["category": "heating", "authority": "health"],
                ]
            ])
        XCTAssertEqual(r.firstError["code"] as? String, "duplicate_rule")
        r = try await f.call(
            "PUT", "/v1/routing-rules", token: admin,
            json: [
                "expectedVersion": 1,
                "rules": [
                    ["category": "heating", "district": "zavodskyi", "authority": "zavodskyi-administration"],
                    ["category": "heating", "authority": "zhkg"],
                ],
            ])
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["version"] as? Int, 2)
        r = try await f.call("PUT", "/v1/routing-rules", token: admin, json: ["expectedVersion": 1, "rules": []])
        XCTAssertEqual(r.status, 409)
        XCTAssertEqual(r.firstError["code"] as? String, "stale_version")

        // The new rule routes new appeals.
        let appeal = RoutingFixture.appeal(category: "heating", district: "zavodskyi", registeredAt: Self.registered)
        try await f.publish([try f.envelope(appeal)])
        let id = try await f.waitForTicket(appeal)
        r = try await f.call("GET", "/v1/tickets/\(id.uuidString)", token: admin)
        XCTAssertEqual(r.object["authority"] as? String, "zavodskyi-administration")

        let changes = try await f.events(RoutingRulesChanged.self) { $0.count >= 2 }
        XCTAssertEqual(changes.map(\.version), [1, 2])
        XCTAssertEqual(changes.last?.rules.count, 2)
    }

    func testOfficialsAdminAPI() async throws {
        let f = try await RoutingFixture.start(self, clock: TestClock(Self.registered))
        let admin = RoutingFixture.adminToken
        let (id, token) = try await f.official(name: "Іван Коваль", authority: "zhkg")
        var r = try await f.call("GET", "/v1/tickets", token: token)
        XCTAssertEqual(r.status, 200)
        r = try await f.call("GET", "/v1/officials", token: token)
        XCTAssertEqual(r.status, 403)
        r = try await f.call(
            "POST", "/v1/officials", token: admin, json: ["name": "X", "authority": "atlantis", "role": "official"])
        XCTAssertEqual(r.status, 422)
        XCTAssertEqual(r.firstError["field"] as? String, "authority")
        r = try await f.call("DELETE", "/v1/officials/\(id)/token", token: admin)
        XCTAssertEqual(r.status, 204)
        r = try await f.call("GET", "/v1/tickets", token: token)
        XCTAssertEqual(r.status, 401, "a revoked token no longer works")
        r = try await f.call("POST", "/v1/officials/\(id)/token", token: admin)
        let newToken = r.object["token"] as? String ?? ""
        XCTAssertFalse(newToken.isEmpty)
        r = try await f.call("GET", "/v1/tickets", token: newToken)
        XCTAssertEqual(r.status, 200)
        // Idempotent upsert with a given token (the demo seed).
        let seedToken = "demo-official-token-zhkg-0001"
        r = try await f.call(
            "PUT", "/v1/officials/by-name", token: admin,
            json: ["name": "Демо ЖКГ", "authority": "zhkg", "role": "official", "token": seedToken])
        XCTAssertEqual(r.status, 201)
        r = try await f.call(
            "PUT", "/v1/officials/by-name", token: admin,
            json: ["name": "Демо ЖКГ", "authority": "zhkg", "role": "official", "token": seedToken])
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.object["created"] as? Bool, false)
        r = try await f.call("GET", "/v1/tickets", token: seedToken)
        XCTAssertEqual(r.status, 200)
        r = try await f.call("GET", "/v1/officials", token: admin)
        XCTAssertEqual((try r.json() as? [Any])?.count, 2)
        r = try await f.call("GET", "/v1/authorities", token: admin)
        let codes = (try r.json() as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
        // The seeded authorities plus the bodies that exist only in the hierarchy (issue 20: the
        // executive committee, which complaints go up to).
        XCTAssertEqual(Set(codes), AuthorityHierarchy.knownCodes)
        XCTAssertTrue(Set(codes).isSuperset(of: Reference.authorities.map(\.code)))
        // The stored hash is not the token.
        let stored = try await f.count("SELECT count(*)::bigint FROM officials WHERE token_hash = \(seedToken)")
        XCTAssertEqual(stored, 0)
        let updates = try await f.events(OfficialUpdated.self) { $0.count >= 5 }
        XCTAssertEqual(updates.count, 5)
        XCTAssertEqual(
            updates.filter { $0.officialId.uuidString.lowercased() == id.lowercased() }.map(\.active),
            [true, false, true])
    }

    /// Two routing processes on one database and vhost: exactly one ticket per appeal and one alert
    /// per threshold, also after a replica restarts.
    func testTwoReplicasYieldOneTicketPerAppealAndOneAlertPerThreshold() async throws {
        let clock = TestClock(Self.registered)
        let f = try await RoutingFixture.start(self, replicas: 2, clock: clock, prefetch: 10)
        let appeals = (0..<200).map {
            RoutingFixture.appeal(category: "heating", registeredAt: Self.registered, number: $0 + 1)
        }
        let envelopes = try appeals.map(f.envelope)
        // Every appeal twice (a redelivery), interleaved.
        try await f.publish(envelopes + envelopes.reversed())
        let created = try await eventually(timeout: .seconds(60)) {
            let tickets = try await f.count("SELECT count(*)::bigint FROM tickets")
            let depth = try await f.broker.queueDepth(Topology.Queue.routing.rawValue)
            return tickets == 200 && depth == 0
        }
        XCTAssertTrue(created)
        try await Task.sleep(for: .milliseconds(500))
        let tickets = try await f.count("SELECT count(*)::bigint FROM tickets")
        XCTAssertEqual(tickets, 200)
        let distinctAppeals = try await f.count("SELECT count(DISTINCT appeal_id)::bigint FROM tickets")
        XCTAssertEqual(distinctAppeals, 200)

        // Deadline 2026-12-12; on 2026-12-10 two days are left: approaching.
        clock.advance(days: 13)
        let approaching = try await eventually(timeout: .seconds(30)) {
            try await f.alerts(kind: "deadline-approaching") == 200
        }
        XCTAssertTrue(approaching)
        // Several more watcher passes of both replicas, then a restart of one of them.
        try await Task.sleep(for: .seconds(1))
        await f.harnesses[1].stop()
        try await f.addReplica()
        try await Task.sleep(for: .seconds(1))
        let approachingEvents = try await f.events(TicketDeadlineApproaching.self, timeout: .seconds(20)) {
            $0.count >= 200
        }
        XCTAssertEqual(approachingEvents.count, 200)
        XCTAssertEqual(Set(approachingEvents.map(\.ticketId)).count, 200)
        let approachingRows = try await f.alerts(kind: "deadline-approaching")
        XCTAssertEqual(approachingRows, 200)

        // 2026-12-13: overdue, escalated to the mayor's reception.
        clock.advance(days: 3)
        let overdue = try await eventually(timeout: .seconds(30)) { try await f.alerts(kind: "overdue") == 200 }
        XCTAssertTrue(overdue)
        try await Task.sleep(for: .seconds(1))
        let overdueEvents = try await f.events(TicketOverdue.self, timeout: .seconds(20)) { $0.count >= 200 }
        XCTAssertEqual(overdueEvents.count, 200)
        XCTAssertEqual(Set(overdueEvents.map(\.ticketId)).count, 200)
        XCTAssertTrue(overdueEvents.allSatisfy { $0.escalatedTo == "mayor-reception" && $0.daysOverdue == 1 })
        let escalated = try await f.count("SELECT count(*)::bigint FROM tickets WHERE escalated")
        XCTAssertEqual(escalated, 200)
        let overdueList = try await f.call(
            "GET", "/v1/tickets?overdue=true&limit=1000", token: RoutingFixture.adminToken)
        XCTAssertEqual((overdueList.object["tickets"] as? [Any])?.count, 200)
        let finalApproaching = try await f.observed(type: "ticket.deadline-approaching").count
        XCTAssertEqual(finalApproaching, 200, "no duplicate approaching alerts")
    }

    func testExtendedDeadlineWarnsAgainAndAnsweredTicketsCloseAfterTenDays() async throws {
        let clock = TestClock(Self.registered)
        let f = try await RoutingFixture.start(self, clock: clock)
        let (_, zhkg) = try await f.official(name: "Іван Коваль", authority: "zhkg")
        let (_, head) = try await f.official(name: "Петро Головко", authority: "zhkg", role: "head")
        let a = RoutingFixture.appeal(category: "heating", registeredAt: Self.registered)
        let b = RoutingFixture.appeal(category: "water-supply", registeredAt: Self.registered)
        try await f.publish([try f.envelope(a), try f.envelope(b)])
        let idA = try await f.waitForTicket(a).uuidString
        let idB = try await f.waitForTicket(b).uuidString
        var r = try await f.call("POST", "/v1/tickets/\(idA)/accept", token: zhkg)
        XCTAssertEqual(r.status, 200)
        clock.advance(days: 12)  // 3 days left for both
        _ = try await eventually { try await f.count("SELECT count(*)::bigint FROM alerts") == 2 }
        r = try await f.call(
            "POST", "/v1/tickets/\(idA)/extend", token: zhkg,
            json: ["days": 10, "reason": "запит до водоканалу"])
        XCTAssertEqual(r.status, 202, r.text)
        r = try await f.call("POST", "/v1/tickets/\(idA)/sign", token: head)
        XCTAssertEqual(r.status, 200, r.text)
        clock.advance(days: 9)  // new deadline 2026-12-22, today 2026-12-18: approaching again (4 days → not yet)
        clock.advance(days: 1)  // 3 days left
        let again = try await eventually {
            try await f.count("SELECT count(*)::bigint FROM alerts WHERE ticket_id = \(UUID(uuidString: idA)!)") == 2
        }
        XCTAssertTrue(again, "an extended deadline is a new deadline")

        // b: answer, then 10 days without dispute → closed by the system.
        r = try await f.call("POST", "/v1/tickets/\(idB)/accept", token: zhkg)
        r = try await f.call(
            "POST", "/v1/tickets/\(idB)/answer", token: zhkg,
            json: ["outcome": "explained", "text": "Роз'яснено графік подачі води."])
        XCTAssertEqual(r.status, 202)
        r = try await f.call("POST", "/v1/tickets/\(idB)/sign", token: head)
        XCTAssertEqual(r.status, 200)
        clock.advance(days: 9)
        try await Task.sleep(for: .milliseconds(600))
        r = try await f.call("GET", "/v1/tickets/\(idB)", token: zhkg)
        XCTAssertEqual(r.object["status"] as? String, "answered")
        clock.advance(days: 2)
        let closed = try await eventually {
            let t = try await f.call("GET", "/v1/tickets/\(idB)", token: zhkg)
            return t.object["status"] as? String == "closed"
        }
        XCTAssertTrue(closed)
        let closedEvents = try await f.events(TicketClosed.self)
        XCTAssertEqual(closedEvents.map(\.closedBy), ["rule:answered-undisputed"], "the card names the rule")
    }
}
