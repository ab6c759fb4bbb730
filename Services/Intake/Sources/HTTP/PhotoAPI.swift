import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPhotos
import HromadaRuntime
import HromadaWeb
import Hummingbird
import Logging

/// An appeal as posted with its photos: the submission, the photos after every check, and the
/// digest of the uploads that joins the idempotency key's request hash (a retry with other photos
/// is another request).
struct SubmissionWithPhotos: Sendable {
    var submission: AppealSubmission
    var photos: [PreparedPhoto]
    var uploadDigest: String?

    /// The request hash of an idempotency key: the submission's alone when there are no photos
    /// (as before photos existed), else joined with the uploads' digest.
    func requestHash() -> String {
        let base = IdempotentRequest.requestHash(of: submission)
        guard let uploadDigest else { return base }
        return SHA256.hex(base + "\nphotos:" + uploadDigest)
    }

    /// The SHA-256 of each upload, in order (nil when there are none).
    static func digest(_ uploads: [[UInt8]]) -> String? {
        uploads.isEmpty ? nil : SHA256.hex(uploads.map { SHA256.hex($0) }.joined(separator: ","))
    }
}

extension AppealIntake {
    /// Checks and re-encodes `uploads` for `submission`; on a photo problem, 422 with the photo
    /// problems and the appeal's own field problems together, so nothing has to be sent twice.
    func preparePhotos(
        _ uploads: [[UInt8]], for submission: AppealSubmission, channel: String, centre: String?
    ) async throws -> [PreparedPhoto] {
        guard !uploads.isEmpty else { return [] }
        switch await settings.photos.rules.prepare(uploads) {
        case .accepted(let photos):
            return photos
        case .refused(let photoErrors):
            var errors: [FieldError] = []
            if case .failure(let failure) = AppealValidator.validate(
                submission, channel: channel, authenticatedCentre: centre)
            {
                errors = strings.validationError(failure).errors
            }
            throw APIError.validation(errors + photoErrors)
        }
    }
}

extension IntakeAPI {
    /// `POST /v1/appeals` as JSON (unchanged) or as `multipart/form-data`: a part `appeal` with the
    /// JSON and up to five parts `photo`.
    func submission(_ request: Request, centre: String) async throws -> SubmissionWithPhotos {
        guard MultipartForm.isMultipart(request) else {
            let submission = try await JSON.body(AppealSubmission.self, of: request, limit: settings.maxBodyBytes)
            return SubmissionWithPhotos(submission: submission, photos: [], uploadDigest: nil)
        }
        let form = try await MultipartForm.read(request, limit: settings.photos.rules.maxRequestBytes)
        guard let appeal = form.first("appeal") else {
            throw APIError(
                .unprocessableContent, code: "required", message: "the part `appeal` (the appeal's JSON) is required",
                field: "appeal", messageUk: "Потрібна частина `appeal` (JSON звернення)")
        }
        guard appeal.body.count <= settings.maxBodyBytes else {
            throw APIError(
                .contentTooLarge, code: "too_large", message: "the part `appeal` is too large", field: "appeal",
                messageUk: "Частина `appeal` завелика")
        }
        let submission = try JSON.decoder.decode(AppealSubmission.self, from: Data(appeal.body))
        let uploads = form.all("photo").map(\.body)
        let photos = try await intake.preparePhotos(
            uploads, for: submission, channel: AppealValidator.Channel.api, centre: centre)
        return SubmissionWithPhotos(
            submission: submission, photos: photos, uploadDigest: SubmissionWithPhotos.digest(uploads))
    }
}

/// `GET /photos/{id}?[size=thumb&]exp=…&v=…&sig=…`: an appeal's photo through a short-lived
/// signed link (made by routing for an official, or by the tracking page for the resident). Every
/// full-size view is recorded as `personal-data.accessed`. The image is served with its type
/// from the re-encoded bytes (always JPEG), `nosniff`, a private cache no longer than the link
/// lives, and a CSP that lets nothing run in it.
struct PhotoRoutes: Sendable {
    let store: IntakeStore
    let settings: PhotoSettings
    let producer: String
    let clock: @Sendable () -> Date

    func addRoutes(to router: Router<IntakeService.Context>) {
        router.group()
            .add(middleware: RateLimitMiddleware<IntakeService.Context>(.reference, requestsPerSecond: 50, burst: 100))
            .get("/photos/{id}") { request, context in try await self.photo(request, context: context) }
    }

    /// Every refusal looks the same (no hint whether the photo exists or what was wrong).
    static let refused = APIError(
        .forbidden, code: "forbidden", message: "the link is not valid or has expired",
        messageUk: "Посилання недійсне або застаріло")

    func photo(_ request: Request, context: IntakeService.Context) async throws -> Response {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw Self.refused }
        let query = request.uri.queryParameters
        let now = clock()
        let verdict = settings.signer.verify(
            photo: id, size: query.get("size"), expiry: query.get("exp"), viewer: query.get("v"),
            signature: query.get("sig"), now: now)
        guard case .success(let link) = verdict else { throw Self.refused }
        guard let photo = try await store.photo(id: id, thumbnail: link.size == .thumb) else {
            throw APIError.notFound("photo")  // erased with its appeal, or never stored
        }
        if link.size == .full {
            let (actor, role): (String, String) =
                switch link.viewer {
                case .official(let id): (id, "official")
                case .resident: ("resident", "resident")
                }
            try await store.recordPhotoView(photo, actorId: actor, actorRole: role, service: producer, at: now)
        }
        var headers: HTTPFields = [
            // The type from the stored bytes themselves (always a JPEG after re-encoding).
            .contentType: Self.contentType(of: photo.bytes),
            .cacheControl: "private, max-age=\(settings.cacheSeconds)",
            .contentSecurityPolicy: "default-src 'none'; img-src 'self'; sandbox",
            .contentDisposition: "inline",
        ]
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("Cross-Origin-Resource-Policy")!] = "cross-origin"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: photo.bytes)))
    }

    /// `image/jpeg` when the bytes start with JPEG's SOI marker; anything else is served as opaque
    /// bytes (with `nosniff`, a browser renders nothing from it).
    static func contentType(of bytes: [UInt8]) -> String {
        bytes.starts(with: [0xFF, 0xD8, 0xFF]) ? "image/jpeg" : "application/octet-stream"
    }
}
