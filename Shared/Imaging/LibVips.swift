import CVips

/// Every call into libvips, in one place (STYLE habit 3): each turns a failure into a thrown
/// `ImagingError` whose description names the step, never vips' own message (it can carry a
/// file name or bytes of the input). The caller keeps these calls off Swift's cooperative pool.
enum LibVips {
    /// libvips started once per process (VIPS_INIT is safe to call again, but one call is enough).
    private static let started: Bool = hromada_vips_init() == 0

    static func start() throws {
        guard started else { throw ImagingError(.libraryUnavailable) }
    }

    /// The loader libvips picks for these bytes by sniffing them (nil: none), e.g. "jpegload_buffer".
    static func loaderName(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
        defer { vips_error_clear() }
        return vips_foreign_find_load_buffer(base, bytes.count).map { String(cString: $0) }
    }

    /// Width and height from the header alone (nothing decoded).
    static func headerSize(_ bytes: UnsafeRawBufferPointer) throws -> (width: Int, height: Int) {
        let image = try open(bytes)
        defer { g_object_unref(image) }
        return (Int(vips_image_get_width(image)), Int(vips_image_get_height(image)))
    }

    /// The image decoded and shrunk to fit `side`×`side`, re-encoded as a metadata-free JPEG.
    static func jpegThumbnail(_ bytes: UnsafeRawBufferPointer, side: Int, quality: Int) throws
        -> (jpeg: [UInt8], width: Int, height: Int)
    {
        guard let base = bytes.baseAddress else { throw ImagingError(.unreadable) }
        var image: UnsafeMutablePointer<VipsImage>?
        guard hromada_vips_thumbnail(base, bytes.count, Int32(side), &image) == 0, let image else {
            vips_error_clear()
            throw ImagingError(.unreadable)
        }
        defer { g_object_unref(image) }
        let jpeg = try encodeJPEG(image, quality: quality)
        return (jpeg, Int(vips_image_get_width(image)), Int(vips_image_get_height(image)))
    }

    /// The names of every metadata field vips reads from the bytes ("exif-data", "exif-ifd0-Model",
    /// "xmp-data", "icc-profile-data", …): how tests prove none survives.
    static func fieldNames(_ bytes: UnsafeRawBufferPointer) throws -> [String] {
        let image = try open(bytes)
        defer { g_object_unref(image) }
        guard let fields = vips_image_get_fields(image) else { return [] }
        defer { g_strfreev(fields) }
        var names: [String] = []
        var index = 0
        while let name = fields[index] {
            names.append(String(cString: name))
            index += 1
        }
        return names
    }

    /// A generated `width`×`height` gradient saved as `suffix` (".jpg", ".png", ".webp", ".heic",
    /// ".gif") with the metadata `blobs` attached: fixtures for tests, made by vips itself.
    static func fixture(width: Int, height: Int, suffix: String, blobs: [(String, [UInt8])]) throws -> [UInt8] {
        guard let image = hromada_vips_fixture(Int32(width), Int32(height)) else {
            vips_error_clear()
            throw ImagingError(.encodingFailed)
        }
        defer { g_object_unref(image) }
        for (name, blob) in blobs {
            blob.withUnsafeBytes { hromada_vips_set_blob(image, name, $0.baseAddress, $0.count) }
        }
        return try saved { hromada_vips_save(image, suffix, &$0, &$1) }
    }

    private static func open(_ bytes: UnsafeRawBufferPointer) throws -> UnsafeMutablePointer<VipsImage> {
        guard let base = bytes.baseAddress, let image = hromada_vips_open_header(base, bytes.count) else {
            vips_error_clear()
            throw ImagingError(.unreadable)
        }
        return image
    }

    private static func encodeJPEG(_ image: UnsafeMutablePointer<VipsImage>, quality: Int) throws -> [UInt8] {
        try saved { hromada_vips_jpeg(image, Int32(quality), &$0, &$1) }
    }

    /// The bytes a vips save call wrote into the buffer it allocated (freed here once copied);
    /// `.encodingFailed` when it failed.
    private static func saved(_ save: (inout UnsafeMutableRawPointer?, inout Int) -> Int32) throws -> [UInt8] {
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard save(&buffer, &length) == 0, let buffer else {
            vips_error_clear()
            throw ImagingError(.encodingFailed)
        }
        defer { g_free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: length))
    }
}
