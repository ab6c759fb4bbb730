import Dispatch

/// The image formats accepted for photos: what libvips' loader detection finds in the bytes,
/// never the file name or the declared type. HEIF covers HEIC (and AVIF) through libheif.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, webp, heif

    /// The format of the loader vips chose, nil for every other loader (GIF, SVG, PDF, TIFF, …).
    init?(loader: String) {
        let name = loader.lowercased()
        if name.contains("jpeg") && !name.contains("jp2k") {
            self = .jpeg
        } else if name.contains("png") {
            self = .png
        } else if name.contains("webp") {
            self = .webp
        } else if name.contains("heif") {
            self = .heif
        } else {
            return nil
        }
    }
}

/// Limits applied before anything is decoded.
public struct ImageLimits: Sendable, Equatable {
    /// The largest accepted upload (10 MB).
    public var maxBytes: Int
    /// The largest accepted width × height read from the header (a decompression bomb stops here).
    public var maxPixels: Int
    /// The long side of the stored full-size image.
    public var fullSide: Int
    /// The long side of the thumbnail for lists and pages.
    public var thumbnailSide: Int
    public var quality: Int

    public init(
        maxBytes: Int = 10 * 1024 * 1024, maxPixels: Int = 60_000_000, fullSide: Int = 2560, thumbnailSide: Int = 320,
        quality: Int = 85
    ) {
        self.maxBytes = maxBytes
        self.maxPixels = maxPixels
        self.fullSide = fullSide
        self.thumbnailSide = thumbnailSide
        self.quality = quality
    }
}

/// A photo as it is stored and served: re-encoded JPEG bytes without any metadata (no EXIF GPS,
/// camera, XMP, IPTC or ICC profile) and a thumbnail.
public struct PreparedImage: Sendable, Equatable {
    public static let contentType = "image/jpeg"
    public var source: ImageFormat
    public var jpeg: [UInt8]
    public var width: Int
    public var height: Int
    public var thumbnail: [UInt8]
    public var thumbnailWidth: Int
    public var thumbnailHeight: Int
}

/// Why an upload was refused, or why libvips could not run. `description` names the reason only.
public struct ImagingError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Larger than `ImageLimits.maxBytes`.
        case tooLarge = "too_large"
        /// Not a JPEG, PNG, WebP or HEIF image by its bytes.
        case unsupportedType = "unsupported_type"
        /// Width × height above `ImageLimits.maxPixels`.
        case tooManyPixels = "too_many_pixels"
        /// Looks like an accepted format but does not decode.
        case unreadable
        case encodingFailed = "encoding_failed"
        case libraryUnavailable = "library_unavailable"
    }

    public var code: Code
    public init(_ code: Code) { self.code = code }
    public var description: String { "ImagingError(\(code.rawValue))" }
}

/// Checks, decodes and re-encodes uploaded images with libvips (Debian's libvips). Every function
/// here blocks on C work: call the `…OffThePool` forms from async code.
public enum Imaging {
    /// The format of `bytes` by libvips' loader detection (nil: not an accepted format).
    public static func format(of bytes: [UInt8]) throws -> ImageFormat? {
        try LibVips.start()
        return bytes.withUnsafeBytes { LibVips.loaderName($0) }.flatMap(ImageFormat.init(loader:))
    }

    /// Checks `bytes` (size, type by content, pixel count from the header) and re-encodes them as
    /// a metadata-free JPEG at most `limits.fullSide` on its long side, plus a thumbnail.
    public static func prepare(_ bytes: [UInt8], limits: ImageLimits = ImageLimits()) throws -> PreparedImage {
        guard bytes.count <= limits.maxBytes else { throw ImagingError(.tooLarge) }
        guard let source = try format(of: bytes) else { throw ImagingError(.unsupportedType) }
        return try bytes.withUnsafeBytes { raw in
            let size = try LibVips.headerSize(raw)
            guard size.width > 0, size.height > 0 else { throw ImagingError(.unreadable) }
            guard size.width.multipliedReportingOverflow(by: size.height).partialValue <= limits.maxPixels,
                size.width <= limits.maxPixels, size.height <= limits.maxPixels
            else { throw ImagingError(.tooManyPixels) }
            let full = try LibVips.jpegThumbnail(raw, side: limits.fullSide, quality: limits.quality)
            // The thumbnail comes from the re-encoded JPEG: our own bytes, cheap to decode.
            let thumb = try full.jpeg.withUnsafeBytes {
                try LibVips.jpegThumbnail($0, side: limits.thumbnailSide, quality: limits.quality)
            }
            return PreparedImage(
                source: source, jpeg: full.jpeg, width: full.width, height: full.height, thumbnail: thumb.jpeg,
                thumbnailWidth: thumb.width, thumbnailHeight: thumb.height)
        }
    }

