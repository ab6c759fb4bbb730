import Foundation
import HromadaCore

extension TimeZone {
    /// Mykolaiv's (and Ukraine's) civil time zone, "Europe/Kyiv" — "Europe/Kiev" on older tz data.
    public static let kyiv: TimeZone =
        TimeZone(identifier: "Europe/Kyiv") ?? TimeZone(identifier: "Europe/Kiev") ?? TimeZone(
            secondsFromGMT: 2 * 3600)!
}

/// Civil-calendar arithmetic on day numbers: the shared `CivilDate` (also behind PostgreSQL's
/// date text), so the two can never disagree.
typealias Civil = CivilDate

/// ISO 8601 instants as the contract writes them: `2026-11-27T10:15:30.123+00:00` — always UTC,
/// always with milliseconds and a numeric offset. Instants carry millisecond precision on the wire.
public enum ISO8601 {
    /// Milliseconds since 1970, rounded to the nearest millisecond.
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// The same instant at the wire's precision, so `parse(format(d)) == roundedToMilliseconds(d)`.
    public static func roundedToMilliseconds(_ date: Date) -> Date { self.date(milliseconds: milliseconds(date)) }

    /// `YYYY-MM-DDTHH:MM:SS.mmm+00:00` in UTC.
    public static func format(_ date: Date) -> String { format(date, offsetSeconds: 0) }

    /// The same instant written in a time zone's local time with its offset, e.g. `…T12:15:30.123+02:00`.
    public static func format(_ date: Date, in timeZone: TimeZone) -> String {
        format(date, offsetSeconds: timeZone.secondsFromGMT(for: date))
    }

    private static func format(_ date: Date, offsetSeconds: Int) -> String {
        let ms = milliseconds(date) + Int64(offsetSeconds) * 1000
        let day = Civil.floorDiv(ms, 86_400_000)
        let msOfDay = Int(ms - day * 86_400_000)
        let (y, m, d) = Civil.date(dayNumber: Int(day))
        let hour = msOfDay / 3_600_000
        let minute = msOfDay / 60_000 % 60
        let second = msOfDay / 1000 % 60
        let milli = msOfDay % 1000
        let sign = offsetSeconds < 0 ? "-" : "+"
        let offsetMinutes = abs(offsetSeconds) / 60
        let date = "\(Civil.pad(y, 4))-\(Civil.pad(m, 2))-\(Civil.pad(d, 2))"
        let time = "\(Civil.pad(hour, 2)):\(Civil.pad(minute, 2)):\(Civil.pad(second, 2)).\(Civil.pad(milli, 3))"
        let offset = "\(sign)\(Civil.pad(offsetMinutes / 60, 2)):\(Civil.pad(offsetMinutes % 60, 2))"
        return "\(date)T\(time)\(offset)"
    }

    /// Parses `YYYY-MM-DD(T| )HH:MM[:SS[.fraction]]` followed by `Z`, `±hh:mm`, `±hhmm` or `±hh`.
    /// A time without an offset is ambiguous and gives nil. Fractions beyond milliseconds are rounded.
    public static func parse(_ string: String) -> Date? {
        var scanner = DigitScanner(Array(string.utf8))
        guard let year = scanner.number(4), scanner.expect("-"), let month = scanner.number(2), scanner.expect("-"),
            let day = scanner.number(2), (1...12).contains(month),
            (1...Civil.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        guard scanner.expect("T") || scanner.expect("t") || scanner.expect(" ") else { return nil }
        guard let hour = scanner.number(2), hour < 24, scanner.expect(":"), let minute = scanner.number(2), minute < 60
        else { return nil }
        var second = 0
        var fractionMilliseconds = 0.0
        if scanner.expect(":") {
            guard let s = scanner.number(2), s < 60 else { return nil }
            second = s
            if scanner.expect(".") || scanner.expect(",") {
                var digits = 0
                var value = 0.0
                var scale = 100.0
                while let d = scanner.digit() {
                    value += Double(d) * scale
                    scale /= 10
                    digits += 1
                }
                guard digits > 0 else { return nil }
                fractionMilliseconds = value
            }
        }
        var offsetMinutes = 0
        if scanner.expect("Z") || scanner.expect("z") {
            offsetMinutes = 0
        } else if let sign = scanner.sign() {
            guard let oh = scanner.number(2), oh <= 23 else { return nil }
            var om = 0
            if scanner.expect(":") {
                guard let value = scanner.number(2) else { return nil }
                om = value
            } else if let value = scanner.number(2) {
                om = value
            }
            guard om < 60 else { return nil }
            offsetMinutes = sign * (oh * 60 + om)
        } else {
            return nil
        }
        guard scanner.atEnd else { return nil }
        let days = Int64(Civil.dayNumber(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return date(milliseconds: seconds * 1000 + Int64(fractionMilliseconds.rounded()))
    }
}

/// A calendar date without time ("2026-11-27"), as deadlines are counted in the law: calendar days
/// in Kyiv time. Encodes as the string `YYYY-MM-DD`.
public struct LocalDate: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...Civil.daysInMonth(year: year, month: month)).contains(day)
        else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Exactly `YYYY-MM-DD`.
    public init?(string: String) {
        var scanner = DigitScanner(Array(string.utf8))
        guard let y = scanner.number(4), scanner.expect("-"), let m = scanner.number(2), scanner.expect("-"),
            let d = scanner.number(2), scanner.atEnd
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The calendar date of an instant in a time zone (Kyiv by default).
    public init(date: Date, in timeZone: TimeZone = .kyiv) {
        let ms = ISO8601.milliseconds(date) + Int64(timeZone.secondsFromGMT(for: date)) * 1000
        self.init(dayNumber: Int(Civil.floorDiv(ms, 86_400_000)))
    }

    init(dayNumber: Int) {
        let (y, m, d) = Civil.date(dayNumber: dayNumber)
        year = y
        month = m
        day = d
    }

    /// Today in Kyiv (or the given zone).
    public static func today(in timeZone: TimeZone = .kyiv, now: Date = Date()) -> LocalDate {
        LocalDate(date: now, in: timeZone)
    }

    var dayNumber: Int { Civil.dayNumber(year: year, month: month, day: day) }

    /// Calendar-day arithmetic; negative `days` go back.
    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    /// Days from `self` to `other` (positive when `other` is later).
    public func days(until other: LocalDate) -> Int { other.dayNumber - dayNumber }

    /// The instant this date begins (local midnight) in the time zone, DST-aware.
    public func startOfDay(in timeZone: TimeZone = .kyiv) -> Date {
        let utcMidnight = Date(timeIntervalSince1970: TimeInterval(dayNumber) * 86_400)
        var guess = utcMidnight.addingTimeInterval(-TimeInterval(timeZone.secondsFromGMT(for: utcMidnight)))
        guess = utcMidnight.addingTimeInterval(-TimeInterval(timeZone.secondsFromGMT(for: guess)))
        return guess
    }

    /// The instant the next day begins: a deadline on this date is missed from then on.
    public func endOfDay(in timeZone: TimeZone = .kyiv) -> Date { adding(days: 1).startOfDay(in: timeZone) }

    public var description: String { "\(Civil.pad(year, 4))-\(Civil.pad(month, 2))-\(Civil.pad(day, 2))" }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let value = LocalDate(string: string) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath, debugDescription: "not a YYYY-MM-DD date",
                    underlyingError: ContractError(code: .invalidDate, reason: "not a YYYY-MM-DD date")))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
