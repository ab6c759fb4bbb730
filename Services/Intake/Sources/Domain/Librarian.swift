import Foundation
import HromadaAPI
import HromadaCrypto

/// A librarian's personal account at one centre: they sign in to the form with it, and the appeals
/// they register name the account (`registeredBy`), never a typed-in name. A person may choose the
/// password, so it is kept only as a salted, slow `PasswordHash` (PBKDF2), not as the fast
/// `TokenHash` that suits generated secrets; at least 12 characters, a generated one by default.
/// The API's type is the domain's.
public typealias Librarian = IntakeJSON.Librarian

extension Librarian {
    /// What a web session names: `librarian:<id>` (lower-case).
    public var sessionSubject: String { Self.subjectPrefix + id.uuidString.lowercased() }

    static let subjectPrefix = "librarian:"

    /// The account id a session subject names, or nil for any other subject.
    public static func id(sessionSubject subject: String) -> UUID? {
        guard subject.hasPrefix(subjectPrefix) else { return nil }
        return UUID(uuidString: String(subject.dropFirst(subjectPrefix.count)))
    }
}

/// A new account as the centre's administrator (or `hromadactl librarian add`) asks for it, checked.
public struct LibrarianRegistration: Sendable, Equatable {
    public static let loginLength = 2...64
    public static let passwordLength = 12...512

    public let centre: String
    public let login: String
    public let passwordHash: String

    /// `login` is lower-cased; it must be 2–64 ASCII letters, digits, `.`, `_` or `-`.
    /// The password is hashed off the cooperative pool (`PasswordHash.hashOffThePool`).
    public static func validate(centre: String, login: String, password: String) async
        -> Result<LibrarianRegistration, ValidationFailure>
    {
        var problems: [FieldProblem] = []
        let login = login.lowercased()
        if !CentreRegistration.isCentreId(centre) {
            problems.append(FieldProblem(field: "centre", code: "invalid_value", messageKey: "errCentreId"))
        }
        if !isLogin(login) {
            problems.append(FieldProblem(field: "login", code: "invalid_value", messageKey: "errLibrarianLogin"))
        }
        if !passwordLength.contains(password.count) {
            problems.append(
                FieldProblem(field: "password", code: "invalid_length", messageKey: "errLibrarianPassword"))
        }
        guard problems.isEmpty else { return .failure(ValidationFailure(problems)) }
        let passwordHash = await PasswordHash.hashOffThePool(password: password)
        return .success(LibrarianRegistration(centre: centre, login: login, passwordHash: passwordHash))
    }

    public static func isLogin(_ s: String) -> Bool {
        loginLength.contains(s.count)
            && s.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || ".-_".contains($0)) }
    }

    /// A password for a new account when none is given (shown once).
    public static func generatedPassword() -> String { SecureRandom.token(bytes: 18) }
}
