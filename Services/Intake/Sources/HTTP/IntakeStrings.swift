import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// The service's words: the kit's string catalogue merged with intake's own
/// (`Resources/strings/uk.json`, `en.json`): page texts, status names and the messages of the
/// domain's field problems (`FieldProblem.messageKey`, with `{name}` placeholders).
struct IntakeStrings: Sendable {
    let catalogue: StringCatalogue

    /// Intake's catalogue on its own (tests; the site merges it with the kit's).
    static func load() throws -> IntakeStrings {
        IntakeStrings(catalogue: try StringCatalogue.load(from: Bundle.module))
    }

    func strings(_ language: Language) -> [String: String] { catalogue.strings(language) }

    /// The string of `key` with `{name}` placeholders filled; the key itself when missing.
    func string(_ key: String, _ language: Language, _ arguments: [String: String] = [:]) -> String {
        var text = catalogue.string(key, language)
        for (name, value) in arguments { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// A field problem in the contract's error shape, in English with the Ukrainian alongside.
    func fieldError(_ problem: FieldProblem) -> FieldError {
        var arguments = problem.arguments
        if let field = arguments["field"] {
            let key = "field_" + field.replacingOccurrences(of: ".", with: "_")
            let name = catalogue.string(key, .uk)
            arguments["fieldName"] = name == key ? field : name
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
    func error(_ status: HTTPResponse.Status, code: String, key: String, field: String? = nil) -> APIError {
        APIError(status, code: code, message: string(key, .en), field: field, messageUk: string(key, .uk))
    }
}
