// HromadaWeb — the kit's stylesheet as text, for a page saved as a file (the console's quarterly
// summary) that cannot link `/assets/hromada.css` and so carries the same rules inline.
import Foundation
import HromadaRuntime

extension WebAssets {
    /// The text of the kit's `hromada.css` (the one stylesheet of every page, print rules included).
    public static func kitStylesheetText() throws -> String {
        let kit = try KitResources.shared.get()
        guard let css = kit.assets.assets["hromada.css"] else {
            throw ConfigurationError(variable: "assets", reason: "the asset hromada.css is missing")
        }
        return String(decoding: css.body, as: UTF8.self)
    }
}
