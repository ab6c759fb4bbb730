import Foundation
import Mustache

/// Message texts, one file per event, recipient kind and language under
/// `Resources/templates/<name>.<lang>.mustache`: the subject on the first line, a blank line,
/// then the body. They are plain text (no HTML escaping); the HTML view escapes when it shows them.
public struct NotificationTemplates: Sendable {
    public struct Rendered: Sendable, Equatable {
        public var subject: String
        public var body: String
    }

    public struct TemplateError: Error, CustomStringConvertible, Sendable {
        public let code: String
        public let template: String
        public var description: String { "\(code): \(template)" }
    }

    private let templates: [String: MustacheTemplate]

    public var names: [String] { templates.keys.sorted() }

    /// Loads every `*.mustache` file of `directory` (default: the module's bundled templates).
    public init(directory: URL? = nil) throws {
        let folder = directory ?? Self.bundledDirectory
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        var templates: [String: MustacheTemplate] = [:]
        for file in files where file.hasSuffix(".mustache") {
            let name = String(file.dropLast(".mustache".count))
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            do {
                // Plain text: values are inserted as they are (the pragma sits on the subject
                // line so it adds no line of its own).
                templates[name] = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
            } catch {
                throw TemplateError(code: "template_invalid", template: name)
            }
        }
        guard !templates.isEmpty else { throw TemplateError(code: "templates_missing", template: folder.lastPathComponent) }
        self.templates = templates
    }

    public static var bundledDirectory: URL { resourceFolder("templates") }

    /// `Resources/<name>` inside the module's bundle (the bundle's layout differs between
    /// platforms: its resource URL may or may not already end in `Resources`).
    static func resourceFolder(_ name: String) -> URL {
        let candidates = [
            Bundle.module.resourceURL?.appendingPathComponent("Resources/\(name)"),
            Bundle.module.resourceURL?.appendingPathComponent(name),
            Bundle.module.bundleURL.appendingPathComponent("Resources/\(name)"),
        ].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? candidates[0]
    }

    public func has(_ name: String, language: String) -> Bool { templates["\(name).\(language)"] != nil }

    /// Renders `<name>.<language>`, falling back to Ukrainian when the language has no template.
    public func render(_ name: String, language: String, context: [String: Any]) throws -> Rendered {
        guard let template = templates["\(name).\(language)"] ?? templates["\(name).uk"] else {
            throw TemplateError(code: "template_missing", template: "\(name).\(language)")
        }
        let text = template.render(context)
        return Self.split(text)
    }

    /// First non-empty line → subject; the rest, trimmed of blank lines at both ends → body.
    static func split(_ text: String) -> Rendered {
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        while let first = lines.first, first.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeFirst() }
        let subject = lines.isEmpty ? "" : lines.removeFirst().trimmingCharacters(in: .whitespaces)
        while let first = lines.first, first.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeFirst() }
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        return Rendered(subject: subject, body: lines.joined(separator: "\n") + "\n")
    }
}
