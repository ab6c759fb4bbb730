import HromadaContracts
import HromadaCrypto

/// The resident's tracking token opens their appeal's status page: it is a password, and the
/// audit log keeps only its SHA-256 (the same hash intake stores), written `sha256:<hex>`.
///
/// The token is replaced before the entry is sealed and hashed into the chain, so neither the
/// log's rows nor the trail ever hold it. Entries appended before this rule existed keep their
/// (encrypted) token in the chain — rewriting them would break the hashes — but a trail shows
/// the hash in its place.
public enum TrackingTokenRedaction {
    static let field = "trackingToken"
    static let prefix = "sha256:"

    /// `payload` with a top-level `trackingToken` string replaced by `sha256:<hex>`; a value that
    /// is already a hash, an encrypted field (an object) or absent is left as it is.
    public static func hashed(_ payload: JSONValue) -> JSONValue {
        guard case .object(var object) = payload, let token = object[field]?.stringValue,
            !token.hasPrefix(prefix)
        else { return payload }
        object[field] = .string(prefix + TokenHash.hash(token: token))
        return .object(object)
    }
}
