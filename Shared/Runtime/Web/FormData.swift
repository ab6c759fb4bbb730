import Foundation
import Hummingbird

/// Superseded by the web kit (`WebForm` in `HromadaWeb`, Shared/Web/README.md): no service uses it
/// any more; it stays only until the last test that calls it moves, then this file goes.
/// `application/x-www-form-urlencoded` pairs (bodies and query strings): `+` is a space, keys
/// and values are percent-decoded, repeated keys keep the first value in the subscript.
public struct FormData: Sendable {
    public private(set) var pairs: [(String, String)] = []

    public init(query: String?) {
        guard let query, !query.isEmpty else { return }
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            pairs.append((Self.decode(kv[0]), kv.count > 1 ? Self.decode(kv[1]) : ""))
        }
    }

    public init(body: [UInt8]) { self.init(query: String(decoding: body, as: UTF8.self)) }

    /// Reads a form body of at most `limit` bytes (a larger one is 413).
    public static func read(_ request: Request, limit: Int = 64 * 1024) async throws -> FormData {
        let buffer = try await request.body.collect(upTo: limit)
        return FormData(body: Array(buffer.readableBytesView))
    }

    public subscript(_ key: String) -> String? { pairs.first { $0.0 == key }?.1 }

    /// Every pair as a dictionary (first value wins).
    public var dictionary: [String: String] {
        var result: [String: String] = [:]
        for (key, value) in pairs where result[key] == nil { result[key] = value }
        return result
    }

    static func decode(_ s: Substring) -> String {
        let replaced = s.replacingOccurrences(of: "+", with: " ")
        return replaced.removingPercentEncoding ?? replaced
    }
}
