// HromadaWeb — the kit's own files (strings, error page and partials, stylesheet and script),
// loaded once from the kit's bundle. `WebSite.init` fails at start when any is missing.
// How a service adopts the kit: Shared/Web/README.md.
import Foundation

struct KitResources: Sendable {
    let catalogue: StringCatalogue
    let templates: TemplateLibrary
    let assets: WebAssets

    static let templateNames = [
        "error", "hromada-head", "hromada-lang", "hromada-sign-in", "hromada-skip", "hromada-header",
    ]
    static let assetNames = ["hromada.css", "hromada.js"]

    static let shared: Result<KitResources, any Error> = Result {
        let assets = try WebAssets.load(from: Bundle.module, names: assetNames)
        return KitResources(
            catalogue: try StringCatalogue.load(from: Bundle.module),
            templates: try TemplateLibrary(kitBundle: Bundle.module, names: templateNames, assets: assets.links),
            assets: assets)
    }

    /// The kit's catalogue (empty if the kit's files are missing, which `WebSite.init` reports at start).
    static var catalogue: StringCatalogue {
        (try? shared.get().catalogue) ?? (try! StringCatalogue(tables: [:]))  // an empty table is always valid
    }

    static var templates: TemplateLibrary? { try? shared.get().templates }
}
