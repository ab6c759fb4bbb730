import Foundation
import HromadaAPI

/// The services' administration APIs, called with the administrator token. Answers are decoded
/// into the services' published JSON types (`HromadaAPI`), so a service answering another shape is
/// a clear `.badResponse` naming the endpoint and the field.
public struct AdminClient: Sendable {
    public let endpoints: CtlEndpoints
    let http = HTTPClient(timeout: 30)

    public init(endpoints: CtlEndpoints) { self.endpoints = endpoints }

    func token() throws -> String {
        guard let token = endpoints.adminToken, !token.isEmpty else {
            throw CtlError(
                .configuration, "an administrator token is required: --token, HROMADA_ADMIN_TOKEN or --credentials FILE"
            )
        }
        return token
    }

    func base(_ service: String) throws -> String {
        guard let url = endpoints.url(of: service) else { throw CtlError(.configuration, "no URL for \(service)") }
        return url
    }

    @discardableResult
    func call(_ method: String, _ service: String, _ path: String, body: Data? = nil) async throws
        -> HTTPClient.Response
    {
        try await http.expectOK(method, try base(service) + path, body: body, bearer: try token())
    }

    /// `method path` with `body` encoded as JSON, the answer decoded as `T`.
    func call<T: Decodable>(
        _ method: String, _ service: String, _ path: String, sending body: (some Encodable)? = Optional<Int>.none,
        as type: T.Type
    ) async throws -> T {
        let data = try body.map { try APICoding.encoder().encode($0) }
        return try await call(method, service, path, body: data).decode(type, "\(service) \(path)")
    }

    // MARK: Routing

    public func authorities() async throws -> [AuthorityBacklog] {
        try await call("GET", "routing", "/v1/authorities", as: [AuthorityBacklog].self)
    }

    public func officials() async throws -> [RoutingJSON.Official] {
        try await call("GET", "routing", "/v1/officials", as: [RoutingJSON.Official].self)
    }

    /// `POST /v1/officials`; returns `{id, token}` (the token is shown once).
    public func addOfficial(name: String, authority: String, role: String, email: String?) async throws
        -> RoutingJSON.OfficialCreated
    {
        try await call(
            "POST", "routing", "/v1/officials",
            sending: RoutingJSON.OfficialRequest(name: name, authority: authority, role: role, email: email),
            as: RoutingJSON.OfficialCreated.self)
    }

    /// `PUT /v1/officials/by-name` with a given token (idempotent); returns whether it was created.
    public func upsertOfficial(name: String, authority: String, role: String, token: String) async throws -> Bool {
        try await call(
            "PUT", "routing", "/v1/officials/by-name",
            sending: RoutingJSON.OfficialRequest(name: name, authority: authority, role: role, token: token),
            as: RoutingJSON.OfficialUpserted.self
        ).created
    }

    public func issueToken(officialId: String) async throws -> String {
        try await call(
            "POST", "routing", "/v1/officials/\(RabbitManagement.encode(officialId))/token",
            as: RoutingJSON.TokenIssued.self
        ).token
    }

    public func revokeToken(officialId: String) async throws {
        try await call("DELETE", "routing", "/v1/officials/\(RabbitManagement.encode(officialId))/token")
    }

    public func routingRules() async throws -> RoutingJSON.RuleSet {
        try await call("GET", "routing", "/v1/routing-rules", as: RoutingJSON.RuleSet.self)
    }

    /// `PUT /v1/routing-rules` with the file's JSON:
    /// `{"expectedVersion"?: n, "rules":[{category, district?, authority}]}` (a bare array of rules is accepted too).
    public func setRoutingRules(_ data: Data) async throws -> RoutingJSON.RuleSet {
        try await call(
            "PUT", "routing", "/v1/routing-rules", sending: try Self.ruleSetUpdate(data), as: RoutingJSON.RuleSet.self)
    }

