import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime
import Hummingbird
import Logging
import Prometheus

/// Settings that belong to the intake service only.
public struct IntakeSettings: Sendable {
    /// "Now": injectable so tests can check registration days and windows without waiting.
    public var clock: @Sendable () -> Date
    /// Secret for the librarian's session cookies (per process by default: a restart logs out).
    public var sessionSecret: [UInt8]
    /// Largest accepted request body.
    public var maxBodyBytes: Int
    public init(clock: @escaping @Sendable () -> Date = { Date() }, sessionSecret: [UInt8] = SecureRandom.bytes(32), maxBodyBytes: Int = 64 * 1024) {
        self.clock = clock
        self.sessionSecret = sessionSecret
        self.maxBodyBytes = maxBodyBytes
    }
}

/// A Citizen Service Centre, as the admin API shows it (never the key or its hash).
public struct Centre: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var address: String
    public var active: Bool
    public var updatedAt: Date
}

public enum IntakeService {
    public typealias Context = BasicRequestContext

    public static func build(
        configuration: ServiceConfiguration, logger: Logger, metricsRegistry: PrometheusCollectorRegistry?,
        settings: IntakeSettings = IntakeSettings()
    ) async throws -> (runtime: ServiceRuntime, router: Router<Context>) {
        let runtime = try ServiceRuntime(configuration: configuration, logger: logger, metricsRegistry: metricsRegistry)
        try await runtime.prepare(migrations: IntakeMigrations.all)
        try await runtime.database.withTransaction { connection in try ReferenceSeed.seed(on: connection) }
        runtime.addConsumer(queue: Topology.Queue.intake.rawValue, bindings: TrackingProjection.bindings, handler: TrackingProjection())
        let router = runtime.makeRouter(context: Context.self)
        let api = IntakeAPI(runtime: runtime, settings: settings)
        api.addRoutes(to: router)
        Open311API(api: api).addRoutes(to: router)
        let pages = try await WebPages(api: api)
        pages.addRoutes(to: router)
        return (runtime, router)
    }

    public static func run(configuration: ServiceConfiguration, logger: Logger, metricsRegistry: PrometheusCollectorRegistry?) async throws {
        let (runtime, router) = try await build(configuration: configuration, logger: logger, metricsRegistry: metricsRegistry)
        try await runtime.run(application: runtime.makeApplication(router: router))
    }
}

/// Seeds the reference tables from `Reference` idempotently (upsert by code).
public enum ReferenceSeed {
    public static func seed(on connection: PostgresConnection) throws {
        for d in Reference.districts {
            try connection.execute(
                "INSERT INTO districts (code, name_uk, name_en) VALUES (\(d.code), \(d.nameUk), \(d.nameEn)) ON CONFLICT (code) DO UPDATE SET name_uk = EXCLUDED.name_uk, name_en = EXCLUDED.name_en")
        }
        for a in Reference.authorities {
            try connection.execute(
                """
                INSERT INTO authorities (code, name_uk, name_en, district) VALUES (\(a.code), \(a.nameUk), \(a.nameEn), \(a.district))
                ON CONFLICT (code) DO UPDATE SET name_uk = EXCLUDED.name_uk, name_en = EXCLUDED.name_en, district = EXCLUDED.district
                """)
        }
        for (i, c) in Reference.categories.enumerated() {
            try connection.execute(
                """
                INSERT INTO categories (code, name_uk, name_en, description_uk, description_en, default_authority, term_days, position)
                VALUES (\(c.code), \(c.nameUk), \(c.nameEn), \(c.descriptionUk), \(c.descriptionEn), \(c.defaultAuthority), \(c.termDays), \(i))
                ON CONFLICT (code) DO UPDATE SET name_uk = EXCLUDED.name_uk, name_en = EXCLUDED.name_en, description_uk = EXCLUDED.description_uk,
                    description_en = EXCLUDED.description_en, default_authority = EXCLUDED.default_authority, term_days = EXCLUDED.term_days,
                    position = EXCLUDED.position
                """)
        }
    }
}

