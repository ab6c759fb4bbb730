import HromadaContracts
import HromadaCore
import HromadaCrypto

/// The resident's tracking code opens their appeal's status page: it is a password, so the audit
/// log never keeps it, not even encrypted. It keeps `hmac-sha256:<hex>`: an HMAC of the code keyed
/// with the appeal's own key.
///
/// Why keyed and not a plain SHA-256: the codes are short (10 characters from 31, about 50 bits;
/// docs/TRACKING.md), so anyone who could read a plain hash could also test every possible code
/// against it offline. Keyed with the appeal's key, a guess can be tested only by the service that
/// holds the key, and once the appeal is erased (its key destroyed) by nobody.
///
/// The code is replaced before the entry is sealed and hashed into the chain. Entries appended
/// before this rule hold the code sealed with the appeal's key (rewriting them would break the
/// chain's hashes); a trail shows them the same way, keyed, in its place.
public enum TrackingTokenRedaction {
    static let field = "trackingToken"
    static let prefix = "hmac-sha256:"
    /// Forms already redacted: the keyed one, and the plain hash an earlier release showed.
    static let redactedPrefixes = [prefix, "sha256:"]

    /// `payload` with a top-level `trackingToken` string replaced by its keyed hash; with no key
    /// (the appeal was erased) by the erased placeholder. A value already redacted, an encrypted
    /// field (an object) or an absent one is left as it is.
    public static func hashed(_ payload: JSONValue, key: [UInt8]?) -> JSONValue {
        guard case .object(var object) = payload, let token = object[field]?.stringValue,
            token != PersonalDataProtection.erasedPlaceholder.stringValue,
            !redactedPrefixes.contains(where: { token.hasPrefix($0) })
        else { return payload }
        object[field] =
            key.map { .string(prefix + keyedHash(token: token, key: $0)) }
            ?? PersonalDataProtection.erasedPlaceholder
        return .object(object)
    }

    /// Lower-case hex HMAC-SHA256 of the code under the appeal's key (domain-separated, so the
    /// same key's other uses never produce the same bytes).
    public static func keyedHash(token: String, key: [UInt8]) -> String {
        Hex.encode(HMACSHA256.authenticationCode(key: key, message: Array("tracking-code\u{0}\(token)".utf8)))
    }
}
