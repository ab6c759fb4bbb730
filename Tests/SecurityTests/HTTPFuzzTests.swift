import Foundation
import HromadaCore
import HromadaTestSupport
import XCTest

/// Hostile input on every HTTP endpoint of intake, routing, notification and audit, run
/// in-process against the real PostgreSQL and RabbitMQ. For each request: never a 5xx, an error
/// body in the contract's shape (`{"errors":[{code,message}]}` outside Open311 and the HTML
/// pages), nothing from /etc/passwd; afterwards the service still answers /health/live.
/// Random inputs come from a seeded generator (HROMADA_FUZZ_SEED to reproduce; printed).
final class HTTPFuzzTests: XCTestCase {
    enum Kind { case json, open311, html }

    struct Endpoint {
        let service: String
        let method: String
        /// `{p}` is replaced with a hostile path segment in the path-parameter rounds.
        let path: String
        let kind: Kind
        /// The `Authorization` header sent with it, none by default.
        let auth: String?
        var takesBody: Bool { method == "POST" || method == "PUT" }

        /// A JSON endpoint unless `kind` says otherwise.
        init(_ service: String, _ method: String, _ path: String, _ kind: Kind = .json, _ auth: String? = nil) {
            self.service = service
            self.method = method
            self.path = path
            self.kind = kind
            self.auth = auth
        }
    }

    static let admin = "Bearer \(SecuritySystem.adminToken)"
    static let centre = "Bearer \(SecuritySystem.centreKey)"

