import Foundation
import HromadaAPI
import HromadaRuntime

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A small client of the audit HTTP API, for `hromadactl audit verify|export|erase|trail`.
///
///     let client = AuditClient(baseURL: URL(string: "http://127.0.0.1:8083")!, token: adminToken)
///     let report = try await client.verify()
public struct AuditClient: Sendable {
    public let baseURL: URL
    let token: String

    public init(baseURL: URL, token: String) {
        self.baseURL = baseURL
        self.token = token
    }

    /// `GET /v1/verify`, or `POST /v1/verify` when `checkpoints` are given.
    public func verify(checkpoints: [AuditVerifyRequest.Checkpoint] = []) async throws -> AuditVerification {
        if checkpoints.isEmpty { return try decode(AuditVerification.self, try await send("GET", "/v1/verify")) }
        let body = try JSON.encoder.encode(AuditVerifyRequest(checkpoints: checkpoints))
        return try decode(AuditVerification.self, try await send("POST", "/v1/verify", body: body))
    }

    public func checkpoints() async throws -> [AuditCheckpointRecord] {
        try decode([AuditCheckpointRecord].self, try await send("GET", "/v1/checkpoints"))
    }

    public func trail(registrationNumber: String) async throws -> AuditTrail {
        try decode(AuditTrail.self, try await send("GET", "/v1/trail/\(Self.escape(registrationNumber))"))
    }

    public func erase(registrationNumber: String) async throws -> AuditErasure {
        try decode(AuditErasure.self, try await send("POST", "/v1/erase/\(Self.escape(registrationNumber))"))
    }

    /// `GET /v1/export?from=…`: the raw JSON Lines (each line an `AuditExportLine`), to write to a
    /// file as they are.
    public func export(from sequence: Int64 = 1, limit: Int64? = nil) async throws -> Data {
        var path = "/v1/export?from=\(sequence)"
        if let limit { path += "&limit=\(limit)" }
        return try await send("GET", path)
    }

    /// Parses JSON Lines from `export`.
    public static func parseExport(_ data: Data) throws -> [AuditExportLine] {
        try data.split(separator: UInt8(ascii: "\n")).map {
            try JSON.decoder.decode(AuditExportLine.self, from: Data($0))
        }
    }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(
            withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do {
            return try JSON.decoder.decode(T.self, from: data)
        } catch {
            throw AuditError(code: .badResponse, reason: "unexpected response shape from the audit service")
        }
    }

    func send(_ method: String, _ path: String, body: Data? = nil) async throws -> Data {
        guard
            let url = URL(string: baseURL.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path)
        else {
            throw AuditError(code: .http, reason: "bad URL")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 300
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else {
            throw AuditError(code: .http, reason: "not an HTTP response")
        }
        guard (200..<300).contains(http.statusCode) else {
            let codes =
                ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["errors"]
                .flatMap { $0 as? [[String: Any]] }?.compactMap { $0["code"] as? String }.joined(separator: ",") ?? ""
            throw AuditError(code: .http, reason: "HTTP \(http.statusCode) \(codes)")
        }
        return data
    }
}
