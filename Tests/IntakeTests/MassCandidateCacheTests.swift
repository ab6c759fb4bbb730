import Foundation
import HromadaRuntime
import XCTest

@testable import Intake

/// The mass check's kept form of a text (`RepeatDetector.PackedTrigrams`, sorted integers compared
/// by a merge) must give exactly the similarity of the texts; the cache that holds them is bounded
/// and forgets what it is told to.
final class MassCandidateCacheTests: XCTestCase {
    private let texts = [
        "У квартирі немає опалення вже третій тиждень, "
            + "прошу допомогти.",
        "У квартирі немає опалення третій тиждень. Прошу допомогти!",
        "прошу ВІДРЕМОНТУВАТИ дорогу — "
            + "на вулиці Соборній, біля школи № 5",
        "Прошу відремонтувати дорогу на вулиці Соборній біля школи.",
        "Пам'ятник на Соборній пошкоджено; "
            + "м’яка зупинка, комʼюнальна служба",
        "Київ, Миколаїв, Херсон",
        "Киі\u{308}в, Миколаі\u{308}в, Херсон",
        "\u{212B}ngstrom unit",
        "\u{00C5}ngstrom unit",
        "",
        "   ,,, !!! ",
        "а",
        "я я я я",
        ErasureTombstones.marker,
    ]

    func testTheStoredFormGivesTheTextsSimilarity() throws {
        var inputs = texts
        let words = [
            "опалення", "вода", "дах", "підвал", "ліфт", "сміття", "дорога",
            "школа", "світло", "тиск",
            "батарея", "двір", "зупинка", "міст", "парк", "ґанок", "їжак",
            "єдність", "Heating", "№12",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<150 {
            let count = Int.random(in: 1...14, using: &generator)
            inputs.append((0..<count).map { _ in words.randomElement(using: &generator)! }.joined(separator: " "))
        }
        var compared = 0
        var atOrAboveThreshold = 0
        for a in inputs {
            let mine = RepeatDetector.Trigrams(a)
            let minePacked = try XCTUnwrap(mine.packedForm, a)
            for b in inputs {
                let theirs = RepeatDetector.Trigrams(b)
                let stored = try XCTUnwrap(theirs.packedForm, b)
                let expected = mine.similarity(to: theirs)
                XCTAssertEqual(minePacked.similarity(to: stored), expected, "\(a) / \(b)")
                XCTAssertEqual(stored.similarity(to: minePacked), expected, "\(b) / \(a)")
                compared += 1
                if expected >= RepeatDetector.threshold { atOrAboveThreshold += 1 }
            }
        }
        XCTAssertGreaterThan(atOrAboveThreshold, inputs.count)  // more than the pairs of a text with itself
        XCTAssertEqual(compared, inputs.count * inputs.count)
    }

    /// A text with a character of several scalars even in NFC has no stored form (its candidates'
    /// texts are read instead).
    func testATextWithoutAPackedFormHasNoStoredForm() {
        XCTAssertNil(RepeatDetector.Trigrams("к\u{0301}\u{0327}ут").packedForm)
        XCTAssertNil(RepeatDetector.Trigrams("кут і\u{20DD} знак").packedForm)
        // Emoji are separators, not letters: such a text has one.
        XCTAssertNotNil(RepeatDetector.Trigrams("Прапор 🇺🇦 і 👩‍👩‍👧 родина").packedForm)
    }

    func testTheMassCountFromStoredFormsEqualsTheCountFromTexts() throws {
        let mine = RepeatDetector.Trigrams(texts[0])
        let others: [(id: UUID, key: String, text: String)] = [
            (UUID(), "a", texts[1]), (UUID(), "a", texts[0]), (UUID(), "b", texts[1]), (UUID(), "c", texts[2]),
            (UUID(), "d", texts[0].uppercased()), (UUID(), ErasureTombstones.marker, ErasureTombstones.marker),
        ]
        let cache = MassCandidateCache()
        let fromTexts = AppealRecords.otherAuthorsOnIssue(
            mine, candidates: others.map { .init(id: $0.id, authorKey: $0.key, trigrams: nil, text: $0.text) },
            cache: cache)
        XCTAssertEqual(fromTexts, 3)  // a, b, d
        // Reading the texts filled the cache, except for the erased one.
        XCTAssertEqual(cache.counts.appeals, 5)
        XCTAssertNil(cache.trigrams(of: others[5].id))
        let fromStored = AppealRecords.otherAuthorsOnIssue(
            mine,
            candidates: others.map {
                .init(id: $0.id, authorKey: $0.key, trigrams: cache.trigrams(of: $0.id), text: nil)
            }, cache: cache)
        XCTAssertEqual(fromStored, fromTexts)
    }

    func testTheCacheIsBoundedOldestFirstAndForgets() throws {
        let entry = try XCTUnwrap(RepeatDetector.Trigrams(texts[0]).packedForm)
        let cache = MassCandidateCache(capacity: entry.count * 3)
        let ids = (0..<5).map { _ in UUID() }
        for id in ids { cache.insert(entry, for: id) }
        XCTAssertEqual(cache.counts.appeals, 3)
        XCTAssertEqual(cache.counts.integers, entry.count * 3)
        XCTAssertNil(cache.trigrams(of: ids[0]))
        XCTAssertNil(cache.trigrams(of: ids[1]))
        XCTAssertEqual(cache.trigrams(of: ids[4]), entry)
        cache.forget(ids[4])
        XCTAssertNil(cache.trigrams(of: ids[4]))
        XCTAssertEqual(cache.counts.appeals, 2)
        XCTAssertEqual(cache.counts.integers, entry.count * 2)
        // Many more than the capacity: it stays bounded.
        for _ in 0..<5_000 { cache.insert(entry, for: UUID()) }
        XCTAssertEqual(cache.counts.appeals, 3)
    }
}
