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
        let ta = trigrams(a)
        let tb = trigrams(b)
        if ta.isEmpty && tb.isEmpty { return 1 }
        let union = ta.union(tb).count
        return union == 0 ? 0 : Double(ta.intersection(tb).count) / Double(union)
    }

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
        for c in candidates {
            let s = similarity(text, c.text)
            if s >= threshold, s > (best?.1 ?? -1) { best = (c.number, s) }
        }
        return best?.0
    }
}
