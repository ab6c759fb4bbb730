import Foundation
import HromadaContracts
import HromadaCrypto

/// Repeat detection (Resolution 858 "повторне"): same author, same category, similar text.
public enum RepeatDetector {
    public static let threshold = 0.5
    /// At most this many of the author's recent appeals are compared.
    public static let candidateLimit = 50

    /// The stored form of an author's identity (a hash, so the matching index holds no name).
    public static func authorKeyHash(fullName: String, address: String) -> String {
        SHA256.hex(authorKey(fullName: fullName, address: address))
    }

    /// The oldest registration time a repeat may refer to (`Law.repeatWindowDays` before `now`).
    public static func windowStart(now: Date) -> Date {
        now.addingTimeInterval(-Double(Law.repeatWindowDays) * 86_400)
    }

    /// The author's identity for matching: lower-cased, punctuation and apostrophe variants
    /// removed, whitespace collapsed — "Шевченко Тарас" and "шевченко  тарас" match.
    public static func authorKey(fullName: String, address: String) -> String {
        normalise(fullName) + "|" + normalise(address)
    }

    static func normalise(_ s: String) -> String {
        let lowered = s.lowercased()
        var out = ""
        var lastSpace = true
        for ch in lowered {
            if ch.isLetter || ch.isNumber {
                out.append(ch)
                lastSpace = false
            } else if ch == "'" || ch == "’" || ch == "ʼ" || ch == "`" {
                continue
            } else if !lastSpace {
                out.append(" ")
                lastSpace = true
            }
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    /// Character-trigram Jaccard similarity (like pg_trgm) of the normalised texts, 0…1.
    public static func similarity(_ a: String, _ b: String) -> Double {
        Trigrams(a).similarity(to: Trigrams(b))
    }

    /// The reference definition of a text's trigrams (`Trigrams` computes the same sets faster).
    static func trigrams(_ s: String) -> Set<String> {
        var result = Set<String>()
        for word in normalise(s).split(separator: " ") {
            let chars = Array("  " + word + " ")
            guard chars.count >= 3 else { continue }
            for i in 0...(chars.count - 3) { result.insert(String(chars[i..<(i + 3)])) }
        }
        return result
    }

    /// Of `candidates` (registration number, text), the most similar at or above the threshold.
    public static func bestMatch(text: String, candidates: [(number: String, text: String)]) -> String? {
        var best: (String, Double)?
        let mine = Trigrams(text)
        for c in candidates {
            let s = mine.similarity(to: Trigrams(c.text))
            if s >= threshold, s > (best?.1 ?? -1) { best = (c.number, s) }
        }
        return best?.0
    }

    /// A text's trigrams (`trigrams(_:)`'s sets), built once and compared with many others: a
    /// registration compares its text with up to `AppealRecords.massCandidateLimit` recent appeals.
    /// Each trigram is packed into one integer, 21 bits per character, instead of a `String` whose
    /// hashing normalises Unicode on every insert and lookup. The text is put in NFC first, so
    /// canonically equivalent characters (which `String` equality treats as equal) pack the same.
    /// A character of several scalars even in NFC has no packed form: such a text keeps the
    /// `String` sets, and so does any comparison with it, so the result is always `trigrams(_:)`'s.
    public struct Trigrams: Sendable {
        private let packed: Set<UInt64>?
        private let text: String

        public init(_ text: String) {
            self.text = text
            self.packed = Self.packScalars(text) ?? Self.pack(RepeatDetector.normalise(text))
        }

        /// The packed set as a sorted array (what the mass check keeps per recent appeal), nil
        /// when the text has no packed form (then only `similarity(to:)` with the text is exact).
        public var packedForm: PackedTrigrams? { packed.map(PackedTrigrams.init) }

        /// Jaccard similarity of the two texts' trigram sets, 0…1 (1 when both have none).
        public func similarity(to other: Trigrams) -> Double {
            if let mine = packed, let theirs = other.packed {
                return Self.jaccard(mine, theirs)
            }
            return Self.jaccard(RepeatDetector.trigrams(text), RepeatDetector.trigrams(other.text))
        }

        static func jaccard<T: Hashable>(_ a: Set<T>, _ b: Set<T>) -> Double {
            if a.isEmpty && b.isEmpty { return 1 }
            let (small, large) = a.count <= b.count ? (a, b) : (b, a)
            var common = 0
            for element in small where large.contains(element) { common += 1 }
            let union = a.count + b.count - common
            return union == 0 ? 0 : Double(common) / Double(union)
        }

        /// The packed trigrams of a normalised text, as `trigrams(_:)` forms them ("  " + word + " ",
        /// every three consecutive characters); nil when a character is more than one scalar.
        static func pack(_ normalised: String) -> Set<UInt64>? {
            let space = UInt64(Unicode.Scalar(" ").value)
            var result = Set<UInt64>()
            for word in normalised.precomposedStringWithCanonicalMapping.split(separator: " ") {
                var previous = (space, space)
                for character in word {
                    let scalars = character.unicodeScalars
                    guard let scalar = scalars.first, scalars.index(after: scalars.startIndex) == scalars.endIndex
                    else { return nil }
                    let current = UInt64(scalar.value)
                    result.insert(previous.0 << 42 | previous.1 << 21 | current)
                    previous = (previous.1, current)
                }
                result.insert(previous.0 << 42 | previous.1 << 21 | space)
            }
            return result
        }

        /// `pack(normalise(text))` in one pass over the scalars, for texts made only of scalars in
        /// `scalarTable` (ASCII, Latin-1 punctuation, the Cyrillic letters, dashes and quotes, №),
        /// nil for any other text. For those scalars the `Character`-level steps of `normalise` and
        /// `pack` reduce to a table lookup: each is a grapheme of its own, lower-cases to one such
        /// scalar, is its own NFC and is a letter, a number, an apostrophe or a separator alone
        /// (`TrigramSimilarityTests` checks the table and the equality).
        static func packScalars(_ text: String) -> Set<UInt64>? {
            let table = scalarTable
            let space = UInt64(Unicode.Scalar(" ").value)
            var result = Set<UInt64>(minimumCapacity: 256)
            var previous = (space, space)
            var inWord = false
            for scalar in text.unicodeScalars {
                let value = Int(scalar.value)
                guard value < table.count else { return nil }
                let entry = table[value]
                if entry >= 0 {
                    let current = UInt64(entry)
                    result.insert(previous.0 << 42 | previous.1 << 21 | current)
                    previous = (previous.1, current)
                    inWord = true
                } else if entry == ScalarClass.separator {
                    if inWord { result.insert(previous.0 << 42 | previous.1 << 21 | space) }
                    previous = (space, space)
                    inWord = false
                } else if entry != ScalarClass.apostrophe {
                    return nil
                }
            }
            if inWord { result.insert(previous.0 << 42 | previous.1 << 21 | space) }
            return result
        }

        /// `scalarTable`'s entries that are not a lower-cased letter or number.
        enum ScalarClass {
            static let unsupported: Int32 = -1
            static let apostrophe: Int32 = -2
            static let separator: Int32 = -3
        }

        /// The scalars `packScalars` handles, below U+2117, indexed by value: the lower-cased scalar of a
        /// letter or number, else a `ScalarClass`. Built with the same `Character` tests `normalise` uses;
        /// a scalar that would not reduce to one such step is left unsupported.
        static let scalarTable: [Int32] = {
            let ranges: [ClosedRange<UInt32>] = [
                0x09...0x0A, 0x0D...0x0D, 0x20...0x7E, 0xA0...0xBF, 0x02BC...0x02BC, 0x0400...0x045F,
                0x0490...0x04FF, 0x2010...0x2027, 0x2116...0x2116,
            ]
            let candidates = Set(ranges.joined())
            var table = [Int32](repeating: ScalarClass.unsupported, count: 0x2117)
            for value in candidates {
                guard let scalar = Unicode.Scalar(value) else { continue }
                let lowered = String(Character(scalar)).lowercased().unicodeScalars
                guard let low = lowered.first, lowered.count == 1, candidates.contains(low.value),
                    scalar.properties.canonicalCombiningClass == .notReordered,
                    low.properties.canonicalCombiningClass == .notReordered,
                    String(Character(low)).precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual([low])
                else { continue }
                let character = Character(low)
                if character.isLetter || character.isNumber {
                    table[Int(value)] = Int32(low.value)
                } else if character == "'" || character == "’" || character == "ʼ" || character == "`" {
                    table[Int(value)] = ScalarClass.apostrophe
                } else {
                    table[Int(value)] = ScalarClass.separator
                }
            }
            return table
        }()
    }

    /// A text's packed trigrams (`Trigrams`) as a sorted array of distinct integers: compared with
    /// another by one merge, no hashing, with the same Jaccard similarity as the sets (the same
    /// count of common elements over the same union). The mass check keeps one per recent appeal
    /// (`MassCandidateCache`) instead of re-reading and re-tokenising the appeal's text.
    public struct PackedTrigrams: Sendable, Equatable {
        let values: [UInt64]

        init(_ set: Set<UInt64>) { values = set.sorted() }

        /// How many integers it holds (the cache's measure of size).
        var count: Int { values.count }

        /// `Trigrams.jaccard` of the two sets, by a merge of the sorted arrays.
        public func similarity(to other: PackedTrigrams) -> Double {
            let a = values
            let b = other.values
            if a.isEmpty && b.isEmpty { return 1 }
            var i = 0
            var j = 0
            var common = 0
            while i < a.count && j < b.count {
                if a[i] == b[j] {
                    common += 1
                    i += 1
                    j += 1
                } else if a[i] < b[j] {
                    i += 1
                } else {
                    j += 1
                }
            }
            let union = a.count + b.count - common
            return union == 0 ? 0 : Double(common) / Double(union)
        }
    }
}