/// The JSON API and the pieces the other front doors (Open311, the form) share.
public struct IntakeAPI: Sendable {
    public let runtime: ServiceRuntime
    public let settings: IntakeSettings

    struct CategoryDTO: Codable { let code, nameUk, nameEn, descriptionUk, descriptionEn, defaultAuthority: String; let termDays: Int; let needsStudy: Bool }
    struct AuthorityDTO: Codable { let code, nameUk, nameEn: String; let district: String? }
    struct DistrictDTO: Codable { let code, nameUk, nameEn: String }
    struct CentreUpsert: Codable { let name: String; let address: String; let key: String; let active: Bool? }

    func addRoutes(to router: Router<IntakeService.Context>) {
        let publicLimit = RateLimitMiddleware<IntakeService.Context>(requestsPerSecond: 50, burst: 100)
        router.group("v1").add(middleware: publicLimit)
            .get("categories") { _, _ in try await self.categories() }
            .get("authorities") { _, _ in try await self.authorities() }
            .get("districts") { _, _ in try await self.districts() }
            .post("appeals") { request, context in try await self.postAppeal(request, context: context) }
            .get("appeals/{number}") { request, context in try await self.getAppeal(request, context: context) }
        router.group("v1/admin")
            .put("centres/{id}") { request, context in try await self.putCentre(request, context: context) }
            .get("centres") { request, _ in try await self.listCentres(request) }
    }

    // MARK: Reference data

    func categories() async throws -> Response {
        let rows = try await runtime.database.query(
            "SELECT code, name_uk, name_en, description_uk, description_en, default_authority, term_days FROM categories ORDER BY position")
        return try JSON.response(try rows.map { r in
            let term = try r.decode(6, as: Int.self)
            return CategoryDTO(code: try r.decode(0), nameUk: try r.decode(1), nameEn: try r.decode(2), descriptionUk: try r.decode(3),
                               descriptionEn: try r.decode(4), defaultAuthority: try r.decode(5), termDays: term, needsStudy: term == Law.studyTermDays)
        })
    }

    func authorities() async throws -> Response {
        let rows = try await runtime.database.query("SELECT code, name_uk, name_en, district FROM authorities ORDER BY code")
        return try JSON.response(try rows.map { r in
            AuthorityDTO(code: try r.decode(0), nameUk: try r.decode(1), nameEn: try r.decode(2), district: try r.decode(3, as: String?.self))
        })
    }

    func districts() async throws -> Response {
        let rows = try await runtime.database.query("SELECT code, name_uk, name_en FROM districts ORDER BY code")
        return try JSON.response(try rows.map { r in DistrictDTO(code: try r.decode(0), nameUk: try r.decode(1), nameEn: try r.decode(2)) })
    }

    // MARK: Centres

    /// The active centre whose key is `key`, or nil. The key is hashed and looked up by hash.
    public func authenticateCentre(key: String?) async throws -> Centre? {
        guard let key, !key.isEmpty, key.count <= 512 else { return nil }
        let hash = TokenHash.hash(token: key)
        let rows = try await runtime.database.query(
            "SELECT id, name, address, active, updated_at, key_hash FROM centres WHERE key_hash = \(hash) AND active")
        guard let r = rows.first, TokenHash.verify(token: key, hash: try r.decode(5, as: String.self)) else { return nil }
        return Centre(id: try r.decode(0), name: try r.decode(1), address: try r.decode(2), active: try r.decode(3), updatedAt: try r.decode(4))
    }

    public func centre(id: String) async throws -> Centre? {
        let rows = try await runtime.database.query("SELECT id, name, address, active, updated_at FROM centres WHERE id = \(id)")
        return try rows.first.map { r in
            Centre(id: try r.decode(0), name: try r.decode(1), address: try r.decode(2), active: try r.decode(3), updatedAt: try r.decode(4))
        }
    }