    /// Every route the four services declare (read from their sources).
    func endpoints(official: String) -> [Endpoint] {
        let officialAuth = "Bearer \(official)"
        let ticket = "00000000-0000-4000-8000-000000000001"
        let centreId = SecuritySystem.centreId
        return [
            // intake: JSON API, admin API, Open311, librarian's form and tracking page
            Endpoint("intake", "GET", "/v1/categories"),
            Endpoint("intake", "GET", "/v1/authorities"),
            Endpoint("intake", "GET", "/v1/districts"),
            Endpoint("intake", "POST", "/v1/appeals", .json, Self.centre),
            Endpoint("intake", "POST", "/v1/appeals"),
            Endpoint("intake", "GET", "/v1/appeals/{p}"),
            Endpoint("intake", "PUT", "/v1/admin/centres/{p}", .json, Self.admin),
            Endpoint("intake", "GET", "/v1/admin/centres", .json, Self.admin),
            Endpoint("intake", "POST", "/v1/admin/centres/{p}/librarians", .json, Self.admin),
            Endpoint("intake", "GET", "/v1/admin/centres/{p}/librarians", .json, Self.centre),
            Endpoint("intake", "PUT", "/v1/admin/centres/{p}/librarians/{p}", .json, Self.admin),
            Endpoint("intake", "DELETE", "/v1/admin/centres/{p}/librarians/{p}", .json, Self.admin),
            Endpoint("intake", "GET", "/open311/v2/services.json", .open311),
            Endpoint("intake", "GET", "/open311/v2/services.xml", .open311),
            Endpoint("intake", "GET", "/open311/v2/services/{p}.json", .open311),
            Endpoint("intake", "GET", "/open311/v2/requests.json", .open311),
            Endpoint("intake", "POST", "/open311/v2/requests.json", .open311),
            Endpoint("intake", "POST", "/open311/v2/requests.xml", .open311),
            Endpoint("intake", "GET", "/open311/v2/requests/{p}.xml", .open311),
            Endpoint("intake", "GET", "/open311/v2/tokens/{p}.json", .open311),
            Endpoint("intake", "GET", "/", .html),
            Endpoint("intake", "GET", "/form/login?next={p}", .html),
            Endpoint("intake", "POST", "/form/login", .html),
            Endpoint("intake", "POST", "/form/logout", .html),
            Endpoint("intake", "POST", "/form/appeals", .html),
            Endpoint("intake", "GET", "/track?number={p}&token={p}", .html),
            // routing: officials' API (as an official and as the administrator) and web inbox
            Endpoint("routing", "GET", "/v1/tickets?status={p}&limit={p}&authority={p}", .json, officialAuth),
            Endpoint("routing", "GET", "/v1/tickets/{p}", .json, Self.admin),
            Endpoint("routing", "POST", "/v1/tickets/\(ticket)/accept", .json, officialAuth),
            Endpoint("routing", "POST", "/v1/tickets/\(ticket)/forward", .json, Self.admin),
            Endpoint("routing", "POST", "/v1/tickets/{p}/{p}", .json, Self.admin),
            Endpoint("routing", "GET", "/v1/routing-rules", .json, Self.admin),
            Endpoint("routing", "PUT", "/v1/routing-rules", .json, Self.admin),
            Endpoint("routing", "GET", "/v1/authorities", .json, officialAuth),
            Endpoint("routing", "GET", "/v1/officials", .json, Self.admin),
            Endpoint("routing", "POST", "/v1/officials", .json, Self.admin),
            Endpoint("routing", "PUT", "/v1/officials/by-name", .json, Self.admin),
            Endpoint("routing", "POST", "/v1/officials/{p}/token", .json, Self.admin),
            Endpoint("routing", "DELETE", "/v1/officials/{p}/token", .json, Self.admin),
            Endpoint("routing", "GET", "/", .html),
            Endpoint("routing", "GET", "/login?next={p}", .html),
            Endpoint("routing", "POST", "/login", .html),
            Endpoint("routing", "POST", "/logout", .html),
            Endpoint("routing", "GET", "/tickets/{p}", .html),
            Endpoint("routing", "POST", "/tickets/{p}/{p}", .html),
            // notification: centre inbox JSON and HTML
            Endpoint("notification", "GET", "/v1/centres/{p}/notices?status={p}", .json, Self.centre),
            Endpoint("notification", "POST", "/v1/centres/\(centreId)/notices/{p}/read", .json, Self.centre),
            Endpoint("notification", "GET", "/centres/{p}/notices", .html),
            Endpoint("notification", "GET", "/centres/{p}/login", .html),
            Endpoint("notification", "POST", "/centres/{p}/login", .html),
            Endpoint("notification", "POST", "/centres/{p}/logout", .html),
            Endpoint("notification", "POST", "/centres/{p}/notices/{p}/read", .html),
            // audit
            Endpoint("audit", "GET", "/v1/verify", .json, Self.admin),
            Endpoint("audit", "POST", "/v1/verify", .json, Self.admin),
            Endpoint("audit", "GET", "/v1/checkpoints", .json, Self.admin),
            Endpoint("audit", "GET", "/v1/trail/{p}", .json, Self.admin),
            Endpoint("audit", "GET", "/v1/export?from={p}&to={p}", .json, Self.admin),
            Endpoint("audit", "POST", "/v1/erase/{p}", .json, Self.admin),
            Endpoint("audit", "POST", "/v1/erase/{p}"),
        ]
    }

    /// Hostile path segments (already in request-target form: sent as they are).
    static let hostileSegments: [String] = [
        "../../../../etc/passwd", "..%2f..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "..%252f..%252fetc%252fpasswd",
        "%27%20OR%20%271%27%3D%271", "1%27%3B%20DROP%20TABLE%20appeals%3B--", "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "%00", "%ff%fe", "%c0%af", String(repeating: "A", count: 5000), "-1", "99999999999999999999999", "%25", "%",
        "MK-2026-000001%27--", "00000000-0000-0000-0000-000000000000", "null", "%E2%80%AE", "..",
    ]

