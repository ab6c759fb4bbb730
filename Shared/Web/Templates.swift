// HromadaWeb — one template loader: Mustache templates read from a bundle's
// `Resources/templates/<name>.mustache`, every name given explicitly and checked at start, with
// the kit's partials (`{{> hromada-head}}`, `{{> hromada-lang}}`) available to every page. Pages
// render typed view models (`Encodable` structs; Mustache escapes every `{{value}}`) inside a
// `PageContext` that adds the catalogue's strings `t`, the language and the asset links.
// How a service adopts the kit: Shared/Web/README.md.
import Foundation
public import HromadaContracts
import HromadaRuntime
import Mustache

/// What every page template sees; the view model is `model` (wrap the body in `{{#model}}…{{/model}}`
/// or write `{{model.name}}`).
public struct PageContext<Model: Encodable & Sendable>: Encodable, Sendable {
    /// The catalogue's strings in the page's language: `{{t.signIn}}`.
    public let t: [String: String]
    public let lang: String
    public let otherLang: String
    /// The other language's own name, for the switch link.
    public let otherLangName: String
    /// `/assets/hromada.css?v=<hash>`.
    public let stylesheet: String
    /// `/assets/hromada.js?v=<hash>` (the print button and other small behaviours; no inline script).
    public let script: String
    public let model: Model
}

/// One option of a form's `<select>` (or a set of radio buttons) in a view model: the value the
/// form posts, its name in the page's language, and whether it is the form's current value.
public struct SelectOption: Encodable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var selected: Bool

    /// The option `code` named `name`, selected when `code` is `chosen` (the value the form holds).
    public init(code: String, name: String, chosen: String?) {
        self.code = code
        self.name = name
        self.selected = code == chosen
    }
}

/// The templates of one service (plus the kit's partials).
public struct TemplateLibrary: @unchecked Sendable {
    // MustacheLibrary is a value type of immutable templates once loaded; it is only read after init.
    let library: MustacheLibrary
    public let names: [String]
    let assets: AssetLinks

    /// Loads `names` from `bundle`'s `Resources/templates`; throws naming the first missing one.
    public init(bundle: Bundle, names: [String], folder: String = "templates") throws {
        let kit = try KitResources.shared.get()
        var library = kit.templates.library
        if !names.isEmpty {
            let directory = try Resources.folder(in: bundle, named: folder, probe: "\(names[0]).mustache")
            for name in names {
                let url = directory.appendingPathComponent("\(name).mustache")
                guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                    throw ConfigurationError(variable: "templates", reason: "the template \(name).mustache is missing")
                }
                try library.register(text, named: name)
            }
        }
        self.library = library
        self.names = kit.templates.names + names
        self.assets = kit.assets.links
    }

    /// The kit's own templates (error page and partials), loaded from the kit's bundle.
    init(kitBundle bundle: Bundle, names: [String], assets: AssetLinks) throws {
        let directory = try Resources.folder(in: bundle, named: "templates", probe: "error.mustache")
        var library = MustacheLibrary()
        for name in names {
            let text = try String(contentsOf: directory.appendingPathComponent("\(name).mustache"), encoding: .utf8)
            try library.register(text, named: name)
        }
        self.library = library
        self.names = names
        self.assets = assets
    }

    /// Renders `template` with `model`; an unknown template is a programming error caught at start by
    /// the list of names, so here it renders an empty page rather than crash.
    public func render<Model: Encodable & Sendable>(
        _ model: Model, template: String, language: Language, catalogue: StringCatalogue
    ) -> String {
        let context = PageContext(
            t: catalogue.strings(language), lang: language.rawValue, otherLang: language.other.rawValue,
            otherLangName: catalogue.string("languageName", language.other),
            stylesheet: assets.stylesheet, script: assets.script, model: model)
        return library.render(context, withTemplate: template) ?? ""
    }

    public func contains(_ template: String) -> Bool { library.getTemplate(named: template) != nil }
}
