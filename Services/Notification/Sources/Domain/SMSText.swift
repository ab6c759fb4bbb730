import Foundation

/// An SMS text as Hromada sends it: UCS-2 (`coding=2`), so Ukrainian letters, `ʼ`, `«»` and `№`
/// travel as they are (no transliteration), at most two concatenated segments.
///
/// UCS-2 carries only the Basic Multilingual Plane. A character outside it (an emoji, in a name
/// or anywhere a value could bring one) would take two code units as a UTF-16 surrogate pair,
/// which many handsets and SMSCs show as garbage or reject; `sanitized` drops such characters, so
/// an emoji never breaks a message: the rest arrives as written.
public enum SMSText {
    /// One UCS-2 SMS carries 70 characters; a concatenated one 67 per segment (the UDH takes 6 bytes).
    public static let singleSegment = 70
    public static let concatenatedSegment = 67
    /// Segments a notice may take: two, 134 characters.
    public static let maxSegments = 2
    public static var limit: Int { concatenatedSegment * maxSegments }

    /// The text as it is sent: characters outside the BMP dropped, control characters (line breaks
    /// included) as spaces, runs of spaces as one, trimmed.
    public static func sanitized(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var lastWasSpace = true
        for scalar in text.unicodeScalars {
            if scalar.value > 0xFFFF { continue }
            // Variation selectors and joiners left over from an emoji have nothing to attach to.
            if (0xFE00...0xFE0F).contains(scalar.value) || scalar.value == 0x200D { continue }
            let isSpace = scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
            if isSpace {
                if !lastWasSpace { scalars.append(" ") }
                lastWasSpace = true
            } else {
                scalars.append(scalar)
                lastWasSpace = false
            }
        }
        var result = String(scalars)
        while result.hasSuffix(" ") { result.removeLast() }
        return result
    }

    /// UCS-2 code units: one per character once sanitized.
    public static func length(_ text: String) -> Int { text.utf16.count }

    /// How many SMS segments `text` takes in UCS-2.
    public static func segments(_ text: String) -> Int {
        let n = length(text)
        if n <= singleSegment { return 1 }
        return (n + concatenatedSegment - 1) / concatenatedSegment
    }

    /// True when the sanitized text fits in `maxSegments` segments.
    public static func fits(_ text: String) -> Bool { segments(sanitized(text)) <= maxSegments }

    /// The UCS-2 (big-endian) bytes of a sanitized text: what the handset receives.
    public static func ucs2(_ text: String) -> [UInt8] {
        sanitized(text).utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}

/// Phone numbers as the SMS channel accepts them: an optional `+`, then 9 to 15 digits (E.164 at
/// most), spaces, dashes and brackets ignored. Intake normalises Ukrainian numbers to `+380…`.
public enum SMSNumber {
    /// The number as sent to the gateway (`+` and digits), or nil when it is not a plausible one.
    public static func normalised(_ phone: String?) -> String? {
        guard let phone = phone?.trimmingCharacters(in: .whitespaces), !phone.isEmpty else { return nil }
        var result = ""
        for (index, character) in phone.enumerated() {
            if character == "+" && index == 0 {
                result.append(character)
            } else if character.isASCII, character.isNumber {
                result.append(character)
            } else if " -()".contains(character) {
                continue
            } else {
                return nil
            }
        }
        let digits = result.filter(\.isNumber).count
        return (9...15).contains(digits) ? result : nil
    }
}
