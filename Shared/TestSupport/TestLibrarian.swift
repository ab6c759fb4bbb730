import Foundation

/// A librarian's personal account at intake, created through intake's admin API
/// (`POST /v1/admin/centres/{id}/librarians`), for tests that sign in at the librarian's form.
public struct TestLibrarian: Sendable {
    public let id: String
    public let centre: String
    public let login: String
    public let password: String

    /// The sign-in form's fields (`POST /form/login`).
    public var signInFields: [(String, String)] { [("centre", centre), ("login", login), ("password", password)] }

    /// The same, form-urlencoded.
    public var signInBody: String { Self.formBody(signInFields) }

    /// Creates the account with a password of its own (generated here, 24 characters).
    public static func create(
        on intake: ServiceHarness, centre: String, login: String, adminToken: String
    ) async throws -> TestLibrarian {
        let password = "pw-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(21)
        let response = try await intake.request(
            "POST", "/v1/admin/centres/\(centre)/librarians", json: ["login": login, "password": password],
            headers: ["Authorization": "Bearer \(adminToken)"])
        guard response.status == 201,
            let created = try response.json() as? [String: Any],
            let librarian = created["librarian"] as? [String: Any], let id = librarian["id"] as? String
        else {
            throw ServiceHarness.HarnessError(description: "librarian not created: \(response.status) \(response.text)")
        }
        return TestLibrarian(id: id, centre: centre, login: login, password: String(password))
    }

    /// A resident's valid appeal as the librarian's form posts it (`POST /form/appeals`), with the
    /// session's CSRF token. It also sends the old free-text `assistedBy`, which the form ignores.
    public static func appealForm(csrf: String) -> [(String, String)] {
        [
            ("csrf", csrf), ("fullName", "Коваленко Марія"),
            ("address", "вул. Нікольська, 20, кв. 7"),
            ("kind", "application"), ("category", "heating"), ("subject", "Холодно"),
            ("text", "Немає опалення в під'їзді вже тиждень."),
            ("assistedBy", "Вигадане ім'я"),
        ]
    }

    /// `a=1&b=2` with every value percent-encoded.
    public static func formBody(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
    }
}

extension HeadlessBrowser {
    /// Signs `librarian` in on the librarian's sign-in page already open in this browser; returns
    /// once the appeal form is shown (every browser test of the form starts here).
    public func signIn(_ librarian: TestLibrarian) async throws {
        for (name, value) in librarian.signInFields { try fill(name, value) }
        try await click("form:has(input[name=password]) button[type=submit]")
        try await wait(until: "document.querySelector('#appeal-form') !== null")
    }
}
