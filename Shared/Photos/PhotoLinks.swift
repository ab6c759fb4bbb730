import Foundation
import HromadaCore
import HromadaCrypto

/// Short-lived signed links to an appeal's photos, served by intake (`GET /photos/{id}`) and
/// written into pages by intake (the resident's tracking page) and routing (an official's ticket
/// page). The browser fetches the image from intake; the services share only the key
/// (`HROMADA_PHOTO_LINK_KEY`), never a call.
///
/// The signature is HMAC-SHA-256 over the photo's id, the size, the expiry and the viewer, so a
/// link works only for that photo, that size, until that second, and names who it was made for
/// (intake records the viewer of each full-size view as `personal-data.accessed`).
public struct PhotoLinkSigner: Sendable {
    /// A full-size image or its thumbnail.
    public enum Size: String, Sendable, CaseIterable { case full, thumb }

    /// Who a link was made for: an official (by id) or the resident who proved the tracking code.
    public enum Viewer: Sendable, Equatable {
        case official(id: String)
        case resident

        /// The form carried in the link's `v` parameter.
        public var token: String {
            switch self {
            case .official(let id): "o." + id.lowercased()
            case .resident: "resident"
            }
        }

        public init?(token: String) {
            if token == "resident" {
                self = .resident
            } else if token.hasPrefix("o."), token.count > 2, token.count <= 80,
                token.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "&") })
            {
                self = .official(id: String(token.dropFirst(2)))
            } else {
                return nil
            }
        }
    }

    /// Why a link is refused (all answered the same way: 403, no detail).
    public enum Refusal: Error, Equatable, Sendable { case malformed, expired, badSignature }

    /// The default lifetime: long enough to open the page and click, short enough that a copied
    /// link is soon useless.
    public static let defaultLifetime: TimeInterval = 300
    /// The fewest key bytes accepted.
    public static let minimumKeyBytes = 32

    let key: [UInt8]
    public let lifetime: TimeInterval

    public init(key: [UInt8], lifetime: TimeInterval = defaultLifetime) {
        precondition(key.count >= Self.minimumKeyBytes, "PhotoLinkSigner: key too short")
        self.key = key
        self.lifetime = lifetime
    }

    /// A random key, for a process without a configured one (its links work only in itself).
    public static func randomKey() -> [UInt8] { SecureRandom.bytes(32) }

    /// The query of a link to `photo` at `size` for `viewer`, valid until `now + lifetime`.
    public func query(photo: UUID, size: Size, viewer: Viewer, now: Date) -> [(String, String)] {
        let expiry = Int64((now.timeIntervalSince1970 + lifetime).rounded(.down))
        let signature = sign(photo: photo, size: size, viewer: viewer.token, expiry: expiry)
        var query = [("exp", String(expiry)), ("v", viewer.token), ("sig", signature)]
        if size == .thumb { query.insert(("size", "thumb"), at: 0) }
        return query
    }

    /// The path and query of a link (relative to intake's public URL).
    public func path(photo: UUID, size: Size, viewer: Viewer, now: Date) -> String {
        let query = self.query(photo: photo, size: size, viewer: viewer, now: now)
            .map { "\($0.0)=\(Self.escape($0.1))" }.joined(separator: "&")
        return "/photos/\(photo.uuidString.lowercased())?\(query)"
    }

    /// Checks a link's parameters; the viewer it was made for when it is valid and not expired.
    public func verify(
        photo: UUID, size: String?, expiry: String?, viewer: String?, signature: String?, now: Date
    ) -> Result<(viewer: Viewer, size: Size), Refusal> {
        guard let size = Size(rawValue: size ?? Size.full.rawValue), let expiryText = expiry,
            let expiry = Int64(expiryText), let viewerToken = viewer, let who = Viewer(token: viewerToken),
            let signature, signature.count == 64
        else { return .failure(.malformed) }
        let expected = sign(photo: photo, size: size, viewer: viewerToken, expiry: expiry)
        guard ConstantTime.equals(expected, signature.lowercased()) else { return .failure(.badSignature) }
        // Checked after the signature, so an expiry can only be trusted once it is known to be ours;
        // a link that claims a far expiry is refused too (it was not made with this lifetime).
        let seconds = Double(expiry) - now.timeIntervalSince1970
        guard seconds >= 0 else { return .failure(.expired) }
        guard seconds <= lifetime + 1 else { return .failure(.badSignature) }
        return .success((who, size))
    }

    func sign(photo: UUID, size: Size, viewer: String, expiry: Int64) -> String {
        let message = "hromada-photo-link/v1\n\(photo.uuidString.lowercased())\n\(size.rawValue)\n\(expiry)\n\(viewer)"
        return HexCoding.encode(HMACSHA256.authenticationCode(key: key, message: Array(message.utf8)))
    }

    static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? value
    }
}
