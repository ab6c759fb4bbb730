import Foundation

/// The files bundled with the module (`Resources/`): message templates and pages.
extension NotificationTemplates {
    /// Loads every `*.mustache` file of `directory` (default: the module's bundled templates).
    public init(directory: URL? = nil) throws {
        let folder = directory ?? Self.bundledDirectory
        var texts: [String: String] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".mustache") {
            texts[String(file.dropLast(".mustache".count))] =
                try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        }
        guard !texts.isEmpty else { throw TemplateError(code: "templates_missing", template: folder.lastPathComponent) }
        try self.init(texts: texts)
    }

    public static var bundledDirectory: URL { resourceFolder("messages") }

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
}

/// The module's bundle (message texts, page templates, strings), for whoever builds its pages.
public enum NotificationResources {
    public static var bundle: Bundle { .module }
}
