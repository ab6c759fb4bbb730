import Foundation
import HromadaCore
import Mustache

/// Message texts, one file per event, recipient kind and language under
/// `Resources/messages/<name>.<lang>.mustache`: the subject on the first line, a blank line,
/// then the body. They are plain text (no HTML escaping); the HTML view escapes when it shows them.
public struct NotificationTemplates: Sendable {
    public struct Rendered: Sendable, Equatable {
        public var subject: String
        public var body: String
    }

    public struct TemplateError: Error, CustomStringConvertible, PrivacySafeError, Sendable {
        public let code: String
        public let template: String
        public var description: String { "\(code): \(template)" }
    }

    private let templates: [String: MustacheTemplate]

    public var names: [String] { templates.keys.sorted() }

    /// Compiles `texts` (name `<template>.<lang>` → text). Loading them from the bundle is
    /// `init(directory:)` (NotificationResources.swift).
    public init(texts: [String: String]) throws {
        var templates: [String: MustacheTemplate] = [:]
        for (name, text) in texts {
            do {
                // Plain text: values are inserted as they are (the pragma sits on the subject
                // line so it adds no line of its own).
                templates[name] = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
            } catch {
                throw TemplateError(code: "template_invalid", template: name)
            }
        }
        guard !templates.isEmpty else { throw TemplateError(code: "templates_missing", template: "") }
        self.templates = templates
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
