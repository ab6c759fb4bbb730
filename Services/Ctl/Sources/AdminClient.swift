import Foundation

/// The services' administration APIs, called with the administrator token. Answers are passed
/// through as JSON (`Any`) so the CLI can print them as tables or pretty JSON without copying every
/// service's types.
public struct AdminClient: Sendable {
    public let endpoints: CtlEndpoints
    let http = HTTPClient(timeout: 30)

    public init(endpoints: CtlEndpoints) { self.endpoints = endpoints }

    func token() throws -> String {
        guard let token = endpoints.adminToken, !token.isEmpty else {
            throw CtlError(.configuration, "an administrator token is required: --token, HROMADA_ADMIN_TOKEN or --credentials FILE")
        }
        return token
    }

    func base(_ service: String) throws -> String {
        guard let url = endpoints.url(of: service) else { throw CtlError(.configuration, "no URL for \(service)") }
        return url
    }

    static func body(_ object: Any) throws -> Data { try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) }

    @discardableResult
    func call(_ method: String, _ service: String, _ path: String, json: Any? = nil) async throws -> HTTPClient.Response {
        try await http.expectOK(method, try base(service) + path, body: try json.map(Self.body), bearer: try token())
    }

    // MARK: Routing

    public func authorities() async throws -> [AuthorityBacklog] {
        let response = try await call("GET", "routing", "/v1/authorities")
        do { return try JSONDecoder().decode([AuthorityBacklog].self, from: response.body) } catch {
            throw CtlError(.badResponse, "routing /v1/authorities: unexpected shape")
        }
    }

    public func officials() async throws -> [[String: Any]] {
        guard let list = try await call("GET", "routing", "/v1/officials").json() as? [[String: Any]] else {
            throw CtlError(.badResponse, "routing /v1/officials: not an array")
        }
        return list
    }

    /// `POST /v1/officials`; returns `{id, token}` (the token is shown once).
    public func addOfficial(name: String, authority: String, role: String, email: String?) async throws -> [String: Any] {
        var body: [String: Any] = ["name": name, "authority": authority, "role": role]
        if let email { body["email"] = email }
        guard let object = try await call("POST", "routing", "/v1/officials", json: body).json() as? [String: Any] else {
            throw CtlError(.badResponse, "routing /v1/officials: not an object")
        }
        return object
    }

    /// `PUT /v1/officials/by-name` with a given token (idempotent); returns whether it was created.
    public func upsertOfficial(name: String, authority: String, role: String, token: String) async throws -> Bool {
        let object = try await call("PUT", "routing", "/v1/officials/by-name",
                                    json: ["name": name, "authority": authority, "role": role, "token": token]).json() as? [String: Any]
        return object?["created"] as? Bool ?? false
    }

    public func issueToken(officialId: String) async throws -> String {
        guard let object = try await call("POST", "routing", "/v1/officials/\(officialId)/token").json() as? [String: Any],
              let token = object["token"] as? String else { throw CtlError(.badResponse, "routing: no token in the answer") }
        return token
    }

    public func revokeToken(officialId: String) async throws {
        try await call("DELETE", "routing", "/v1/officials/\(officialId)/token")
    }

    public func routingRules() async throws -> Any { try await call("GET", "routing", "/v1/routing-rules").json() }

    /// `PUT /v1/routing-rules` with the file's JSON: `{"expectedVersion"?: n, "rules":[{category, district?, authority}]}`
    /// (a bare array of rules is accepted too).
    public func setRoutingRules(_ data: Data) async throws -> Any {
        guard let parsed = try? JSONSerialization.jsonObject(with: data) else { throw CtlError(.configuration, "the rules file is not JSON") }
        let body: Any = parsed is [Any] ? ["rules": parsed] : parsed
        return try await call("PUT", "routing", "/v1/routing-rules", json: body).json()
    }

    // MARK: Intake

    public func centres() async throws -> [[String: Any]] {
        guard let list = try await call("GET", "intake", "/v1/admin/centres").json() as? [[String: Any]] else {
            throw CtlError(.badResponse, "intake /v1/admin/centres: not an array")
        }
        return list
    }

    /// `PUT /v1/admin/centres/{id}` (create or update; idempotent).
    public func putCentre(id: String, name: String, address: String, key: String, active: Bool = true) async throws -> [String: Any] {
        let object = try await call("PUT", "intake", "/v1/admin/centres/\(RabbitManagement.encode(id))",
                                    json: ["name": name, "address": address, "key": key, "active": active]).json()
        return object as? [String: Any] ?? [:]
    }

    // MARK: Audit

    public func auditVerify() async throws -> [String: Any] {
        guard let object = try await call("GET", "audit", "/v1/verify").json() as? [String: Any] else {
            throw CtlError(.badResponse, "audit /v1/verify: not an object")
        }
        return object
    }

    public func auditTrail(_ registrationNumber: String) async throws -> [String: Any] {
        guard let object = try await call("GET", "audit", "/v1/trail/\(RabbitManagement.encode(registrationNumber))").json() as? [String: Any] else {
            throw CtlError(.badResponse, "audit trail: not an object")
        }
        return object
    }

    /// JSON Lines of the stored entries from sequence `from`.
    public func auditExport(from: Int64) async throws -> Data {
        try await call("GET", "audit", "/v1/export?from=\(from)").body
    }

    public func auditErase(_ registrationNumber: String) async throws -> [String: Any] {
        try await call("POST", "audit", "/v1/erase/\(RabbitManagement.encode(registrationNumber))").json() as? [String: Any] ?? [:]
    }
}