    static func isCentreId(_ s: String) -> Bool {
        (2...64).contains(s.count) && s.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" } && !s.hasPrefix("-")
    }

    func putCentre(_ request: Request, context: IntakeService.Context) async throws -> Response {
        guard BearerToken.isAdministrator(request, configuration: runtime.configuration) else { throw APIError.unauthorized() }
        let id = context.parameters.get("id") ?? ""
        let body = try await request.body.collect(upTo: settings.maxBodyBytes)
        let input = try JSON.decoder.decode(CentreUpsert.self, from: Data(buffer: body))
        var errors: [FieldError] = []
        if !Self.isCentreId(id) { errors.append(FieldError(field: "id", code: "invalid_value", message: "centre id: 2–64 lower-case letters, digits, dashes", messageUk: "Ідентифікатор центру: 2–64 латинські літери, цифри, дефіси")) }
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        let address = input.address.trimmingCharacters(in: .whitespacesAndNewlines)
        if !(2...200).contains(name.count) { errors.append(FieldError(field: "name", code: "invalid_length", message: "name: 2–200 characters", messageUk: "Назва: 2–200 символів")) }
        if !(5...300).contains(address.count) { errors.append(FieldError(field: "address", code: "invalid_length", message: "address: 5–300 characters", messageUk: "Адреса: 5–300 символів")) }
        if !(16...512).contains(input.key.count) { errors.append(FieldError(field: "key", code: "invalid_length", message: "key: 16–512 characters", messageUk: "Ключ: 16–512 символів")) }
        guard errors.isEmpty else { throw APIError.validation(errors) }
        let keyHash = TokenHash.hash(token: input.key)
        let active = input.active ?? true
        let now = settings.clock()
        let producer = runtime.configuration.producer
        let centre: Centre
        do {
            centre = try await runtime.database.withTransaction { connection in
                try connection.execute(
                    """
                    INSERT INTO centres (id, name, address, key_hash, active, updated_at) VALUES (\(id), \(name), \(address), \(keyHash), \(active), \(now))
                    ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address, key_hash = EXCLUDED.key_hash,
                        active = EXCLUDED.active, updated_at = EXCLUDED.updated_at
                    """)
                let event = CentreUpdated(centreId: id, name: name, address: address, keyHash: keyHash, active: active, updatedAt: now)
                try Outbox.enqueue(event, correlationId: CentreUpdated.correlationId(centreId: id), causationId: nil, producer: producer, occurredAt: now, on: connection)
                return Centre(id: id, name: name, address: address, active: active, updatedAt: ISO8601.roundedToMilliseconds(now))
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw APIError(.conflict, code: "key_in_use", message: "this key belongs to another centre", field: "key", messageUk: "Цей ключ належить іншому центру")
        }
        runtime.outboxRelay.notifyCommitted()
        return try JSON.response(centre)
    }

    func listCentres(_ request: Request) async throws -> Response {
        guard BearerToken.isAdministrator(request, configuration: runtime.configuration) else { throw APIError.unauthorized() }
        let rows = try await runtime.database.query("SELECT id, name, address, active, updated_at FROM centres ORDER BY id")
        return try JSON.response(try rows.map { r in
            Centre(id: try r.decode(0), name: try r.decode(1), address: try r.decode(2), active: try r.decode(3), updatedAt: try r.decode(4))
        })
    }

    // MARK: Appeals

    func postAppeal(_ request: Request, context: IntakeService.Context) async throws -> Response {
        guard let centre = try await authenticateCentre(key: BearerToken.from(request)) else { throw APIError.unauthorized("a valid centre key is required") }
        let body = try await request.body.collect(upTo: settings.maxBodyBytes)
        let bytes = Array(buffer: body)
        let submission = try JSON.decoder.decode(AppealSubmission.self, from: Data(bytes))
        var idempotency: (centre: String, key: String, requestHash: String)?
        if let key = request.headers[.init("Idempotency-Key")!] {
            guard (1...200).contains(key.count) else {
                throw APIError(.badRequest, code: "invalid_idempotency_key", message: "Idempotency-Key must have 1–200 characters", field: "Idempotency-Key")
            }
            // The hash of the decoded request in canonical form (sorted keys): a retry that
            // serialises the same appeal with another key order or spacing is the same request.
            idempotency = (centre.id, key, SHA256.hex(Array(try JSON.encoder.encode(submission))))
        }
        let outcome = try await register(submission, channel: "api", centre: centre.id, idempotency: idempotency, logger: context.logger)
        switch outcome {
        case .registered(let receipt):
            return try JSON.response(receipt, status: .created, headers: [.location: "/v1/appeals/\(receipt.registrationNumber)"])
        case .replayed(let receipt):
            return try JSON.response(receipt, status: .created, headers: [.location: "/v1/appeals/\(receipt.registrationNumber)", .init("Idempotent-Replayed")!: "true"])
        case .keyReused:
            throw APIError(.unprocessableContent, code: "idempotency_key_reused", message: "this Idempotency-Key was used with a different request",
                           field: "Idempotency-Key", messageUk: "Цей ключ ідемпотентності вже використано для іншого запиту")
        }
    }

    /// Validation and registration, shared by every front door. Throws `APIError` (422) with
    /// every field problem.
    public func register(_ submission: AppealSubmission, channel: String, centre: String?,
                         idempotency: (centre: String, key: String, requestHash: String)? = nil, logger: Logger) async throws -> RegistrationOutcome {
        let valid: ValidAppeal
        switch AppealValidator.validate(submission, channel: channel, authenticatedCentre: centre) {
        case .success(let v): valid = v
        case .failure(let error):
            AppealRegistrar.recordValidationFailures(error, channel: channel)
            throw error
        }
        let now = settings.clock()
        let producer = runtime.configuration.producer
        // The number is drawn before the registering transaction, in a statement of its own, so
        // the year's counter row is locked for that statement only and registrations run in
        // parallel (see AppealRegistrar.drawSequence). A retry whose key is already known draws
        // nothing: it gets its first answer back.
        let known = try await idempotency.asyncMap { key in
            try await runtime.database.withConnection { try AppealRegistrar.isKnown(idempotency: key, on: $0) }
        } ?? false
        let sequence: Int? = known ? nil : try await runtime.database.withConnection { connection in
            try AppealRegistrar.drawSequence(year: LocalDate(date: now, in: .kyiv).year, on: connection)
        }
        let outcome = try await runtime.database.withTransaction { connection in
            try AppealRegistrar.register(valid, channel: channel, now: now, producer: producer, idempotency: idempotency, sequence: sequence, on: connection)
        }
        if case .registered(let receipt) = outcome {
            runtime.outboxRelay.notifyCommitted()
            logger.info("appeal registered", metadata: [
                "appeal.id": "\(receipt.id)", "appeal.number": "\(receipt.registrationNumber)", "appeal.channel": "\(channel)",
                "appeal.repeat": "\(receipt.repeatOf != nil)",
            ])
        }
        return outcome
    }

    func getAppeal(_ request: Request, context: IntakeService.Context) async throws -> Response {
        let number = context.parameters.get("number") ?? ""
        let query = FormData(query: request.uri.query)
        let token = query["token"] ?? ""
        let language: Language = query["lang"] == "uk" ? .uk : .en
        guard let view = try await track(number: number, token: token, language: language) else {
            throw APIError.notFound("appeal")  // the same for an unknown number and a wrong token
        }
        return try JSON.response(view, headers: [.cacheControl: "no-store"])
    }

    public func track(number: String, token: String, language: Language) async throws -> AppealStatusView? {
        guard (1...40).contains(number.count), (1...200).contains(token.count) else {
            _ = TokenHash.verify(token: "x", hash: String(repeating: "0", count: 64))
            return nil
        }
        return try await runtime.database.withConnection { connection in
            try TrackingQuery.find(number: number, token: token, language: language, on: connection)
        }
    }
}

extension Optional {
    /// `map` for an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
