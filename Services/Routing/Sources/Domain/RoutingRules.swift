import Foundation
public import HromadaAPI
import HromadaContracts

/// Routing rules: category (+ optional district) → authority. One definition with the API's
/// (`RoutingJSON.Rule`: the rules are exchanged as they are stored).
public typealias RoutingRule = RoutingJSON.Rule

/// How an appeal is routed. Lookup order: exact category + district rule, then the category's rule
/// without a district, then the category's default authority from `Reference`, then the mayor's
/// reception. A complaint is never sent to the body it complains about (Art. 7): if the chosen
/// authority is the one complained about, the complaint goes to the mayor's reception; if the
/// complaint is against the mayor's reception itself, it goes to the first alternative that is not
/// the authority complained about, in this order: the category's default authority, the district's
/// administration, then the first authority in `Reference.authorities`.
public enum AppealRouter {
    public struct Decision: Sendable, Equatable {
        public var authority: String
        /// "rule" | "district-rule" | "default" | "complaint-rerouted"
        public var reason: String
    }

    public static func route(
        category: String, district: String?, against: String?, rules: [RoutingRule],
        categoryDefault: String? = nil
    ) -> Decision {
        let fallbackDefault = categoryDefault ?? Reference.category(code: category)?.defaultAuthority
        var decision: Decision
        if let district, let rule = rules.first(where: { $0.category == category && $0.district == district }) {
            decision = Decision(authority: rule.authority, reason: "district-rule")
        } else if let rule = rules.first(where: { $0.category == category && $0.district == nil }) {
            decision = Decision(authority: rule.authority, reason: "rule")
        } else if let fallbackDefault {
            decision = Decision(authority: fallbackDefault, reason: "default")
        } else {
            decision = Decision(authority: Reference.defaultAuthority, reason: "default")
        }
        guard let against, against == decision.authority else { return decision }
        if against != Reference.defaultAuthority {
            return Decision(authority: Reference.defaultAuthority, reason: "complaint-rerouted")
        }
        var alternatives: [String] = []
        if let fallbackDefault { alternatives.append(fallbackDefault) }
        if let district, let administration = Reference.administration(ofDistrict: district) {
            alternatives.append(administration.code)
        }
        alternatives += Reference.authorities.map(\.code)
        let chosen = alternatives.first { $0 != against } ?? Reference.defaultAuthority
        return Decision(authority: chosen, reason: "complaint-rerouted")
    }

    /// Checks a proposed rule set: known codes, no duplicate (category, district). Errors name the
    /// field as `rules[i].category` etc.
    public static func validate(_ rules: [RoutingRule]) -> [RoutingError] {
        var errors: [RoutingError] = []
        var seen = Set<String>()
        for (i, rule) in rules.enumerated() {
            if Reference.category(code: rule.category) == nil {
                errors.append(
                    RoutingError(
                        .invalid, code: "unknown_category", field: "rules[\(i)].category",
                        message: "unknown category code"))
            }
            if let district = rule.district, Reference.district(code: district) == nil {
                errors.append(
                    RoutingError(
                        .invalid, code: "unknown_district", field: "rules[\(i)].district",
                        message: "unknown district code"))
            }
            if Reference.authority(code: rule.authority) == nil {
                errors.append(
                    RoutingError(
                        .invalid, code: "unknown_authority", field: "rules[\(i)].authority",
                        message: "unknown authority code"))
            }
            let key = "\(rule.category)|\(rule.district ?? "")"
            if !seen.insert(key).inserted {
                errors.append(
                    RoutingError(
                        .invalid, code: "duplicate_rule", field: "rules[\(i)]",
                        message: "a rule for this category and district is already in the set"))
            }
        }
        return errors
    }

    /// The seed: every category to its default authority; `waste` and `roads` per district to the
    /// district administrations (an example of district rules).
    public static var seedRules: [RoutingRule] {
        var rules = Reference.categories.map { RoutingRule(category: $0.code, authority: $0.defaultAuthority) }
        for category in ["waste", "roads"] {
            for district in Reference.districts {
                rules.append(
                    RoutingRule(
                        category: category, district: district.code, authority: "\(district.code)-administration"))
            }
        }
        return rules
    }
}
