import Foundation
import XCTest

@testable import Intake

/// `RepeatDetector.Trigrams` (packed trigrams, built once per text) must give exactly what the
/// reference definition gives: the Jaccard similarity of `RepeatDetector.trigrams(_:)`'s sets of
/// `String`s, whose equality is Unicode canonical equivalence.
final class TrigramSimilarityTests: XCTestCase {
    /// The reference: the definition the repeat and mass decisions were written against.
    private func reference(_ a: String, _ b: String) -> Double {
        let ta = RepeatDetector.trigrams(a)
        let tb = RepeatDetector.trigrams(b)
        if ta.isEmpty && tb.isEmpty { return 1 }
        let union = ta.union(tb).count
        return union == 0 ? 0 : Double(ta.intersection(tb).count) / Double(union)
    }

    private let texts = [
        "У квартирі немає опалення вже третій тиждень, "
            + "прошу допомогти.",
        "У квартирі немає опалення третій тиждень. Прошу допомогти!",
        "Прошу відремонтувати дорогу на вулиці Соборній біля школи.",
        "прошу ВІДРЕМОНТУВАТИ дорогу — "
            + "на вулиці Соборній, біля школи № 5",
        "Пам'ятник на Соборній пошкоджено; "
            + "м’яка зупинка, комʼюнальна служба",
        "Heating is off at Sobornа street 12 since 2026-11-01",
        "",
        "   ,,, !!! ",
        "а",
        "я я я я",
        // The same words with decomposed letters (й = и + U+0306, ї = і + U+0308): canonically equal.
        ("У квартирі немає опалення вже третій тиждень, "
            + "прошу допомогти.")
            .decomposedStringWithCanonicalMapping,
        "Київ, Миколаїв, Херсон",
        "Киі\u{308}в, Миколаі\u{308}в, Херсон",
        // A singleton that NFC maps to another letter (Angstrom sign → Å), and the letter itself.
        "\u{212B}ngstrom unit",
        "\u{00C5}ngstrom unit",
        // Characters with no one-scalar form even in NFC: the String path must be taken.
        "к\u{0301}\u{0327}ут і\u{20DD} знак",
        "кут і знак",
        "Прапор 🇺🇦 і 👩‍👩‍👧 родина",
        "Прапор і родина",
    ]

    func testEveryPairMatchesTheReference() {
        for a in texts {
            let mine = RepeatDetector.Trigrams(a)
            for b in texts {
                XCTAssertEqual(
                    mine.similarity(to: RepeatDetector.Trigrams(b)), reference(a, b),
                    "similarity of \(a.debugDescription) and \(b.debugDescription)")
                XCTAssertEqual(RepeatDetector.similarity(a, b), reference(a, b))
            }
        }
    }

    func testCanonicallyEquivalentTextsAreIdentical() {
        let composed = "Київ, Миколаїв, Херсон"
        let decomposed = "Киі\u{308}в, Миколаі\u{308}в, Херсон"
        XCTAssertEqual(RepeatDetector.similarity(composed, decomposed), 1)
        XCTAssertEqual(RepeatDetector.similarity("\u{212B}ngstrom", "\u{00C5}ngstrom"), 1)
    }

    func testGeneratedTextsMatchTheReference() {
        // Texts sharing words in varying amounts, around the 0.5 threshold.
        let words = [
            "опалення", "вода", "дах", "підвал", "ліфт", "сміття", "дорога",
            "школа", "світло", "тиск",
            "батарея", "двір", "зупинка", "міст", "парк", "ґанок", "їжак",
            "єдність",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let a = (0..<Int.random(in: 1...12, using: &generator)).map { _ in words.randomElement(using: &generator)! }
            let b = (0..<Int.random(in: 1...12, using: &generator)).map { _ in words.randomElement(using: &generator)! }
            let ta = a.joined(separator: " ")
            let tb = b.joined(separator: ", ")
            XCTAssertEqual(RepeatDetector.similarity(ta, tb), reference(ta, tb), "\(ta) / \(tb)")
        }
    }

    /// The scalars the one-pass path handles, and what the table says of each.
    private var supported: [Unicode.Scalar] {
        let table = RepeatDetector.Trigrams.scalarTable
        return table.indices.filter { table[$0] != RepeatDetector.Trigrams.ScalarClass.unsupported }
            .compactMap { Unicode.Scalar(UInt32($0)) }
    }

    func testTheTableCoversUkrainianTextAndPunctuation() {
        for text in [
            "Київ ґанок Єва їжак ІНША 'ʼ’` «лапки» — "
                + "тире – № 5, 3.14; 20%", "\t\r\n\u{00A0}",
        ] {
            XCTAssertNotNil(RepeatDetector.Trigrams.packScalars(text), text)
        }
        XCTAssertNil(RepeatDetector.Trigrams.packScalars("кут і\u{20DD}"))
        XCTAssertNil(RepeatDetector.Trigrams.packScalars("Киі\u{308}в"))
        XCTAssertNil(RepeatDetector.Trigrams.packScalars("\u{212B}"))
    }

    /// Each supported scalar (lower-cased) is a grapheme of its own next to any other, as the
    /// one-pass path assumes (CR LF, one grapheme of two separators, is the one pair that joins).
    func testSupportedScalarsNeverJoinIntoOneCharacter() {
        let table = RepeatDetector.Trigrams.scalarTable
        let lowered = Set(
            supported.map { scalar -> UInt32 in
                let entry = table[Int(scalar.value)]
                return entry >= 0 ? UInt32(entry) : scalar.value
            }
        ).sorted().compactMap(Unicode.Scalar.init)
        XCTAssertGreaterThan(lowered.count, 200)
        var joined: [String] = []
        var pairs = 0
        for a in lowered {
            for b in lowered where !(a == "\r" && b == "\n") {
                var pair = String.UnicodeScalarView()
                pair.append(a)
                pair.append(b)
                pairs += 1
                if String(pair).count != 2 {
                    joined.append("U+\(String(a.value, radix: 16)) U+\(String(b.value, radix: 16))")
                }
            }
        }
        XCTAssertEqual(joined, [])
        XCTAssertEqual(pairs, lowered.count * lowered.count - 1)
    }

    /// The one-pass path gives exactly `pack(normalise(text))` wherever it applies.
    func testOnePassEqualsNormaliseThenPack() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = supported
        var inputs = texts
        for _ in 0..<300 {
            let length = Int.random(in: 0...60, using: &generator)
            var view = String.UnicodeScalarView()
            for _ in 0..<length { view.append(alphabet.randomElement(using: &generator)!) }
            inputs.append(String(view))
        }
        var covered = 0
        for text in inputs {
            guard let fast = RepeatDetector.Trigrams.packScalars(text) else { continue }
            covered += 1
            XCTAssertEqual(fast, RepeatDetector.Trigrams.pack(RepeatDetector.normalise(text)), text.debugDescription)
        }
        XCTAssertGreaterThan(covered, 300)
    }
}
