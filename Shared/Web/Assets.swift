// HromadaWeb — the one stylesheet (and the one small script) every page uses, served locally by
// each service from the kit's bundle at `/assets/hromada.css` and `/assets/hromada.js`. Pages link
// them with `?v=<content hash>`, so they may be cached for a year and still change on a release.
// A service may add its own files (the console's refresh script) the same way.
// How a service adopts the kit: Shared/Web/README.md.
import Foundation
import HromadaCrypto
import HromadaRuntime
public import Hummingbird

/// Links to the kit's assets, with their content hashes.
public struct AssetLinks: Sendable {
    public let stylesheet: String
    public let script: String
}

/// Static files served from memory under `/assets/<name>`.
public struct WebAssets: Sendable {
    public struct Asset: Sendable {
        public let name: String
        public let contentType: String
        public let body: [UInt8]
        /// The first 16 hex digits of the body's SHA-256.
        public let hash: String
        /// `/assets/<name>?v=<hash>`.
        public var link: String { "/assets/\(name)?v=\(hash)" }
    }

    public private(set) var assets: [String: Asset]

    init(assets: [String: Asset]) { self.assets = assets }

    /// Reads `names` from `bundle`'s `Resources/<folder>`; a missing file fails at start.
    public static func load(from bundle: Bundle, folder: String = "assets", names: [String]) throws -> WebAssets {
        guard let first = names.first else { return WebAssets(assets: [:]) }
        return try load(directory: try Resources.folder(in: bundle, named: folder, probe: first), names: names)
    }

    /// Reads `names` from `directory` (files a system package installs, e.g. Debian's Leaflet); a
    /// missing file is an error.
    public static func load(directory: URL, names: [String]) throws -> WebAssets {
        var assets: [String: Asset] = [:]
        for name in names {
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else {
                throw ConfigurationError(variable: "assets", reason: "the asset \(name) is missing")
            }
            let bytes = [UInt8](data)
            assets[name] = Asset(
                name: name, contentType: contentType(of: name), body: bytes,
                hash: String(SHA256.hex(bytes).prefix(16)))
        }
        return WebAssets(assets: assets)
    }

    /// These assets and `other`'s (`other` wins on a shared name).
    public func merging(_ other: WebAssets) -> WebAssets {
        WebAssets(assets: assets.merging(other.assets) { _, new in new })
    }

    public func link(_ name: String) -> String { assets[name]?.link ?? "/assets/\(name)" }

    var links: AssetLinks { AssetLinks(stylesheet: link("hromada.css"), script: link("hromada.js")) }

    /// `GET /assets/:name` (or `<prefix>/:name`): the file, cached a year when the link's hash
    /// matches, else revalidated.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>, under prefix: String = "/assets") {
        let assets = self.assets
        router.get("\(prefix)/:name") { request, context -> Response in
            guard let name = context.parameters.get("name"), let asset = assets[name] else {
                throw WebError.notFound("asset")
            }
            let etag = "\"\(asset.hash)\""
            let versioned = request.uri.queryParameters.get("v") == asset.hash
            var headers: HTTPFields = [
                .contentType: asset.contentType,
                .eTag: etag,
                .cacheControl: versioned ? "public, max-age=31536000, immutable" : "public, max-age=0, must-revalidate",
            ]
            SecurityHeaders.apply(to: &headers)
            if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: headers) }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.body)))
        }
    }

    static func contentType(of name: String) -> String {
        if name.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if name.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        if name.hasSuffix(".svg") { return "image/svg+xml" }
        if name.hasSuffix(".png") { return "image/png" }
        return "application/octet-stream"
    }
}
