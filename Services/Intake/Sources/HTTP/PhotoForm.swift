import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPhotos
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// The photos on the librarian's form and on the resident's tracking page (issue 15).
///
/// The form posts `multipart/form-data` (its `photos` file input). When the form comes back with
/// an error on any field, the chosen photos are NOT kept: a browser cannot refill a file input,
/// and keeping them server-side against the form token would store a resident's pictures that
/// belong to no appeal yet, with a life and an erasure of their own. So the page says plainly how
/// many photos were sent and that they must be chosen again (`photosChooseAgain`); everything
/// typed comes back as before.
extension WebPages {
    /// The partials this file renders (`{{> form-photos}}` in the form, `{{> track-photos}}` on
    /// the tracking page).
    static let photoTemplates = ["form-photos", "track-photos"]

    /// The form as posted: its fields and the files chosen in its `photos` input.
    struct PostedForm: Sendable {
        var form: AppealForm
        var uploads: [[UInt8]]
    }

    /// Reads a form-encoded post as before, or a multipart one (fields and photos). `limit` bounds
    /// the fields' text either way; the photos have their own limits (`PhotoRules`).
    func postedForm(_ request: Request, limit: Int) async throws -> PostedForm {
        guard MultipartForm.isMultipart(request) else {
            return PostedForm(form: try await site.form(AppealForm.self, request, limit: limit), uploads: [])
        }
        let multipart = try await MultipartForm.read(request, limit: intake.settings.photos.rules.maxRequestBytes)
        let encoded = multipart.fields.sorted { $0.key < $1.key }
            .map { Self.formEscape($0.key) + "=" + Self.formEscape($0.value) }.joined(separator: "&")
        guard encoded.utf8.count <= limit else {
            throw APIError(
                .contentTooLarge, code: "too_large", message: "the form is too large",
                messageUk: "Форма завелика")
        }
        // A browser sends one empty part with an empty file name when no file was chosen.
        let uploads = multipart.all("photos").filter { !($0.body.isEmpty && ($0.filename ?? "").isEmpty) }.map(\.body)
        return PostedForm(form: try WebForm.decode(AppealForm.self, from: encoded), uploads: uploads)
    }

    /// The one-time form token's idempotency key, its request hash covering the photos as well.
    static func formKey(centre: String, token: String, submission: AppealSubmission, uploads: [[UInt8]])
        -> IdempotentRequest
    {
        let posted = SubmissionWithPhotos(
            submission: submission, photos: [], uploadDigest: SubmissionWithPhotos.digest(uploads))
        return IdempotentRequest(centre: centre, key: "form:" + token, requestHash: posted.requestHash())
    }

    /// `errors` plus, when photos were sent, the message that they were not kept.
    static func photosChooseAgain(_ errors: [FieldError], uploads: [[UInt8]]) -> [FieldError] {
        guard !uploads.isEmpty, !errors.isEmpty else { return errors }
        let n = uploads.count
        return errors + [
            FieldError(
                field: PhotoRules.field, code: "choose_again",
                message: "The \(n) photo(s) sent were not kept: choose them again before sending.",
                messageUk: "Надіслані фото (\(n)) не збережено: "
                    + "оберіть їх ще раз перед надсиланням.")
        ]
    }

    /// The messages of `photos` and `photos[i]`, in order, as one text for the field.
    static func photoMessages(_ byField: [String: String]) -> String? {
        let messages = byField.filter { $0.key == PhotoRules.field || $0.key.hasPrefix(PhotoRules.field + "[") }
            .sorted { $0.key < $1.key }.map(\.value)
        return messages.isEmpty ? nil : messages.joined(separator: " ")
    }

    static func formEscape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? ""
    }

    // MARK: The tracking page

    /// A thumbnail linking to the full-size image, both through signed links for the resident.
    struct TrackPhoto: Encodable, Sendable {
        var thumbURL: String
        var fullURL: String
        var width: Int
        var height: Int
        var number: Int
    }

    /// The section of the tracking page (nil: no photos, nothing shown).
    struct TrackPhotos: Encodable, Sendable { var items: [TrackPhoto] }

    /// The photos of an appeal the resident has proved the code of (call only after that check).
    func trackPhotos(number: String) async throws -> TrackPhotos? {
        let signer = intake.settings.photos.signer
        let now = intake.settings.clock()
        // Paths on intake's own origin (the page's `img-src 'self'` allows them).
        func link(_ id: UUID, _ size: PhotoLinkSigner.Size) -> String {
            site.settings.publicURL.path(
                "/photos/" + id.uuidString.lowercased(),
                query: signer.query(photo: id, size: size, viewer: .resident, now: now))
        }
        let items = try await store.photos(registrationNumber: RegistrationNumber.normalised(number)).map { photo in
            TrackPhoto(
                thumbURL: link(photo.id, .thumb), fullURL: link(photo.id, .full),
                width: photo.thumbnailWidth, height: photo.thumbnailHeight, number: photo.position + 1)
        }
        return items.isEmpty ? nil : TrackPhotos(items: items)
    }
}