    /// Hostile bodies: name and bytes.
    static func hostileBodies(seed: UInt64) -> [(String, [UInt8], contentType: String)] {
        let sqlAppeal =
            #"{"kind":"application","category":"heating' OR '1'='1","#
            + #""author":{"fullName":"Robert'); DROP TABLE appeals;--","#
            + #""address":"1' UNION SELECT key_hash FROM centres--","preferredLanguage":"uk"},"#
            + #""subject":"'; DROP TABLE appeals; --","text":"x' AND pg_sleep(5)--","consent":true,"#
            + #""district":"'; SELECT pg_sleep(5);--","against":"zhkg' --"}"#
        let htmlAppeal =
            #"{"kind":"application","category":"heating","#
            + #""author":{"fullName":"<script>alert(1)</script> Тест Тестович","#
            + #""address":"<img src=x onerror=alert(1)>","preferredLanguage":"uk"},"#
            + #""subject":"<script>alert(1)</script>","#
            + #""text":"<iframe src=javascript:alert(1)></iframe> "#
            + #"достатньо довгий текст звернення","#
            + #""consent":true}"#
        let wrongTypes =
            #"{"kind":5,"category":[],"author":"me","subject":{},"text":true,"consent":"yes","name":1,"#
            + #""authority":{},"role":[],"rules":"all","to":7,"newDeadline":"yesterday","key":null,"token":12}"#
        let hugeNumbers =
            #"{"kind":"application","category":"heating","author":{"fullName":"А Б","address":"x","#
            + #""preferredLanguage":"uk"},"subject":"s","text":"tttttttttttttttttttt","consent":true,"#
            + #""location":{"lat":1e400,"lon":-1e400},"version":99999999999999999999999}"#
        let xxe =
            #"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><appeal><subject>"#
            + #"&xxe;</subject></appeal>"#
        let xmlBomb =
            #"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">"#
            + #"<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><l>&c;</l>"#
        let nulEscaped =
            #"{"kind":"application","category":"heating","author":{"fullName":"Нуль\u0000Нульович","#
            + #""address":"a\u0000b","preferredLanguage":"uk"},"subject":"a\u0000b","#
            + #""text":"текст\u0000 звернення достатньої довжини","consent":true,"#
            + #""name":"x\u0000y","authority":"zhkg","role":"official"}"#
        let loneSurrogate =
            #"{"kind":"application","category":"heating","author":{"fullName":"\ud800 Тест","address":"x","#
            + #""preferredLanguage":"uk"},"subject":"\udfff","#
            + #""text":"текст звернення достатньої довжини","consent":true}"#
        let formSQL =
            "token=' OR '1'='1&key=' OR 1=1--&service_code=heating'--&api_key=x' OR 'a'='a&description=%3Cscript%3E"
        var deepArray = [UInt8](repeating: UInt8(ascii: "["), count: 10_000)
        deepArray += [UInt8](repeating: UInt8(ascii: "]"), count: 10_000)
        var deepObject: [UInt8] = []
        for _ in 0..<10_000 { deepObject += Array(#"{"a":"#.utf8) }
        deepObject += Array("1".utf8)
        deepObject += [UInt8](repeating: UInt8(ascii: "}"), count: 10_000)
        var bodies: [(String, [UInt8], contentType: String)] = [
            ("malformed json", Array(#"{"kind": "application", "#.utf8), "application/json"),
            ("truncated", Array("{\"a\":".utf8), "application/json"),
            ("not an object", Array("[1,2,3]".utf8), "application/json"),
            ("null", Array("null".utf8), "application/json"),
            ("string", Array("\"x\"".utf8), "application/json"),
            ("empty", [], "application/json"),
            ("wrong types", Array(wrongTypes.utf8), "application/json"),
            ("huge numbers", Array(hugeNumbers.utf8), "application/json"),
            ("xml", Array(xxe.utf8), "application/xml"),
            ("xml bomb", Array(xmlBomb.utf8), "text/xml"),
            (
                "invalid utf-8",
                Array(#"{"subject":""#.utf8) + [0xFF, 0xFE, 0xC0, 0xAF, 0xED, 0xA0, 0x80]
                    + Array(#"","kind":"application"}"#.utf8), "application/json"
            ),
            ("nul escaped", Array(nulEscaped.utf8), "application/json"),
            ("lone surrogate", Array(loneSurrogate.utf8), "application/json"),
            ("sql injection", Array(sqlAppeal.utf8), "application/json"),
            ("html injection", Array(htmlAppeal.utf8), "application/json"),
            ("deeply nested array", deepArray, "application/json"),
            ("deeply nested object", deepObject, "application/json"),
            (
                "form garbage", Array("token=%ff%fe%00&key=%27%20OR%201%3D1--&csrf=%&number=<script>&=&&==".utf8),
                "application/x-www-form-urlencoded"
            ),
            ("form sql", Array(formSQL.utf8), "application/x-www-form-urlencoded"),
            (
                "1 MB",
                Array(#"{"subject":""#.utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 1_048_576)
                    + Array("\"}".utf8), "application/json"
            ),
        ]
        var generator = SplitMix64(seed: seed)
        for i in 0..<6 {
            bodies.append(
                (
                    "random \(i)", generator.bytes(Int.random(in: 1...4096, using: &generator)),
                    i % 2 == 0 ? "application/json" : "application/octet-stream"
                ))
        }
        return bodies
    }

    struct Tally {
        var requests = 0
        var statuses: [Int: Int] = [:]
        var dropped = 0
        var last: ContinuousClock.Instant?
        mutating func count(_ status: Int?) {
            requests += 1
            if let status { statuses[status, default: 0] += 1 } else { dropped += 1 }
        }
    }

    func check(
        _ response: RawHTTP.Response?, _ endpoint: Endpoint, _ what: String, mayDrop: Bool = false,
        tally: inout Tally, file: StaticString = #filePath, line: UInt = #line
    ) {
        tally.count(response?.status)
        let now = ContinuousClock.now
        if let last = tally.last, now - last > .milliseconds(500) {
            print("slow: \(now - last) \(endpoint.service) \(endpoint.method) \(endpoint.path) [\(what)]")
        }
        tally.last = now
        let label = "\(endpoint.service) \(endpoint.method) \(endpoint.path) [\(what)]"
        guard let response else {
            if !mayDrop { XCTFail("no answer: \(label)", file: file, line: line) }
            return
        }
        XCTAssertLessThan(
            response.status, 500, "\(label) → \(response.status): \(response.text.prefix(300))",
            file: file, line: line)
        XCTAssertFalse(response.text.contains("root:x:0:0"), "\(label) leaked /etc/passwd", file: file, line: line)
        guard response.status >= 400 else { return }
        // Refused by the HTTP parser before any route runs (header block over NIO's limit): a bare
        // 400/431 and a closed connection is the right answer there.
        if mayDrop, response.body.isEmpty, [400, 413, 431].contains(response.status) { return }
        let contentType = response.headers["content-type"] ?? ""
        switch endpoint.kind {
        case .json:
            if response.status == 404 || response.status == 405, !contentType.contains("json"), response.body.isEmpty {
                return
            }  // router miss
            XCTAssertTrue(
                contentType.contains("application/json"),
                "\(label) → \(response.status) with content type \(contentType)", file: file, line: line)
            XCTAssertTrue(
                Self.hasErrorShape(response.body),
                "\(label) → \(response.status) error body not in the contract's shape: \(response.text.prefix(300))",
                file: file, line: line)
        case .open311:
            if contentType.contains("json") {
                let ok = Self.hasErrorShape(response.body) || Self.hasOpen311ErrorShape(response.body)
                XCTAssertTrue(
                    ok, "\(label) → \(response.status) Open311 error body: \(response.text.prefix(300))", file: file,
                    line: line)
            } else if contentType.contains("xml") {
                XCTAssertTrue(
                    response.text.contains("<errors>") || response.text.contains("<error>"),
                    "\(label) → \(response.status) Open311 XML error: \(response.text.prefix(300))", file: file,
                    line: line)
            }
        case .html:
            if contentType.contains("json") {
                XCTAssertTrue(
                    Self.hasErrorShape(response.body),
                    "\(label) → \(response.status) error body: \(response.text.prefix(300))", file: file, line: line)
            }
            XCTAssertFalse(
                response.text.contains("<script>alert(1)</script>"), "\(label) reflected a script unescaped",
                file: file, line: line)
        }
    }

    static func hasErrorShape(_ body: [UInt8]) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let errors = object["errors"] as? [[String: Any]], !errors.isEmpty
        else { return false }
        return errors.allSatisfy {
            $0["code"] is String && $0["message"] is String
                && ($0["field"] == nil || $0["field"] is String || $0["field"] is NSNull)
        }
    }

    static func hasOpen311ErrorShape(_ body: [UInt8]) -> Bool {
        guard let array = try? JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]], !array.isEmpty else {
            return false
        }
        return array.allSatisfy { $0["code"] != nil && $0["description"] is String }
    }

    func testEveryEndpointSurvivesHostileInput() async throws {
        let started = ContinuousClock.now
        let seed =
            ProcessInfo.processInfo.environment["HROMADA_FUZZ_SEED"].flatMap(UInt64.init)
            ?? UInt64(Date().timeIntervalSince1970)
        print("HTTP fuzz seed: \(seed) (HROMADA_FUZZ_SEED=\(seed) reproduces it)")
        let system = try await SecuritySystem.start(self)
        let bodies = Self.hostileBodies(seed: seed)
        var tally = Tally()
        var generator = SplitMix64(seed: seed ^ 0x5EC)
        var clientNumber = 0
        /// A different X-Forwarded-For each time: the per-client rate limit would otherwise answer
        /// most of the anonymous requests with 429 before they reach the code under test.
        func forwarded() -> (String, String) {
            clientNumber += 1
            return (
                "X-Forwarded-For", "10.\(clientNumber / 65536 % 256).\(clientNumber / 256 % 256).\(clientNumber % 256)"
            )
        }

        for endpoint in endpoints(official: system.officialToken) {
            let port = system.harness(endpoint.service).port
            var baseHeaders: [(String, String)] = [forwarded()]
            if let auth = endpoint.auth { baseHeaders.append(("Authorization", auth)) }
            let plainPath = endpoint.path.replacingOccurrences(of: "{p}", with: "x")

            // 1. Bodies (for every method: a GET with a body must not confuse anything either).
            for (name, body, contentType) in bodies
            where endpoint.takesBody || name.hasPrefix("malformed") || name.hasPrefix("random 0") {
                let response = await RawHTTP.send(
                    port: port, method: endpoint.method, path: plainPath,
                    headers: baseHeaders + [("Content-Type", contentType), forwarded()], body: body)
                check(response, endpoint, name, tally: &tally)
            }
            // 2. Hostile path segments and query values.
            if endpoint.path.contains("{p}") {
                for segment in Self.hostileSegments {
                    let path = endpoint.path.replacingOccurrences(of: "{p}", with: segment)
                    let response = await RawHTTP.send(
                        port: port, method: endpoint.method, path: path, headers: baseHeaders + [forwarded()],
                        body: endpoint.takesBody ? Array("{}".utf8) : nil)
                    check(response, endpoint, "segment \(segment.prefix(40))", tally: &tally)
                }
            }
            // 3. Hostile headers.
            let headerCases: [(String, [(String, String)], Bool)] = [
                ("bearer sql", [("Authorization", "Bearer ' OR '1'='1"), forwarded()], false),
                (
                    "bearer 10k", [("Authorization", "Bearer " + String(repeating: "A", count: 10_000)), forwarded()],
                    false
                ),
                ("basic auth", [("Authorization", "Basic YWRtaW46YWRtaW4="), forwarded()], false),
                (
                    "cookie garbage",
                    [
                        (
                            "Cookie",
                            "hromada_session=%ff%fe.'--; hromada_centre=<script>alert(1)</script>; lang=<script>; "
                                + "hromada_lang=../../etc"
                        ), forwarded(),
                    ], false
                ),
                (
                    "accept-language", [("Accept-Language", String(repeating: "uk;q=0.9,", count: 500)), forwarded()],
                    false
                ),
                (
                    "content-type lies",
                    [
                        ("Content-Type", "multipart/form-data; boundary=" + String(repeating: "-", count: 2000)),
                        forwarded(),
                    ], false
                ),
                ("overlong header 100k", [("X-Long", String(repeating: "A", count: 100_000)), forwarded()], true),
                ("1000 headers", (0..<1000).map { ("X-H\($0)", "v") } + [forwarded()], true),
            ]
            for (name, headers, mayDrop) in headerCases {
                var all = headers
                if endpoint.auth != nil, !headers.contains(where: { $0.0 == "Authorization" }) {
                    all.append(("Authorization", endpoint.auth!))
                }
                let response = await RawHTTP.send(
                    port: port, method: endpoint.method, path: plainPath, headers: all,
                    body: endpoint.takesBody ? Array("{}".utf8) : nil)
                check(response, endpoint, name, mayDrop: mayDrop, tally: &tally)
            }
        }

        // Traversal outside any route, and raw bytes in the request line, on every service.
        for service in SecuritySystem.services {
            let port = system.harness(service).port
            let probe = Endpoint(service, "GET", "(traversal)")
            for path in [
                "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                "/static/..%2f..%2f..%2fetc%2fpasswd",
                "/..\\..\\etc\\passwd", "//etc/passwd", "/health/../../../etc/passwd",
                "/Resources/templates/../../../../etc/passwd",
                "/%ff%fe", "/\u{7f}", "/" + String(repeating: "a/", count: 4000),
            ] {
                let response = await RawHTTP.send(port: port, method: "GET", path: path, headers: [forwarded()])
                check(response, probe, path.prefix(40).description, mayDrop: true, tally: &tally)
            }
            // 10 MB to a body-taking endpoint of each service: refused (413) without harm.
            let big = [UInt8](repeating: UInt8(ascii: "["), count: 10 * 1_048_576)
            let target = [
                "intake": "/v1/appeals", "routing": "/v1/officials",
                "notification": "/centres/\(SecuritySystem.centreId)/login", "audit": "/v1/verify",
            ][service]!
            let response = await RawHTTP.send(
                port: port, method: "POST", path: target,
                headers: [
                    ("Authorization", service == "intake" ? Self.centre : Self.admin),
                    ("Content-Type", "application/json"), forwarded(),
                ], body: big)
            check(
                response, Endpoint(service, "POST", target, service == "notification" ? .html : .json), "10 MB",
                mayDrop: true, tally: &tally)
            // Random request lines and header blocks.
            for i in 0..<10 {
                let junk = generator.bytes(Int.random(in: 1...512, using: &generator)).map {
                    $0 == 13 || $0 == 10 ? 0x20 : $0
                }
                let response = await RawHTTP.send(
                    port: port, method: "POST",
                    path: "/v1/"
                        + String(decoding: junk.prefix(40).map { $0 < 0x21 || $0 > 0x7E ? 0x41 : $0 }, as: UTF8.self),
                    headers: [forwarded()], body: junk, rawHeaderBlock: Array("X-Junk-\(i): ".utf8) + junk + [13, 10])
                check(response, probe, "random request \(i)", mayDrop: true, tally: &tally)
            }
            // Still alive.
            let live = await RawHTTP.send(port: port, method: "GET", path: "/health/live")
            XCTAssertEqual(live?.status, 200, "\(service) no longer answers /health/live after the fuzzing")
        }

        let elapsed = ContinuousClock.now - started
        let histogram = tally.statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }
            .joined(separator: " ")
        print(
            "HTTP fuzz: \(tally.requests) requests to \(endpoints(official: "").count) endpoints in \(elapsed);"
                + " statuses \(histogram); closed without answer: \(tally.dropped)")
        XCTAssertNil(tally.statuses.keys.first { $0 >= 500 }, "a 5xx was answered")
        XCTAssertGreaterThan(
            tally.statuses[400, default: 0] + tally.statuses[422, default: 0], 50,
            "the bodies did not reach the decoders")
        // Its time is printed above, not asserted: a loaded machine would fail a correct server.
    }
}
