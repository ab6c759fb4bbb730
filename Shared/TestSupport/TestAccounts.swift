import Foundation
import HromadaAPI

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
    /// Creates `name`, of `authority` in `role` (with `email` when given), on `routing`; returns
    /// routing's answer: the official's `id` and `token`. Throws unless routing answers 201 with both.
    public static func create(
        name: String, authority: String = "zhkg", role: String = "official", email: String? = nil,
        on routing: ServiceHarness, adminToken: String
    ) async throws -> RoutingJSON.OfficialCreated {
        let body = RoutingJSON.OfficialRequest(name: name, authority: authority, role: role, email: email)
        let response = try await routing.request(
            "POST", "/v1/officials", body: try APICoding.encoder().encode(body),
            headers: ["Authorization": "Bearer \(adminToken)", "Content-Type": "application/json"])
        guard response.status == 201, let created = try? response.decode(RoutingJSON.OfficialCreated.self) else {
            throw ServiceHarness.HarnessError(description: "official not created: \(response.status) \(response.text)")
        }
        return created
    }
}
