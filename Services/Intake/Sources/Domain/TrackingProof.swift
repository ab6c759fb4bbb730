import Foundation
import HromadaCrypto

/// What the tracking page keeps after a right number and code, so that refresh, Back and the
/// language link show the result again without the code ever being in an address: a short-lived
/// cookie (HttpOnly, SameSite=Strict, Path=/track) holding the number and the code sealed with
/// AES-256-GCM under a key derived from the service's session secret (replicas share it). The
/// code is checked against the store again on every use, so an erasure (the stored hash is
/// replaced) ends the proof at once; "Done" and expiry end it in the browser.
///
/// The code travels sealed, not only signed, because the page's partials post it back (the
/// resident's rating and dispute) and a cookie store on a shared PC must not show it.
public struct TrackingProof: Sendable, Equatable {
    public var number: String
    /// The code as it was accepted (a short code grouped, `K7QFM-29XMH`, or an older token).
    public var code: String
    public var expiresAt: Date

    /// The cookie's name (distinct from the librarian's session cookie `hromada_intake`).
    public static let cookieName = "hromada_intake_track"
    /// How long a proof lasts: long enough to read, print, switch language; short on a shared PC.
    public static let lifetime: TimeInterval = 15 * 60

    /// The cookie value: base64url of the sealed `number \n code \n expires`.
    public static func seal(number: String, code: String, now: Date, secret: [UInt8]) -> String {
        let expires = Int(now.addingTimeInterval(lifetime).timeIntervalSince1970)
        let plain = Array("\(number)\n\(TrackingCode.comparable(code))\n\(expires)".utf8)
        guard let sealed = try? AES256GCM.seal(plain, key: key(secret), associatedData: aad) else { return "" }
        return Base64URL.encode(sealed)
    }

    /// The unexpired proof a cookie value carries, or nil (malformed, forged, expired).
    public static func open(_ value: String, now: Date, secret: [UInt8]) -> TrackingProof? {
        guard !value.isEmpty, value.utf8.count <= 600, let sealed = try? Base64URL.decode(value),
            let plain = try? AES256GCM.open(sealed, key: key(secret), associatedData: aad)
        else { return nil }
        let fields = String(decoding: plain, as: UTF8.self).split(separator: "\n").map(String.init)
        guard fields.count == 3, let expires = Int(fields[2]) else { return nil }
        let proof = TrackingProof(
            number: fields[0], code: fields[1], expiresAt: Date(timeIntervalSince1970: TimeInterval(expires)))
        return proof.expiresAt > now ? proof : nil
    }

    static let aad = Array("hromada.intake.tracking-proof.v1".utf8)

    static func key(_ secret: [UInt8]) -> [UInt8] {
        HMACSHA256.authenticationCode(key: secret, message: Array("hromada.intake.tracking-proof".utf8))
    }
}