    /// The rules file as an update: an object with `rules` (and `expectedVersion`), or a bare array.
    static func ruleSetUpdate(_ data: Data) throws -> RoutingJSON.RuleSetUpdate {
        guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
            throw CtlError(.configuration, "the rules file is not JSON")
        }
        if let update = try? APICoding.decode(RoutingJSON.RuleSetUpdate.self, from: data) { return update }
        do {
            return RoutingJSON.RuleSetUpdate(rules: try APICoding.decode([RoutingJSON.Rule].self, from: data))
        } catch let error as DecodingError {
            throw CtlError(
                .configuration,
                "the rules file is not {\"rules\": [{category, district?, authority}]}"
                    + HTTPClient.Response.field(of: error))
        }
    }

    // MARK: Intake

    public func centres() async throws -> [IntakeJSON.Centre] {
        try await call("GET", "intake", "/v1/admin/centres", as: [IntakeJSON.Centre].self)
    }

    /// `PUT /v1/admin/centres/{id}` (create or update; idempotent).
    public func putCentre(id: String, name: String, address: String, key: String, active: Bool = true) async throws
        -> IntakeJSON.Centre
    {
        try await call(
            "PUT", "intake", "/v1/admin/centres/\(RabbitManagement.encode(id))",
            sending: IntakeJSON.CentreUpsert(name: name, address: address, key: key, active: active),
            as: IntakeJSON.Centre.self)
    }

    /// `POST /v1/admin/centres/{id}/librarians`: a librarian's personal account (a generated
    /// password comes back once when `password` is nil).
    public func addLibrarian(centre: String, login: String, password: String?) async throws
        -> IntakeJSON.LibrarianCreated
    {
        try await call(
            "POST", "intake", "/v1/admin/centres/\(RabbitManagement.encode(centre))/librarians",
            sending: IntakeJSON.LibrarianCreate(login: login, password: password), as: IntakeJSON.LibrarianCreated.self)
    }

    /// `PUT /v1/admin/centres/{id}/librarians/{login}` (create or set the password; idempotent).
    public func putLibrarian(centre: String, login: String, password: String) async throws
        -> IntakeJSON.LibrarianUpserted
    {
        try await call(
            "PUT", "intake",
            "/v1/admin/centres/\(RabbitManagement.encode(centre))/librarians/\(RabbitManagement.encode(login))",
            sending: IntakeJSON.LibrarianPassword(password: password), as: IntakeJSON.LibrarianUpserted.self)
    }

    public func librarians(centre: String) async throws -> [IntakeJSON.Librarian] {
        try await call(
            "GET", "intake", "/v1/admin/centres/\(RabbitManagement.encode(centre))/librarians",
            as: [IntakeJSON.Librarian].self)
    }

    // MARK: Audit

    public func auditVerify() async throws -> AuditJSON.Verification {
        try await call("GET", "audit", "/v1/verify", as: AuditJSON.Verification.self)
    }

    public func auditTrail(_ registrationNumber: String) async throws -> AuditJSON.Trail {
        try await call(
            "GET", "audit", "/v1/trail/\(RabbitManagement.encode(registrationNumber))", as: AuditJSON.Trail.self)
    }

    /// JSON Lines of the stored entries from sequence `from`.
    public func auditExport(from: Int64) async throws -> Data {
        try await call("GET", "audit", "/v1/export?from=\(from)").body
    }

    public func auditErase(_ registrationNumber: String) async throws -> AuditJSON.Erasure {
        try await call(
            "POST", "audit", "/v1/erase/\(RabbitManagement.encode(registrationNumber))", as: AuditJSON.Erasure.self)
    }
}

/// `hromadactl seed`: the demo centre and the demo officials, from (and completing) the credentials file.
public struct Seeder: Sendable {
    public static let demoCentreId = "demo-library"
    public static let demoCentreName = "ЦНАП у бібліотеці (демо)"
    public static let demoCentreAddress = "м. Миколаїв, вул. Адміральська, 14 (демо)"
    public static let demoLibrarianLogin = "demo-librarian"

    public let admin: AdminClient

    public init(admin: AdminClient) { self.admin = admin }

    /// Fills in what the file lacks: keys and tokens, and the two demo officials
    /// (mayor-reception, zhkg). Returns whether anything changed.
    public static func complete(_ credentials: inout Credentials, newToken: () -> String) -> Bool {
        var changed = false
        if credentials.centreKey?.isEmpty ?? true {
            credentials.centreKey = newToken()
            changed = true
        }
        if credentials.adminToken?.isEmpty ?? true {
            credentials.adminToken = newToken()
            changed = true
        }
        if credentials.operatorToken?.isEmpty ?? true {
            credentials.operatorToken = newToken()
            changed = true
        }
        var officials = credentials.officials ?? []
        for (authority, name) in [
            ("mayor-reception", "Приймальня міського голови (демо)"),
            ("zhkg", "Департамент ЖКГ (демо)"),
        ]
        where !officials.contains(where: { $0.authority == authority }) {
            officials.append(.init(authority: authority, name: name, token: newToken()))
            changed = true
        }
        if credentials.librarians?.isEmpty ?? true {
            credentials.librarians = [.init(centre: demoCentreId, login: demoLibrarianLogin, password: newToken())]
            changed = true
        }
        for index in officials.indices where officials[index].token.isEmpty {
            officials[index].token = newToken()
            changed = true
        }
        if credentials.officials != officials {
            credentials.officials = officials
            changed = true
        }
        return changed
    }

    public static func role(for official: Credentials.Official) -> String {
        official.role ?? (official.authority == "mayor-reception" ? "reception" : "official")
    }

    /// Puts the demo centre and officials in place (idempotent); returns one line per action.
    public func seed(_ credentials: Credentials) async throws -> [String] {
        var lines: [String] = []
        guard let key = credentials.centreKey else {
            throw CtlError(.configuration, "the credentials have no centreKey")
        }
        _ = try await admin.putCentre(
            id: Self.demoCentreId, name: Self.demoCentreName, address: Self.demoCentreAddress, key: key)
        lines.append("centre \(Self.demoCentreId): in place (intake)")
        for librarian in credentials.librarians ?? [] {
            let put = try await admin.putLibrarian(
                centre: librarian.centre, login: librarian.login, password: librarian.password)
            let state = put.created ? "created" : "in place, password set"
            lines.append("librarian \(librarian.login) at \(librarian.centre): \(state)")
        }
        for official in credentials.officials ?? [] {
            let created = try await admin.upsertOfficial(
                name: official.name, authority: official.authority,
                role: Self.role(for: official), token: official.token)
            let state = created ? "created" : "already present, token set"
            lines.append("official \(official.authority) (\(Self.role(for: official))): \(state)")
        }
        return lines
    }
}
