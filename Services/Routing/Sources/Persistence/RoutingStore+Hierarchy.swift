import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// The hierarchy of bodies (Art. 16) as stored: one row per body with a body above it.
extension RoutingStore {
    public static func hierarchy(on c: PostgresConnection) throws -> AuthorityHierarchy {
        let rows = try c.query("SELECT code, parent FROM authority_hierarchy ORDER BY code")
        var parents: [String: String] = [:]
        for row in rows { parents[try row.decode(0, as: String.self)] = try row.decode(1, as: String.self) }
        return AuthorityHierarchy(parents: parents)
    }

    /// Replaces the hierarchy after `AuthorityHierarchy.validate` (422 naming each field). The
    /// change is logged by the caller; the rows are replaced in the caller's transaction.
    public static func replaceHierarchy(
        _ hierarchy: AuthorityHierarchy, in tx: UnitOfWork.Transaction
    ) throws -> AuthorityHierarchy {
        let errors = AuthorityHierarchy.validate(hierarchy)
        if !errors.isEmpty { throw RoutingValidationErrors(errors: errors) }
        let c = tx.connection
        try c.execute("DELETE FROM authority_hierarchy")
        for (code, parent) in hierarchy.parents.sorted(by: { $0.key < $1.key }) {
            try c.execute("INSERT INTO authority_hierarchy (code, parent) VALUES (\(code), \(parent))")
        }
        return hierarchy
    }
}
