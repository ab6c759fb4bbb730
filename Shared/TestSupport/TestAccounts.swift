import Foundation

/// A centre registered through intake's admin API (`PUT /v1/admin/centres/{id}`).
public enum TestCentre {
    /// The central library, where most tests' appeals are handed in.
    public static let centralLibrary = "central-library"

    /// Adds (or replaces) centre `id` with the machine key `key` on `intake`; throws unless intake
    /// answers 200.
    public static func put(
        _ id: String = centralLibrary, name: String = "ЦОГ Центральної бібліотеки",
        address: String = "вул. Потьомкінська, 143а",
        key: String, on intake: ServiceHarness, adminToken: String
    ) async throws {
        let response = try await intake.request(
            "PUT", "/v1/admin/centres/\(id)", json: ["name": name, "address": address, "key": key],
            headers: ["Authorization": "Bearer \(adminToken)"])
        guard response.status == 200 else {
            throw ServiceHarness.HarnessError(
                description: "centre \(id) not saved: \(response.status) \(response.text)")
        }
    }
}

/// An official created through routing's admin API (`POST /v1/officials`).
public enum TestOfficial {
    /// Creates `name`, of `authority` in `role` (with `email` when given), on `routing`; routing's
    /// answer (with the official's `id` and `token`). Throws unless routing answers 201.
    public static func create(
        name: String, authority: String = "zhkg", role: String = "official", email: String? = nil,
        on routing: ServiceHarness, adminToken: String
    ) async throws -> [String: Any] {
        var body: [String: Any] = ["name": name, "authority": authority, "role": role]
        if let email { body["email"] = email }
        let response = try await routing.request(
            "POST", "/v1/officials", json: body, headers: ["Authorization": "Bearer \(adminToken)"])
        guard response.status == 201, let created = try response.json() as? [String: Any] else {
            throw ServiceHarness.HarnessError(description: "official not created: \(response.status) \(response.text)")
        }
        return created
    }
}
