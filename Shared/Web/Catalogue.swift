// HromadaWeb — words on pages come from one string catalogue per language, kept as files
// (`Resources/strings/uk.json`, `en.json`): the kit's own, merged with the service's (same layout
// in the service's bundle). A key present in one language and missing in another fails at start.
// The page language: `?lang=uk|en`, remembered in the `hromada_lang` cookie; Ukrainian by default.
// How a service adopts the kit: Shared/Web/README.md.
import Foundation
public import HromadaContracts
import HromadaRuntime
public import Hummingbird

/// The languages of the pages (the contracts' `Language`: `uk`, `en`).
public typealias WebLanguage = Language

extension Language {
    /// The cookie that remembers the chosen language.
    public static let cookieName = "hromada_lang"

    /// `?lang=uk|en`, else the `hromada_lang` cookie, else Ukrainian.
    public static func of(_ request: Request) -> Language {
        if let lang = request.uri.queryParameters.get("lang"), let language = Language(rawValue: lang) {
            return language
        }
        if let lang = request.cookies[cookieName]?.value, let language = Language(rawValue: lang) { return language }
        return .uk
    }

    /// The cookie to set when the request chose a language with `?lang=`, else nil.
    public static func rememberCookie(_ request: Request) -> Cookie? {
        guard let lang = request.uri.queryParameters.get("lang"), let language = Language(rawValue: lang) else {
            return nil
        }
        return Cookie(
            name: cookieName, value: language.rawValue, maxAge: 31_536_000, path: "/", httpOnly: true, sameSite: .lax)
    }

    /// The other language (for the switch link).
    public var other: Language { self == .uk ? .en : .uk }
}

/// Strings by key, one table per language. Keys are ASCII `lowerCamel` or `snake_case` (Mustache
/// reads a dot as a path): `{{t.signIn}}`.
public struct StringCatalogue: Sendable {
    private let tables: [Language: [String: String]]

    public init(tables: [Language: [String: String]]) throws {
        self.tables = tables
        try Self.checkComplete(tables)
    }

    /// The strings of `language` (every language has every key: checked at start).
    public func strings(_ language: Language) -> [String: String] { tables[language] ?? [:] }

    /// One string, or the key itself when missing (never crashes a page).
    public func string(_ key: String, _ language: Language) -> String { tables[language]?[key] ?? key }

    /// Reads `strings/<lang>.json` for every language from `bundle`'s resources.
    public static func load(from bundle: Bundle, folder: String = "strings") throws -> StringCatalogue {
        let directory = try Resources.folder(in: bundle, named: folder, probe: "uk.json")
        var tables: [Language: [String: String]] = [:]
        for language in Language.allCases {
            let url = directory.appendingPathComponent("\(language.rawValue).json")
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ConfigurationError(
                    variable: "strings", reason: "the catalogue \(language.rawValue).json is missing")
            }
            do {
                tables[language] = try JSONDecoder().decode([String: String].self, from: data)
            } catch {
                throw ConfigurationError(
                    variable: "strings", reason: "\(language.rawValue).json is not an object of strings")
            }
        }
        return try StringCatalogue(tables: tables)
    }

    /// This catalogue with `other`'s strings added; `other` wins on a shared key.
    public func merging(_ other: StringCatalogue) throws -> StringCatalogue {
        var merged = tables
        for (language, table) in other.tables { merged[language, default: [:]].merge(table) { _, new in new } }
        return try StringCatalogue(tables: merged)
    }

    static func checkComplete(_ tables: [Language: [String: String]]) throws {
        let allKeys = Set(tables.values.flatMap(\.keys))
        for language in Language.allCases {
            let missing = allKeys.subtracting(tables[language]?.keys ?? [:].keys).sorted()
            if !missing.isEmpty {
                throw ConfigurationError(
                    variable: "strings",
                    reason: "\(language.rawValue) lacks \(missing.prefix(5).joined(separator: ", "))")
            }
        }
    }
}

/// Where SwiftPM put a target's `Resources/<name>` folder (the layout differs per platform).
public enum Resources {
    /// The folder `name` inside `bundle`'s resources that contains `probe`; an error at start when
    /// it is missing, rather than empty pages later.
    public static func folder(in bundle: Bundle, named name: String, probe: String) throws -> URL {
        let roots = [bundle.resourceURL, bundle.bundleURL].compactMap { $0 }
        let candidates = roots.flatMap {
            [$0.appendingPathComponent("Resources/\(name)"), $0.appendingPathComponent(name)]
        }
        guard
            let folder = candidates.first(where: {
                FileManager.default.fileExists(atPath: $0.appendingPathComponent(probe).path)
            })
        else {
            throw ConfigurationError(variable: name, reason: "the folder \(name) is missing from the bundle")
        }
        return folder
    }
}
