import Foundation
import HromadaContracts

/// Terms counted in months and years as the law counts them (Civil Code Art. 253–254, which the
/// Law «Про звернення громадян» relies on): a term of N months ends on the date of the same
/// number in the N-th month after the start; when that month has no such date (31 January + one month),
/// the term ends on that month's last day (28 or 29 February). Terms in days stay in days.
public enum LawCalendar {
    /// `date` moved forward (or back, for negative `months`) by whole calendar months.
    public static func adding(months: Int, to date: LocalDate) -> LocalDate {
        let index = date.year * 12 + (date.month - 1) + months
        let year = index / 12
        let month = index % 12 + 1
        let day = min(date.day, daysInMonth(year: year, month: month))
        return LocalDate(year: year, month: month, day: day)!
    }

    /// `date` moved by whole calendar years (29 February + one year → 28 February).
    public static func adding(years: Int, to date: LocalDate) -> LocalDate { adding(months: 12 * years, to: date) }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
