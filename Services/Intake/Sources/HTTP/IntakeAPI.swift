import Foundation
import HromadaAPI
import HromadaContracts
import HromadaRuntime
import HromadaWeb
import Hummingbird
import Logging

/// The JSON API: reference data, appeals (`POST /v1/appeals`, tracking) and the administrators'
/// centres. Who is asking comes from the bearer authenticator (`IntakeService.principal(token:)`):
/// a centre's key or the administrator's token. Handlers decode, ask the domain, call the store.
struct IntakeAPI: Sendable {
    let intake: AppealIntake

    var store: IntakeStore { intake.store }
    var settings: IntakeSettings { intake.settings }
    var strings: IntakeStrings { intake.strings }

    func addRoutes(to router: Router<IntakeService.Context>) {
        // Separate buckets per route class, keyed by the connecting client (a centre once its key
        // is verified), so that nobody can starve another's tracking or registration.
        typealias Limit = RateLimitMiddleware<IntakeService.Context>
        router.group("v1").add(middleware: Limit(.reference, requestsPerSecond: 50, burst: 100))
            .get("categories") { _, _ in try JSON.response(try await self.store.categories()) }
            .get("authorities") { _, _ in try JSON.response(try await self.store.authorities()) }
            .get("districts") { _, _ in try JSON.response(try await self.store.districts()) }
        let addresses = ClientAddressResolver.fromProcess
        router.group("v1").add(
            middleware: Limit(.registration, requestsPerSecond: 50, burst: 100) { request, context in
                context.principal?.centre.map { "c:" + $0 } ?? "a:" + addresses.client(request, context: context)
            }
        )
        .post("appeals") { request, context in try await self.postAppeal(request, context: context) }
        router.group("v1").add(middleware: Limit(.tracking, requestsPerSecond: 2, burst: 20))
            .get("appeals/{number}") { request, context in try await self.getAppeal(request, context: context) }
        router.group("v1/admin")
            .put("centres/{id}") { request, context in try await self.putCentre(request, context: context) }
            .get("centres") { _, context in try await self.listCentres(context: context) }
        LibrarianAPI(intake: intake).addRoutes(to: router)
    }

    // MARK: Centres

    func putCentre(_ request: Request, context: IntakeService.Context) async throws -> Response {
        guard context.principal == .administrator else { throw APIError.unauthorized() }
        let input = try await JSON.body(IntakeJSON.CentreUpsert.self, of: request, limit: settings.maxBodyBytes)
        let id = context.parameters.get("id") ?? ""
        switch CentreRegistration.validate(
            id: id, name: input.name, address: input.address, key: input.key,
            active: input.active)
        {
        case .failure(let failure):
            throw strings.validationError(failure)
        case .success(let centre):
            do {
                return try JSON.response(try await store.upsert(centre, at: settings.clock()))
            } catch is CentreKeyInUse {
                throw strings.error(.conflict, code: "key_in_use", key: "errKeyInUse", field: "key")
            }
        }
    }

    func listCentres(context: IntakeService.Context) async throws -> Response {
        guard context.principal == .administrator else { throw APIError.unauthorized() }
        return try JSON.response(try await store.centres())
    }

    // MARK: Appeals

    func postAppeal(_ request: Request, context: IntakeService.Context) async throws -> Response {
        guard case .centre(let centre)? = context.principal else {
            throw APIError.unauthorized(strings.string("errCentreKeyRequired", .en))
        }
        // JSON as before, or multipart with photos (PhotoAPI.swift).
        let posted = try await self.submission(request, centre: centre)
        let submission = posted.submission
        var idempotency: IdempotentRequest?
        if let key = request.headers[Self.idempotencyKey] {
            guard IdempotentRequest.keyLength.contains(key.count) else {
                throw strings.error(
                    .badRequest, code: "invalid_idempotency_key", key: "errIdempotencyKeyInvalid",
                    field: "Idempotency-Key")
            }
            idempotency = IdempotentRequest(centre: centre, key: key, requestHash: posted.requestHash())
        }
        let outcome = try await intake.register(
            submission, channel: AppealValidator.Channel.api, centre: centre, idempotency: idempotency,
            photos: posted.photos, logger: context.logger)
        switch outcome {
        case .registered(let receipt):
            return try JSON.response(receipt, status: .created, headers: [.location: Self.location(receipt)])
        case .replayed(let receipt):
            return try JSON.response(
                receipt, status: .created,
                headers: [.location: Self.location(receipt), Self.idempotentReplayed: "true"])
        case .keyReused:
            throw strings.error(
                .unprocessableContent, code: "idempotency_key_reused", key: "errIdempotencyKeyReused",
                field: "Idempotency-Key")
        }
    }

    static let idempotencyKey: HTTPFields.Element.Name = .init("Idempotency-Key")!
    static let idempotentReplayed: HTTPFields.Element.Name = .init("Idempotent-Replayed")!

    static func location(_ receipt: RegistrationReceipt) -> String { "/v1/appeals/\(receipt.registrationNumber)" }

    func getAppeal(_ request: Request, context: IntakeService.Context) async throws -> Response {
        let number = context.parameters.get("number") ?? ""
        let query = request.uri.queryParameters
        let language: Language = query.get("lang") == "uk" ? .uk : .en
        // The number in any case and spacing; the code short (any case, dash or not) or an older token;
        // wrong codes counted per number and per client (TrackingPages.swift).
        let code = query.get("token") ?? ""
        let check = try await TrackingAccess.check(
            store: store, number: number, code: code, request: request, context: context)
        switch check {
        case .limited(let until):
            throw TrackingAccess.limitedError(until: until)
        case .notFound:
            throw APIError.notFound("appeal")  // the same for an unknown number and a wrong token
        case .verified(let normalised, _):
            guard
                let view = try await store.statusView(
                    number: normalised, accept: { TrackingCode.verify(code, hash: $0) }, language: language)
            else { throw APIError.notFound("appeal") }
            return try JSON.response(view, headers: [.cacheControl: "no-store"])
        }
    }
}
