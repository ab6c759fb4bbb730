// HromadaWeb — the one way a date or a time is written for a person to read (pages, emails, centre
// notices, the console): `30.11.2026` and `30.11.2026 14:05` in Ukrainian, `30 Nov 2026` and
// `30 Nov 2026, 14:05` in English; times always in Kyiv (Europe/Kyiv), never UTC. APIs, events and
// form fields (`<input type="date">`) keep ISO 8601. The rules are in docs/VOCABULARY.md.
import Foundation
public import HromadaContracts

/// Dates and times as people read them, in one language.
public enum PeopleDates {
    static let englishMonths = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// A calendar day: `30.11.2026` (uk), `30 Nov 2026` (en).
    public static func day(_ date: LocalDate, _ language: Language) -> String {
        switch language {
        case .uk: return "\(pad(date.day)).\(pad(date.month)).\(date.year)"
        case .en: return "\(date.day) \(englishMonths[date.month - 1]) \(date.year)"
        }
    }

    /// A day given as ISO text (`2026-11-30`, or an instant with an offset, read in Kyiv); text that
    /// is neither is returned as it is (an empty value, a dash), so a page never loses what it had.
    public static func day(_ text: String, _ language: Language) -> String {
        if let date = LocalDate(string: text) { return day(date, language) }
        if let instant = ISO8601.parse(text) { return day(LocalDate(date: instant, in: .kyiv), language) }
        return text
    }

    /// The day of an instant, in Kyiv.
    public static func day(_ instant: Date, _ language: Language) -> String {
        day(LocalDate(date: instant, in: .kyiv), language)
    }

    /// An instant to the minute, in Kyiv: `30.11.2026 14:05` (uk), `30 Nov 2026, 14:05` (en).
    public static func minute(_ instant: Date, _ language: Language) -> String {
        dateTime(instant, language, seconds: false)
    }

    /// An instant to the second, in Kyiv (the console's sampling time): `30.11.2026 14:05:09`.
    public static func second(_ instant: Date, _ language: Language) -> String {
        dateTime(instant, language, seconds: true)
    }

    static func dateTime(_ instant: Date, _ language: Language, seconds withSeconds: Bool) -> String {
        let local = instant.addingTimeInterval(TimeInterval(TimeZone.kyiv.secondsFromGMT(for: instant)))
        let seconds = Int(floor(local.timeIntervalSince1970))
        let secondOfDay = ((seconds % 86_400) + 86_400) % 86_400
        var time = "\(pad(secondOfDay / 3600)):\(pad(secondOfDay / 60 % 60))"
        if withSeconds { time += ":\(pad(secondOfDay % 60))" }
        let date = day(LocalDate(date: instant, in: .kyiv), language)
        return language == .uk ? "\(date) \(time)" : "\(date), \(time)"
    }

    /// An instant given as ISO text, to the minute in Kyiv; other text is returned as it is.
    public static func minute(_ text: String, _ language: Language) -> String {
        ISO8601.parse(text).map { minute($0, language) } ?? text
    }

    /// The same for a language code (`uk`, `en`; anything else reads as Ukrainian), for emails.
    public static func day(_ date: LocalDate, languageCode: String) -> String {
        day(date, Language(rawValue: languageCode) ?? .uk)
    }

    static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