/// `hromadactl seed`: the demo centre and the demo officials, from (and completing) the credentials file.
public struct Seeder: Sendable {
    public static let demoCentreId = "demo-library"
    public static let demoCentreName = "ЦНАП у бібліотеці (демо)"
    public static let demoCentreAddress = "м. Миколаїв, вул. Адміральська, 14 (демо)"

    public let admin: AdminClient

    public init(admin: AdminClient) { self.admin = admin }

    /// Fills in what the file lacks: keys and tokens, and the two demo officials
    /// (mayor-reception, zhkg). Returns whether anything changed.
    public static func complete(_ credentials: inout Credentials, newToken: () -> String) -> Bool {
        var changed = false
        if credentials.centreKey?.isEmpty ?? true { credentials.centreKey = newToken(); changed = true }
        if credentials.adminToken?.isEmpty ?? true { credentials.adminToken = newToken(); changed = true }
        if credentials.operatorToken?.isEmpty ?? true { credentials.operatorToken = newToken(); changed = true }
        var officials = credentials.officials ?? []
        for (authority, name) in [("mayor-reception", "Приймальня міського голови (демо)"), ("zhkg", "Департамент ЖКГ (демо)")]
        where !officials.contains(where: { $0.authority == authority }) {
            officials.append(.init(authority: authority, name: name, token: newToken()))
            changed = true
        }
        for index in officials.indices where officials[index].token.isEmpty {
            officials[index].token = newToken()
            changed = true
        }
        if credentials.officials != officials { credentials.officials = officials; changed = true }
        return changed
    }

    public static func role(for official: Credentials.Official) -> String {
        official.role ?? (official.authority == "mayor-reception" ? "reception" : "official")
    }

    /// Puts the demo centre and officials in place (idempotent); returns one line per action.
    public func seed(_ credentials: Credentials) async throws -> [String] {
        var lines: [String] = []
        guard let key = credentials.centreKey else { throw CtlError(.configuration, "the credentials have no centreKey") }
        _ = try await admin.putCentre(id: Self.demoCentreId, name: Self.demoCentreName, address: Self.demoCentreAddress, key: key)
        lines.append("centre \(Self.demoCentreId): in place (intake)")
        for official in credentials.officials ?? [] {
            let created = try await admin.upsertOfficial(name: official.name, authority: official.authority,
                                                         role: Self.role(for: official), token: official.token)
            lines.append("official \(official.authority) (\(Self.role(for: official))): \(created ? "created" : "already present, token set")")
        }
        return lines
    }
}
