import Foundation
import HromadaContracts
import HromadaRuntime
import Hummingbird

/// The service's words, one catalogue file per language (`Resources/strings/uk.json`, `en.json`):
/// page texts, status names and the messages of the domain's field problems.
struct IntakeStrings: Sendable {
    let tables: [Language: [String: String]]

    static func load() throws -> IntakeStrings {
        let roots = [Bundle.module.resourceURL, Bundle.module.bundleURL].compactMap { $0 }
        let folders = roots.flatMap { [$0.appendingPathComponent("Resources/strings"), $0.appendingPathComponent("strings")] }
        guard let folder = folders.first(where: {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("uk.json").path)
        }) else { throw ConfigurationError(variable: "strings", reason: "the string catalogues are missing from the bundle") }
        var tables: [Language: [String: String]] = [:]
        for language in Language.allCases {
            let data = try Data(contentsOf: folder.appendingPathComponent("\(language.rawValue).json"))
            tables[language] = try JSONDecoder().decode([String: String].self, from: data)
        }
        let keys = Set(tables.values.flatMap(\.keys))
        for (language, table) in tables where Set(table.keys) != keys {
            throw ConfigurationError(variable: "strings", reason: "\(language.rawValue).json lacks keys the others have")
        }
        return IntakeStrings(tables: tables)
    }

    func strings(_ language: Language) -> [String: String] { tables[language] ?? [:] }

    /// The string of `key` with `{name}` placeholders filled; the key itself when missing.
    func string(_ key: String, _ language: Language, _ arguments: [String: String] = [:]) -> String {
        var text = tables[language]?[key] ?? key
        for (name, value) in arguments { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// A field problem in the contract's error shape, in English with the Ukrainian alongside.
    func fieldError(_ problem: FieldProblem) -> FieldError {
        var arguments = problem.arguments
        if let field = arguments["field"] {
            let key = "field_" + field.replacingOccurrences(of: ".", with: "_")
            arguments["fieldName"] = tables[.uk]?[key] ?? field
        }
        return FieldError(
            field: problem.field, code: problem.code, message: string(problem.messageKey, .en, arguments),
            messageUk: string(problem.messageKey, .uk, arguments))
    }

    /// 422 with every problem.
    func validationError(_ failure: ValidationFailure) -> APIError {
        APIError.validation(failure.errors.map(fieldError))
    }

    /// One error from a catalogue key.
    func error(
        _ status: HTTPResponse.Status, code: String, key: String, field: String? = nil
    ) -> APIError {
        APIError(status, code: code, message: string(key, .en), field: field, messageUk: string(key, .uk))
    }
}
