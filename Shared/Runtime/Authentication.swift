import HromadaCrypto
import Hummingbird

/// Reading credentials from requests, the same way in every service. Tokens are stored only as
/// SHA-256 hashes (`TokenHash`) and compared in constant time.
public enum BearerToken {
    /// The token of `Authorization: Bearer <token>`, or nil.
    public static func from(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty || token.count > 512 ? nil : String(token)
    }

    /// True when `request` carries the bootstrap administrator token of `configuration`.
    public static func isAdministrator(_ request: Request, configuration: ServiceConfiguration) -> Bool {
        guard let expected = configuration.adminToken, let given = from(request) else { return false }
        return ConstantTime.equals(Array(SHA256.hash(given)), Array(SHA256.hash(expected)))
    }
}
