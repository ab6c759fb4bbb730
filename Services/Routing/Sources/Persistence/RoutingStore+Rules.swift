import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime

/// Reference data and the versioned routing rules.
extension RoutingStore {
    // MARK: Reference data and rules

    /// Idempotent: upserts districts, authorities and categories from `Reference`, and installs the
    /// seed rule set as version 1 when there is none yet (replicas starting together insert it once:
    /// the version is the primary key). Publishes `routing-rules.changed` for the seed.
    public static func seed(now: Date, in tx: UnitOfWork.Transaction) throws {
        let c = tx.connection
        // Districts and authorities are the same tables as intake's; categories are routing's own.
        try ReferenceTables.upsertDistrictsAndAuthorities(on: c)
        for cat in Reference.categories {
            try c.execute(
                """
                INSERT INTO categories (code, name_uk, name_en, default_authority, term_days)
                VALUES (\(cat.code), \(cat.nameUk), \(cat.nameEn), \(cat.defaultAuthority), \(cat.termDays))
                ON CONFLICT (code) DO UPDATE SET name_uk = EXCLUDED.name_uk, name_en = EXCLUDED.name_en,
                    default_authority = EXCLUDED.default_authority, term_days = EXCLUDED.term_days
                """)
        }
        let inserted = try c.execute(
            """
            INSERT INTO rule_sets (version, changed_by, changed_at) VALUES (1, 'seed', \(now))
            ON CONFLICT (version) DO NOTHING
            """)
        guard inserted == 1 else { return }
        let rules = AppealRouter.seedRules
        try insertRules(rules, version: 1, on: c)
        try tx.publish(
            RoutingRulesChanged(version: 1, changedBy: "seed", changedAt: now, rules: rules.map(\.contract)),
            correlationId: UUID(), occurredAt: now)
    }

    static func insertRules(_ rules: [RoutingRule], version: Int, on c: PostgresConnection) throws {
        for (i, rule) in rules.enumerated() {
            try c.execute(
                """
                INSERT INTO rules (version, position, category, district, authority)
                VALUES (\(version), \(i), \(rule.category), \(rule.district), \(rule.authority))
                """)
        }
    }

    public static func currentRules(on c: PostgresConnection) throws -> RuleSet {
        let version =
            try c.query("SELECT COALESCE(max(version), 0)::bigint FROM rule_sets").first.map {
                try $0.decode(0, as: Int.self)
            } ?? 0
        let rows = try c.query(
            "SELECT category, district, authority FROM rules WHERE version = \(version) ORDER BY position")
        let rules = try rows.map {
            RoutingRule(
                category: try $0.decode(0, as: String.self), district: try $0.decode(1, as: String?.self),
                authority: try $0.decode(2, as: String.self))
        }
        return RuleSet(version: version, rules: rules)
    }

    /// Replaces the rule set as a new version. `expectedVersion` guards against lost updates (409).
    public static func replaceRules(
        _ update: RuleSetUpdate, changedBy: String, now: Date, in tx: UnitOfWork.Transaction
    ) throws -> RuleSet {
        let c = tx.connection
        let errors = AppealRouter.validate(update.rules)
        if !errors.isEmpty { throw RoutingValidationErrors(errors: errors) }
        // Serialise concurrent replacements: lock the newest version row.
        let current =
            try c.query("SELECT COALESCE(max(version), 0)::bigint FROM rule_sets").first.map {
                try $0.decode(0, as: Int.self)
            } ?? 0
        try c.execute("SELECT pg_advisory_xact_lock(\(Int64(7_301_001)))")
        let locked =
            try c.query("SELECT COALESCE(max(version), 0)::bigint FROM rule_sets").first.map {
                try $0.decode(0, as: Int.self)
            } ?? current
        if let expected = update.expectedVersion, expected != locked {
            throw RoutingError(
                .conflict, code: "stale_version", field: "expectedVersion",
                message: "the rules are at version \(locked), not \(expected)")
        }
        let version = locked + 1
        try c.execute(
            "INSERT INTO rule_sets (version, changed_by, changed_at) VALUES (\(version), \(changedBy), \(now))")
        try insertRules(update.rules, version: version, on: c)
        try tx.publish(
            RoutingRulesChanged(
                version: version, changedBy: changedBy, changedAt: now, rules: update.rules.map(\.contract)),
            correlationId: UUID(), occurredAt: now)
        return RuleSet(version: version, rules: update.rules)
    }
}

extension RoutingRule {
    var contract: RoutingRulesChanged.Rule { .init(category: category, district: district, authority: authority) }
}
