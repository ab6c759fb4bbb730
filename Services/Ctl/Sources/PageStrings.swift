import Foundation
import HromadaContracts
import HromadaWeb

/// The words of the console's reports page, its ratings section and its erasures page, kept as
/// files like the console's own catalogue (`Resources/strings/`), each page in a folder of its
/// own (`Resources/report-strings/<lang>.json`, `rating-strings/`, `erasure-strings/`) because
/// the pages reuse keys the console gives other words (`title`, `open`, `overdue`).
enum PageStrings {
    static let reports = catalogue("report-strings")
    static let ratings = catalogue("rating-strings")
    static let erasures = catalogue("erasure-strings")

    /// The files ship inside the console's bundle, so a failure here is a packaging fault, which
    /// `PageStringsTests` catches; a page then shows its keys instead of words rather than failing.
    private static func catalogue(_ folder: String) -> Words {
        Words(catalogue: try? StringCatalogue.load(from: .module, folder: folder))
    }

    /// One page's words in both languages.
    struct Words: Sendable {
        let catalogue: StringCatalogue?

        /// Every word of `language` by key (what a template reads as `{{s.key}}`).
        func of(_ language: Language) -> [String: String] { catalogue?.strings(language) ?? [:] }
    }
}
