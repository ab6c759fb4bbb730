import Foundation
import HromadaAPI
import HromadaContracts
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// Librarians' personal accounts, kept by the centre's administrator (its system, with the centre's
/// key as bearer token, for its own centre only) or by the system's administrator (`hromadactl
/// librarian add`):
/// - `POST /v1/admin/centres/{id}/librarians` `{login, password?}` → `201 {librarian, password?}`
///   (a generated password is in the answer once, never stored in clear);
/// - `GET /v1/admin/centres/{id}/librarians` → the accounts (never a password);
/// - `PUT /v1/admin/centres/{id}/librarians/{login}` `{password}` → `201`/`200 {librarian, created}`
///   (creates the account or sets a new password, which ends its sessions; idempotent, for seeding);
/// - `DELETE /v1/admin/centres/{id}/librarians/{login}` → `204`; the account's sessions end at once.
struct LibrarianAPI: Sendable {
    let intake: AppealIntake

    var store: IntakeStore { intake.store }
    var strings: IntakeStrings { intake.strings }

    func addRoutes(to router: Router<IntakeService.Context>) {
        router.group("v1/admin/centres/{id}/librarians")
            .post { request, context in try await self.add(request, context: context) }
            .get { _, context in
                let centre = try Self.centre(context)
                return try JSON.response(LowercaseUUIDs(try await self.store.librarians(centre: centre)))
            }
            .put("{login}") { request, context in try await self.put(request, context: context) }
            .delete("{login}") { _, context in
                let centre = try Self.centre(context)
                guard
                    try await self.store.setLibrarian(
                        centre: centre, login: context.parameters.get("login") ?? "", active: false)
                else { throw APIError.notFound("librarian") }
                return Response(status: .noContent)
            }
    }

    /// The centre of the path, when the caller may keep its accounts.
    func put(_ request: Request, context: IntakeService.Context) async throws -> Response {
        let centre = try Self.centre(context)
        let input = try await JSON.body(
            IntakeJSON.LibrarianPassword.self, of: request, limit: intake.settings.maxBodyBytes)
        switch await LibrarianRegistration.validate(
            centre: centre, login: context.parameters.get("login") ?? "", password: input.password)
        {
        case .failure(let failure):
            throw strings.validationError(failure)
        case .success(let registration):
            do {
                let (librarian, created) = try await store.putLibrarian(registration, at: intake.settings.clock())
                return try JSON.response(
                    LowercaseUUIDs(IntakeJSON.LibrarianUpserted(librarian: librarian, created: created)),
                    status: created ? .created : .ok)
            } catch is UnknownCentre {
                throw strings.error(.notFound, code: "not_found", key: "errUnknownCentre", field: "centre")
            }
        }
    }

    static func centre(_ context: IntakeService.Context) throws -> String {
        let centre = context.parameters.get("id") ?? ""
        switch context.principal {
        case .administrator?: return centre
        case .centre(let id)? where id == centre: return centre
        default: throw APIError.unauthorized()
        }
    }

    func add(_ request: Request, context: IntakeService.Context) async throws -> Response {
        let centre = try Self.centre(context)
        let input = try await JSON.body(
            IntakeJSON.LibrarianCreate.self, of: request, limit: intake.settings.maxBodyBytes)
        let password = input.password ?? LibrarianRegistration.generatedPassword()
        switch await LibrarianRegistration.validate(centre: centre, login: input.login, password: password) {
        case .failure(let failure):
            throw strings.validationError(failure)
        case .success(let registration):
            do {
                let librarian = try await store.addLibrarian(registration, at: intake.settings.clock())
                context.logger.info(
                    "librarian account created",
                    metadata: ["centre.id": "\(centre)", "librarian.id": "\(librarian.id.uuidString.lowercased())"])
                let created = IntakeJSON.LibrarianCreated(
                    librarian: librarian, password: input.password == nil ? password : nil)
                return try JSON.response(LowercaseUUIDs(created), status: .created)
            } catch is LibrarianLoginInUse {
                throw strings.error(.conflict, code: "login_in_use", key: "errLibrarianLoginInUse", field: "login")
            } catch is UnknownCentre {
                throw strings.error(.notFound, code: "not_found", key: "errUnknownCentre", field: "centre")
            }
        }
    }
}
