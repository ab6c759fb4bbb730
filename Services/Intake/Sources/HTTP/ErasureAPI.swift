import Foundation
import HromadaAPI
import HromadaContracts
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// The administrators' erasure API (bearer: the administrator token):
/// - `POST /v1/admin/appeals/{registrationNumber}/erase` `{"reason": "…"}` erases the appeal's
///   personal data everywhere (intake at once, the other services when they consume
///   `appeal.personal-data-erased`) → 202 and its progress, 200 when it was erased before;
///   409 `appeal_open` while the appeal is open, 422 without a reason, 404 for an unknown number;
/// - `GET /v1/admin/erasures[?state=waiting|complete][&limit=N]` the newest erasures and counts;
/// - `GET /v1/admin/erasures/{registrationNumber}` one appeal's progress;
/// - `POST /v1/admin/erasures/republish` after a restore: every recorded erasure is applied again
///   in intake and sent again to every service → `{"republished": N}`.
struct ErasureAPI: Sendable {
    let store: IntakeStore
    let clock: @Sendable () -> Date
    let maxBodyBytes: Int

    func addRoutes(to router: Router<IntakeService.Context>) {
        router.group("v1/admin")
            .post("appeals/{number}/erase") { request, context in try await self.erase(request, context: context) }
            .get("erasures") { request, context in try await self.list(request, context: context) }
            .get("erasures/{number}") { _, context in try await self.show(context: context) }
            .post("erasures/republish") { _, context in try await self.republish(context: context) }
    }

    func erase(_ request: Request, context: IntakeService.Context) async throws -> Response {
        guard context.principal == .administrator else { throw APIError.unauthorized() }
        let number = context.parameters.get("number") ?? ""
        let body = try await request.body.collect(upTo: maxBodyBytes)
        let input = try? JSON.decoder.decode(ErasureJSON.Request.self, from: Data(buffer: body))
        switch ErasureDecision.validate(reason: input?.reason, decidedBy: "administrator") {
        case .failure:
            throw APIError.validation([
                FieldError(
                    field: "reason", code: "required",
                    message: "the legal reason for the erasure is required (at most 1000 characters)",
                    messageUk: "Потрібна правова підстава видалення "
                        + "(до 1000 символів)")
            ])
        case .success(let decision):
            switch try await store.eraseByAdministrator(
                registrationNumber: number, decision: decision, evenIfOpen: input?.reapply == true, at: clock())
            {
            case .success(let status):
                return try JSON.response(status, status: status.erasedNow == true ? .accepted : .ok)
            case .failure(.unknownAppeal):
                throw APIError.notFound("appeal")
            case .failure(.stillOpen(let status)):
                throw APIError(
                    .conflict, code: "appeal_open",
                    message: "the appeal is still open (\(status.rawValue)): it can be erased once it is closed",
                    field: "registrationNumber", messageUk: "Звернення ще не закрите")
            case .failure(.reasonMissing):
                throw APIError.validation([FieldError(field: "reason", code: "required", message: "reason required")])
            }
        }
    }

    func list(_ request: Request, context: IntakeService.Context) async throws -> Response {
        guard context.principal == .administrator else { throw APIError.unauthorized() }
        let query = request.uri.queryParameters
        let waiting: Bool?
        switch query.get("state") {
        case nil, "", "all": waiting = nil
        case "waiting": waiting = true
        case "complete": waiting = false
        default:
            throw APIError.validation([
                FieldError(field: "state", code: "invalid", message: "state must be waiting, complete or all")
            ])
        }
        var limit = 100
        if let text = query.get("limit") {
            guard let value = Int(text), (1...100_000).contains(value) else {
                throw APIError.validation([
                    FieldError(
                        field: "limit", code: "invalid", message: "limit must be a whole number from 1 to 100000")
                ])
            }
            limit = value
        }
        return try JSON.response(try await store.erasures(waiting: waiting, limit: limit))
    }

    func show(context: IntakeService.Context) async throws -> Response {
        guard context.principal == .administrator else { throw APIError.unauthorized() }
        guard let status = try await store.erasureStatus(registrationNumber: context.parameters.get("number") ?? "")
        else { throw APIError.notFound("erasure") }
        return try JSON.response(status)
    }

    func republish(context: IntakeService.Context) async throws -> Response {
        guard context.principal == .administrator else { throw APIError.unauthorized() }
        var total = 0
        var after: UUID?
        repeat {
            let batch = try await store.republishErasures(after: after, limit: 500, at: clock())
            total += batch.count
            after = batch.last
        } while after != nil
        return try JSON.response(["republished": total])
    }
}
