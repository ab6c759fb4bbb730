import Foundation
import HromadaPhotos
import HromadaRuntime

/// Intake's photo settings: the rules of an upload and the key of the signed links
/// (`HROMADA_PHOTO_LINK_KEY`, hex ≥ 32 bytes, shared with routing). Without a key the process
/// makes a random one: its own links (the tracking page) work, routing's do not.
public struct PhotoSettings: Sendable {
    public var rules: PhotoRules
    public var signer: PhotoLinkSigner
    /// `Cache-Control: private, max-age=…` of a served image: never past the link's own life.
    public var cacheSeconds: Int

    public init(
        rules: PhotoRules = PhotoRules(), signer: PhotoLinkSigner = PhotoLinkSigner(key: PhotoLinkSigner.randomKey()),
        cacheSeconds: Int = 300
    ) {
        self.rules = rules
        self.signer = signer
        self.cacheSeconds = cacheSeconds
    }

    /// Reads `HROMADA_PHOTO_LINK_KEY`; a value that is not hex of at least 32 bytes is an error
    /// naming the variable (never echoing the value).
    public static func fromEnvironment(_ environment: [String: String]) throws -> PhotoSettings {
        var settings = PhotoSettings()
        let reader = EnvironmentReader(environment)
        if let key = try reader.hexSecret(.photoLinkKey, minimumBytes: PhotoLinkSigner.minimumKeyBytes) {
            settings.signer = PhotoLinkSigner(key: key)
        }
        return settings
    }
}
