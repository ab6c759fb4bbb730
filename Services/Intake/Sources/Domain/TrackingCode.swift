import Foundation
import HromadaCrypto

/// The resident's tracking code (issue 14): 10 characters from an alphabet without look-alikes
/// (no 0/O, 1/I/L, no `_` or `-`), shown grouped `K7QFM-29XMH`, typed in any case, with or
/// without the dash or spaces. Codes issued before it (32 characters of base64url) keep working:
/// whatever does not read as a short code is compared as given.
///
/// Why 10 characters: 31^10 ≈ 8.2 × 10^14 codes (49.5 bits). With at most
/// `TrackingLimits.failuresPerNumber` wrong codes an hour per number, one number gets ≈ 87,600
/// guesses a year: a chance of 1 in 9 × 10^9. Even someone guessing on every number of a
/// Kyiv-sized year (1.2 million appeals) from unlimited addresses makes ≈ 1.05 × 10^11 guesses a
/// year and finds one code in ≈ 7,800 years. Eight characters (8.5 × 10^11) would give that
/// attacker a code every eight years or so; hence ten. docs/TRACKING.md has the numbers.
public enum TrackingCode {
    /// 8 digits and 23 letters: no 0, 1, O, I, L.
    public static let alphabet: [Character] = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    public static let length = 10
    /// Characters per group when shown (`K7QFM-29XMH`).
    public static let groupLength = 5
    static let alphabetSet = Set(alphabet)
    /// The characters that look like code characters but never occur in one.
    public static let lookAlikes: Set<Character> = ["0", "O", "1", "I", "L"]

    /// A new code, grouped for showing (`K7QFM-29XMH`); uniform over the alphabet (rejection
    /// sampling of random bytes: 248 = 8 × 31, so no modulo bias).
    public static func generate() -> String {
        var out: [Character] = []
        while out.count < length {
            for byte in SecureRandom.bytes(length) where byte < 248 && out.count < length {
                out.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return grouped(String(out))
    }

    /// `K7QFM29XMH` → `K7QFM-29XMH` (anything else unchanged).
    public static func grouped(_ canonical: String) -> String {
        guard canonical.count == length else { return canonical }
        return String(canonical.prefix(groupLength)) + "-" + String(canonical.dropFirst(groupLength))
    }

    /// The canonical form (`K7QFM29XMH`) of a short code as typed: any case, spaces or dashes
    /// anywhere; nil when it is not one (wrong length, a look-alike or another character).
    public static func parse(_ typed: String) -> String? {
        let kept = typed.uppercased().filter { !Self.isSeparator($0) }
        guard kept.count == length, kept.allSatisfy({ alphabetSet.contains($0) }) else { return nil }
        return kept
    }

    /// What to compare with the stored hash: a short code as issued (`K7QFM-29XMH`, so the hash is
    /// the one audit keeps of `appeal.registered.trackingToken`), else (a code issued before short
    /// codes) the input without surrounding spaces.
    public static func comparable(_ typed: String) -> String {
        parse(typed).map(grouped) ?? typed.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The stored hash of a code as issued or typed (SHA-256 of `comparable`, as tokens were).
    public static func hash(_ code: String) -> String { TokenHash.hash(token: comparable(code)) }

    /// Constant-time check of a typed code (short or old) against the stored hash.
    public static func verify(_ typed: String, hash: String) -> Bool {
        TokenHash.verify(token: comparable(typed), hash: hash)
    }

    /// True when the input has a short code's length but holds a look-alike (`0`, `O`, `1`, `I`,
    /// `L`): the page says codes never contain them.
    public static func hasLookAlike(_ typed: String) -> Bool {
        let kept = typed.uppercased().filter { !Self.isSeparator($0) }
        return kept.count == length && kept.contains { lookAlikes.contains($0) }
    }

    static func isSeparator(_ c: Character) -> Bool {
        c.isWhitespace || c == "-" || c == "\u{2010}" || c == "\u{2011}" || c == "\u{2013}" || c == "\u{2014}"
    }
}

extension RegistrationNumber {
    /// The stored spelling of a number as a person types it: any case, spaces around and inside,
    /// any dash, Cyrillic М and К (a Ukrainian keyboard), or no separators at all
    /// (`mk 2026 000123`, ` MK-2026-000123 `, `МК-2026-000123`, `MK2026000123`). Nil when it is
    /// not a well-formed number.
    public static func typed(_ input: String) -> String? {
        guard input.count <= maximumLength * 2 else { return nil }
        let latin = input.uppercased().map { c -> Character in
            switch c {
            case "М": "M"
            case "К": "K"
            default: c
            }
        }
        // Runs of spaces and dashes separate the parts.
        var parts: [String] = []
        var current = ""
        for c in latin {
            if TrackingCode.isSeparator(c) {
                if !current.isEmpty { parts.append(current) }
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { parts.append(current) }
        if parts.count == 1, let whole = parts.first, whole.hasPrefix(prefix) {
            // `MK2026000123`: prefix, four digits of the year, the sequence.
            let rest = whole.dropFirst(prefix.count)
            guard rest.count > 4 else { return nil }
            parts = [prefix, String(rest.prefix(4)), String(rest.dropFirst(4))]
        } else if parts.count == 2, parts[0].hasPrefix(prefix), parts[0].count == prefix.count + 4 {
            // `MK2026 000123`.
            parts = [prefix, String(parts[0].dropFirst(prefix.count)), parts[1]]
        }
        let number = parts.joined(separator: "-")
        guard parts.count == 3, parse(number) != nil else { return nil }
        return normalised(number)
    }
}

/// How many wrong codes are allowed before lookups are refused for a while (stored per number
/// and per client address, so replicas share the count). A refusal happens before any
/// comparison: a right code waits too.
public struct TrackingLimits: Sendable, Equatable {
    /// The counting window.
    public var window: TimeInterval
    /// Wrong codes per registration number per window, whoever sends them.
    public var failuresPerNumber: Int
    /// Wrong codes (or unknown numbers) per client address per window.
    public var failuresPerClient: Int

    public init(window: TimeInterval = 3600, failuresPerNumber: Int = 10, failuresPerClient: Int = 30) {
        self.window = window
        self.failuresPerNumber = failuresPerNumber
        self.failuresPerClient = failuresPerClient
    }

    public static let standard = TrackingLimits()
}

/// The outcome of presenting a number and a code.
public enum TrackingCheck: Sendable, Equatable {
    /// The code is the appeal's: `hash` is the stored hash (a proof names it, so an erasure or
    /// a new code ends the proof).
    case verified(number: String, hash: String)
    /// Unknown number or wrong code (the same answer for both).
    case notFound
    /// Too many wrong codes lately for this number or from this client: try after `until`.
    case limited(until: Date)
}