    /// `prepare` on a dispatch thread outside Swift's cooperative pool (decoding a large photo takes
    /// tens of milliseconds of CPU and the pool has one thread per core), at most
    /// `concurrentJobs` at once so a burst of uploads cannot exhaust memory.
    public static func prepareOffThePool(_ bytes: [UInt8], limits: ImageLimits = ImageLimits()) async throws
        -> PreparedImage
    {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                slots.wait()
                defer { slots.signal() }
                continuation.resume(with: Result { try prepare(bytes, limits: limits) })
            }
        }
    }

    /// The names of the metadata fields vips reads from `bytes` (tests prove the output has none).
    public static func metadataFieldNames(of bytes: [UInt8]) throws -> [String] {
        try LibVips.start()
        return try bytes.withUnsafeBytes { try LibVips.fieldNames($0) }
    }

    /// The fields that carry metadata about the picture rather than its pixels.
    public static func isMetadataField(_ name: String) -> Bool {
        ["exif-", "xmp-", "iptc-", "icc-", "gps", "heif-", "orientation"].contains { name.lowercased().hasPrefix($0) }
    }

    static let concurrentJobs = 2
    private static let queue = DispatchQueue(label: "hromada.imaging", qos: .userInitiated, attributes: .concurrent)
    private static let slots = DispatchSemaphore(value: concurrentJobs)
}

/// Images generated by libvips itself for tests (no committed binaries): a gradient in any
/// accepted format, with metadata blobs such as "exif-data" or "xmp-data" attached.
public enum ImageFixtures {
    /// `suffix`: ".jpg", ".png", ".webp", ".heic" or ".gif".
    public static func image(
        width: Int = 640, height: Int = 480, suffix: String = ".jpg", blobs: [(String, [UInt8])] = []
    ) throws -> [UInt8] {
        try LibVips.start()
        return try LibVips.fixture(width: width, height: height, suffix: suffix, blobs: blobs)
    }

    /// An EXIF block (as JPEG's APP1 carries it: "Exif\0\0" and a big-endian TIFF structure) with
    /// the camera model `model` in IFD0 and a GPS IFD holding latitude 46° 58′ N (Mykolaiv).
    public static func exifWithGPS(model: String = "HromadaCam X1") -> [UInt8] {
        var tiff: [UInt8] = Array("MM".utf8) + [0x00, 0x2A] + be32(8)
        let modelBytes = Array(model.utf8) + [0]
        // IFD0 at 8: two entries (Model, GPS IFD pointer), then the next-IFD offset 0.
        let ifd0Size = 2 + 2 * 12 + 4
        let modelOffset = 8 + ifd0Size
        let gpsOffset = modelOffset + modelBytes.count
        tiff += be16(2)
        tiff += be16(0x0110) + be16(2) + be32(UInt32(modelBytes.count)) + be32(UInt32(modelOffset))
        tiff += be16(0x8825) + be16(4) + be32(1) + be32(UInt32(gpsOffset))
        tiff += be32(0)
        tiff += modelBytes
        // GPS IFD: LatitudeRef "N" (inline) and Latitude as three rationals stored after the IFD.
        let gpsSize = 2 + 2 * 12 + 4
        let rationalsOffset = gpsOffset + gpsSize
        tiff += be16(2)
        tiff += be16(0x0001) + be16(2) + be32(2) + Array("N".utf8) + [0, 0, 0]
        tiff += be16(0x0002) + be16(5) + be32(3) + be32(UInt32(rationalsOffset))
        tiff += be32(0)
        tiff += be32(46) + be32(1) + be32(58) + be32(1) + be32(0) + be32(1)
        return Array("Exif".utf8) + [0, 0] + tiff
    }

    /// An XMP packet naming a camera and a place.
    public static func xmp() -> [UInt8] {
        Array(
            """
            <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\
            <rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" \
            tiff:Model="HromadaCam X1" exif:GPSLatitude="46,58.0N"/></rdf:RDF></x:xmpmeta>
            """.utf8)
    }

    private static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    private static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
}
