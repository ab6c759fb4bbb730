import HromadaAPI
import HromadaContracts
import XCTest

@testable import HromadaCtl

/// The words of the reports page, its ratings section and the erasures page come from their
/// files in the console's bundle, complete in both languages.
final class PageStringsTests: XCTestCase {
    func testEveryPageHasItsWordsInBothLanguages() {
        for (name, words) in [
            ("reports", PageStrings.reports), ("ratings", PageStrings.ratings), ("erasures", PageStrings.erasures),
        ] {
            XCTAssertFalse(words.of(.uk).isEmpty, name)
            XCTAssertEqual(Set(words.of(.uk).keys), Set(words.of(.en).keys), name)
        }
        XCTAssertEqual(PageStrings.reports.of(.uk)["title"], "Звіти про звернення")
        XCTAssertEqual(PageStrings.reports.of(.en)["dim.arrival"], "how they arrived")
        XCTAssertEqual(PageStrings.ratings.of(.en)["scale"], "1 = poor … 5 = excellent")
        XCTAssertEqual(
            PageStrings.erasures.of(.en)["how"],
            "An administrator starts an erasure (hromadactl erase MK-… --reason \"…\"), or the retention sweep "
                + "does; every service confirms its part.")
    }

    /// A word the erasures page reads by a key its file lacks would show as the key itself.
    func testTheErasuresPageFindsEveryWordItReads() {
        let keys = Set(PageStrings.erasures.of(.uk).keys)
        for language in Language.allCases {
            let view = ErasurePageView(
                list: ConsoleErasureTests.list, waitingOnly: false, error: nil, language: language)
            let shown =
                Mirror(reflecting: view).children.compactMap { $0.value as? String }
                + view.rows.flatMap { [$0.trigger, $0.state] }
            XCTAssertEqual(shown.count, 17)
            for text in shown { XCTAssertFalse(keys.contains(text), "\(language): \(text)") }
            for key in ["fullyErased", "stillWaiting"] { XCTAssertFalse(view.summary.contains(key), view.summary) }
        }
    }
}
