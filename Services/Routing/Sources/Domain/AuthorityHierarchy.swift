import Foundation
import HromadaContracts

/// Who stands above whom (Art. 16: a complaint goes "in order of subordination" to the higher
/// body). Kept as data: each body's code maps to the body directly above it; a body with no
/// parent is the top of the city's executive bodies (a complaint about it goes to court, Art. 16).
/// Administrators change it through `PUT /v1/authority-hierarchy`; `validate` keeps it a forest
/// of known codes without cycles.
public struct AuthorityHierarchy: Sendable, Equatable, Codable {
    /// A body known to routing beyond `Reference.authorities`: the executive committee, headed by
    /// the mayor, which stands above the departments, the district administrations and the
    /// mayor's reception.
    public struct Body: Sendable, Equatable, Codable {
        public let code: String
        public let nameUk: String
        public let nameEn: String
    }

    public static let executiveCommittee = Body(
        code: Reference.executiveCommittee.code, nameUk: Reference.executiveCommittee.nameUk,
        nameEn: Reference.executiveCommittee.nameEn)

    /// Bodies that exist only in the hierarchy (they receive complaints, not routed appeals).
    public static let extraBodies: [Body] = [executiveCommittee]

    /// Every code a hierarchy may name.
    public static var knownCodes: Set<String> {
        Set(Reference.authorities.map(\.code)).union(extraBodies.map(\.code))
    }

    /// Body code → the code of the body directly above it.
    public private(set) var parents: [String: String]

    public init(parents: [String: String]) { self.parents = parents }

    /// Mykolaiv: every department, district administration and the mayor's reception stand
    /// directly under the executive committee (the mayor); the executive committee is the top.
    public static var seed: AuthorityHierarchy {
        var parents: [String: String] = [:]
        for authority in Reference.authorities { parents[authority.code] = executiveCommittee.code }
        return AuthorityHierarchy(parents: parents)
    }

    /// The body directly above `code`, nil at the top (or for a body the hierarchy does not know).
    public func parent(of code: String) -> String? { parents[code] }

    /// The bodies above `code`, nearest first. Stops on a cycle (which `validate` forbids).
    public func ancestors(of code: String) -> [String] {
        var chain: [String] = []
        var current = code
        while let next = parents[current], next != code, !chain.contains(next) {
            chain.append(next)
            current = next
        }
        return chain
    }

    /// True when `upper` stands above `lower` (directly or through intermediate bodies).
    public func isAbove(_ upper: String, _ lower: String) -> Bool { ancestors(of: lower).contains(upper) }

    /// Checks a proposed hierarchy: both codes of every link known, no body its own parent, no
    /// cycle. Errors name the field as `parents.<code>`.
    public static func validate(_ hierarchy: AuthorityHierarchy) -> [RoutingError] {
        var errors: [RoutingError] = []
        let known = knownCodes
        for (child, parent) in hierarchy.parents.sorted(by: { $0.key < $1.key }) {
            let field = "parents.\(child)"
            if !known.contains(child) {
                errors.append(
                    RoutingError(.invalid, code: "unknown_authority", field: field, message: "unknown body code"))
            }
            if !known.contains(parent) {
                errors.append(
                    RoutingError(.invalid, code: "unknown_authority", field: field, message: "unknown parent body code")
                )
            }
            if child == parent {
                errors.append(
                    RoutingError(.invalid, code: "cycle", field: field, message: "a body cannot stand above itself"))
                continue
            }
            // Walk upward from the child: meeting any body twice (the child included) is a cycle.
            var seen: Set<String> = [child]
            var current = parent
            while true {
                if !seen.insert(current).inserted {
                    errors.append(
                        RoutingError(
                            .invalid, code: "cycle", field: field,
                            message: "the hierarchy would have a cycle through this body"))
                    break
                }
                guard let next = hierarchy.parents[current] else { break }
                current = next
            }
        }
        return errors
    }
}

/// Art. 16: where a complaint about a body's decision or action goes. It goes to the body directly
/// above the one complained about, in order of subordination: never to that body itself, never
/// sideways or down. At the top of the hierarchy there is no higher body: the author may go to
/// court (Art. 16), and the complaint stays with the body that registered it for an explanation.
/// A resident's dispute of an answer is such a complaint against the answering body.
public enum ComplaintRoute: Sendable, Equatable {
    /// Send the complaint to this body (directly above the one complained about).
    case higherBody(String)
    /// Nothing stands above the body complained about: the author is told of the court (Art. 16).
    case noHigherBody
    /// The body complained about is not in the hierarchy.
    case unknownBody

    public static func `for`(against body: String, in hierarchy: AuthorityHierarchy) -> ComplaintRoute {
        guard AuthorityHierarchy.knownCodes.contains(body) else { return .unknownBody }
        guard let parent = hierarchy.parent(of: body), parent != body else { return .noHigherBody }
        return .higherBody(parent)
    }

    /// The authority that should hold the complaint, if any.
    public var authority: String? {
        if case .higherBody(let code) = self { return code }
        return nil
    }
}
