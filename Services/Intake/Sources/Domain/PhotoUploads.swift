import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaImaging
import HromadaRuntime

/// An appeal's photo after every check: re-encoded by libvips (JPEG, no metadata), with its
/// thumbnail, id and the SHA-256 of the stored bytes (what `appeal.registered` carries).
public struct PreparedPhoto: Sendable, Equatable {
    public var id: UUID
    /// 0-based, in the order the photos were sent.
    public var position: Int
    public var image: PreparedImage
    public var sha256: String

    public init(id: UUID = UUID(), position: Int, image: PreparedImage) {
        self.id = id
        self.position = position
        self.image = image
        self.sha256 = SHA256.hex(image.jpeg)
    }

    /// The reference the event carries: id, hash, type and size only.
    public var reference: AppealRegistered.Photo {
        AppealRegistered.Photo(
            id: id, sha256: sha256, contentType: PreparedImage.contentType, width: image.width, height: image.height)
    }
}

/// What an appeal may carry in photos, and the check of an upload (issue 15): at most
/// `maxPhotos` images of at most `limits.maxBytes` each, JPEG, PNG, WebP or HEIF by their bytes,
/// at most `limits.maxPixels` by their header; each re-encoded. Problems name the field
/// (`photos[2]`) and the reason, in English and Ukrainian.
public struct PhotoRules: Sendable {
    public static let field = "photos"
    public var maxPhotos: Int
    public var limits: ImageLimits

    public init(maxPhotos: Int = 5, limits: ImageLimits = ImageLimits()) {
        self.maxPhotos = maxPhotos
        self.limits = limits
    }

    /// The largest multipart body worth reading: every photo at its limit plus the form's text.
    public var maxRequestBytes: Int { maxPhotos * limits.maxBytes + 2 * 1024 * 1024 }

    /// Checks and re-encodes `uploads` off Swift's cooperative pool; every problem at once.
    public func prepare(_ uploads: [[UInt8]]) async -> Outcome {
        guard uploads.count <= maxPhotos else { return .refused([tooMany(uploads.count)]) }
        var photos: [PreparedPhoto] = []
        var errors: [FieldError] = []
        for (position, bytes) in uploads.enumerated() {
            // The size is known without decoding anything: no work for an oversized upload.
            guard bytes.count <= limits.maxBytes else {
                errors.append(problem(position, ImagingError(.tooLarge)))
                continue
            }
            do {
                let image = try await Imaging.prepareOffThePool(bytes, limits: limits)
                photos.append(PreparedPhoto(position: position, image: image))
            } catch let error as ImagingError {
                errors.append(problem(position, error))
            } catch {
                errors.append(problem(position, ImagingError(.unreadable)))
            }
        }
        return errors.isEmpty ? .accepted(photos) : .refused(errors)
    }

    /// Every photo accepted and re-encoded, or every problem found.
    public enum Outcome: Sendable {
        case accepted([PreparedPhoto])
        case refused([FieldError])
    }

    func tooMany(_ count: Int) -> FieldError {
        FieldError(
            field: Self.field, code: "too_many",
            message: "at most \(maxPhotos) photos per appeal (\(count) sent)",
            messageUk: "Не більше \(maxPhotos) фото до звернення (надіслано \(count))")
    }

    func problem(_ position: Int, _ error: ImagingError) -> FieldError {
        let megabytes = limits.maxBytes / (1024 * 1024)
        let megapixels = limits.maxPixels / 1_000_000
        let (en, uk): (String, String) =
            switch error.code {
            case .tooLarge:
                ("larger than \(megabytes) MB", "більше \(megabytes) МБ")
            case .unsupportedType:
                ("not a JPEG, PNG, WebP or HEIC image", "не зображення JPEG, PNG, WebP чи HEIC")
            case .tooManyPixels:
                ("more than \(megapixels) megapixels", "понад \(megapixels) мегапікселів")
            case .unreadable, .encodingFailed, .libraryUnavailable:
                ("the image cannot be read", "зображення не вдається прочитати")
            }
        let code =
            error.code == .encodingFailed || error.code == .libraryUnavailable ? "unreadable" : error.code.rawValue
        let field = "\(Self.field)[\(position)]"
        return FieldError(field: field, code: code, message: "\(field): \(en)", messageUk: "\(field): \(uk)")
    }
}
