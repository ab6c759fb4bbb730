import Foundation
import HromadaContracts
import HromadaCrypto

/// A Citizen Service Centre, as the admin API shows it (never the key or its hash).
public struct Centre: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var address: String
    public var active: Bool
    public var updatedAt: Date
}

/// A centre as an administrator registers or changes it, checked: the id is a slug, the name and
/// address have sensible lengths, the key is long enough to be a secret. Only its hash is kept.
public struct CentreRegistration: Sendable, Equatable {
    public static let idLength = 2...64
    public static let nameLength = 2...200
    public static let addressLength = 5...300
    public static let keyLength = 16...512

    public let id: String
    public let name: String
    public let address: String
    public let keyHash: String
    public let active: Bool

    public static func validate(
        id: String, name: String, address: String, key: String, active: Bool?
    ) -> Result<CentreRegistration, ValidationFailure> {
        var problems: [FieldProblem] = []
        if !isCentreId(id) {
            problems.append(FieldProblem(field: "id", code: "invalid_value", messageKey: "errCentreId"))
        }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let address = address.trimmingCharacters(in: .whitespacesAndNewlines)
        if !nameLength.contains(name.count) {
            problems.append(FieldProblem(field: "name", code: "invalid_length", messageKey: "errCentreName"))
        }
        if !addressLength.contains(address.count) {
            problems.append(FieldProblem(field: "address", code: "invalid_length", messageKey: "errCentreAddress"))
        }
        if !keyLength.contains(key.count) {
            problems.append(FieldProblem(field: "key", code: "invalid_length", messageKey: "errCentreKey"))
        }
        guard problems.isEmpty else { return .failure(ValidationFailure(problems)) }
        return .success(
            CentreRegistration(
                id: id, name: name, address: address, keyHash: TokenHash.hash(token: key), active: active ?? true))
    }

    /// 2–64 lower-case ASCII letters, digits and dashes, not starting with a dash.
    public static func isCentreId(_ s: String) -> Bool {
        idLength.contains(s.count) && !s.hasPrefix("-")
            && s.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }

    /// The event that tells routing and notification about the centre.
    public func updatedEvent(at now: Date) -> CentreUpdated {
        CentreUpdated(centreId: id, name: name, address: address, keyHash: keyHash, active: active, updatedAt: now)
    }

    public func centre(updatedAt now: Date) -> Centre {
        Centre(id: id, name: name, address: address, active: active, updatedAt: ISO8601.roundedToMilliseconds(now))
    }
}
