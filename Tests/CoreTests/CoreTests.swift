import HromadaCore
import XCTest

final class HexCodingTests: XCTestCase {
    func testEncodesLowercaseAndDecodesEitherCase() {
        XCTAssertEqual(HexCoding.encode([0x00, 0x0a, 0xab, 0xff]), "000aabff")
        XCTAssertEqual(HexCoding.encode([UInt8]()), "")
        XCTAssertEqual(HexCoding.decode("000aABff"), [0x00, 0x0a, 0xab, 0xff])
        XCTAssertEqual(HexCoding.decode(""), [])
        let all = (0...255).map(UInt8.init)
        XCTAssertEqual(HexCoding.decode(HexCoding.encode(all)), all)
    }

    func testRefusesOddLengthAndNonHexCharacters() {
        XCTAssertNil(HexCoding.decode("abc"))
        XCTAssertNil(HexCoding.decode("zz"))
        XCTAssertNil(HexCoding.decode("0g"))
        XCTAssertNil(HexCoding.decode(" 0"))
    }

    func testAppendWritesIntoAnExistingBuffer() {
        var out = Array("\\x".utf8)
        HexCoding.append([0xde, 0xad], to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "\\xdead")
    }
}

final class CivilDateTests: XCTestCase {
    func testKnownDayNumbers() {
        XCTAssertEqual(CivilDate.dayNumber(year: 1970, month: 1, day: 1), 0)
        XCTAssertEqual(CivilDate.dayNumber(year: 1969, month: 12, day: 31), -1)
        XCTAssertEqual(CivilDate.dayNumber(year: 2000, month: 3, day: 1), 11_017)
        XCTAssertEqual(CivilDate.dayNumber(year: 2026, month: 11, day: 27), 20_784)
        XCTAssertTrue(CivilDate.date(dayNumber: 0) == (1970, 1, 1))
        XCTAssertTrue(CivilDate.date(dayNumber: -719_468) == (0, 3, 1))
    }

    func testRoundTripsEveryDayOverFourCenturies() {
        // 1800…2200 covers both kinds of century years (1900, 2100 are not leap; 2000 is).
        var expected = CivilDate.dayNumber(year: 1800, month: 1, day: 1)
        for year in 1800...2200 {
            for month in 1...12 {
                for day in 1...CivilDate.daysInMonth(year: year, month: month) {
                    let number = CivilDate.dayNumber(year: year, month: month, day: day)
                    XCTAssertEqual(number, expected, "\(year)-\(month)-\(day)")
                    let back = CivilDate.date(dayNumber: number)
                    if back != (year, month, day) { XCTFail("\(number) → \(back)") }
                    expected += 1
                }
            }
        }
    }

    func testLeapYearsAndValidation() {
        XCTAssertTrue(CivilDate.isLeapYear(2000))
        XCTAssertFalse(CivilDate.isLeapYear(1900))
        XCTAssertTrue(CivilDate.isLeapYear(2028))
        XCTAssertEqual(CivilDate.daysInMonth(year: 2026, month: 2), 28)
        XCTAssertEqual(CivilDate.daysInMonth(year: 2028, month: 2), 29)
        XCTAssertTrue(CivilDate.isValid(year: 2028, month: 2, day: 29))
        XCTAssertFalse(CivilDate.isValid(year: 2026, month: 2, day: 29))
        XCTAssertFalse(CivilDate.isValid(year: 2026, month: 13, day: 1))
    }

    func testFloorDivAndPad() {
        XCTAssertEqual(CivilDate.floorDiv(-1, 86_400_000), -1)
        XCTAssertEqual(CivilDate.floorDiv(86_399_999, 86_400_000), 0)
        XCTAssertEqual(CivilDate.floorDiv(-86_400_000, 86_400_000), -1)
        XCTAssertEqual(CivilDate.pad(7, 2), "07")
        XCTAssertEqual(CivilDate.pad(-7, 4), "-0007")
        XCTAssertEqual(CivilDate.pad(12345, 4), "12345")
    }
}

final class RedactionTests: XCTestCase {
    struct Echoing: Error, CustomStringConvertible {
        var description: String { "invalid input: \"Олена Петренко\"" }
    }
    struct Safe: PrivacySafeError, CustomStringConvertible {
        var description: String { "Safe(code: tooLong)" }
    }
    struct OwnSafeText: PrivacySafeError, CustomStringConvertible {
        var description: String { "value Олена" }
        var safeDescription: String { "OwnSafeText(redacted)" }
    }

    func testUnknownErrorsShowOnlyTheirType() {
        let error: any Error = Echoing()
        XCTAssertFalse(error.redactedDescription.contains("Олена"))
        XCTAssertTrue(error.redactedDescription.hasSuffix("Echoing"), error.redactedDescription)
    }

    func testPrivacySafeErrorsShowTheirSafeText() {
        let safe: any Error = Safe()
        XCTAssertEqual(safe.redactedDescription, "Safe(code: tooLong)")
        let own: any Error = OwnSafeText()
        XCTAssertEqual(own.redactedDescription, "OwnSafeText(redacted)")
    }
}

final class SplitMix64Tests: XCTestCase {
    /// The reference outputs of SplitMix64 for seed 0, and the same sequence again from the same seed.
    func testGivesTheReferenceSequenceAgainFromItsSeed() {
        var generator = SplitMix64(seed: 0)
        let first = (0..<3).map { _ in generator.next() }
        XCTAssertEqual(first, [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
        var again = SplitMix64(seed: 0)
        XCTAssertEqual((0..<3).map { _ in again.next() }, first)
        var other = SplitMix64(seed: 1)
        XCTAssertNotEqual(other.next(), first[0])
    }
}

final class NearestRankTests: XCTestCase {
    /// Nearest rank: the smallest value with at least p of the values at or below it, always one of
    /// the values; none of an empty list.
    func testPercentileIsTheSmallestValueCoveringTheFraction() {
        XCTAssertNil(NearestRank.percentile(ofSorted: [Int](), 0.5))
        XCTAssertEqual(NearestRank.percentile(ofSorted: [7], 0.99), 7)
        let hundred = Array(1...100)
        XCTAssertEqual(NearestRank.percentile(ofSorted: hundred, 0.50), 50)
        XCTAssertEqual(NearestRank.percentile(ofSorted: hundred, 0.95), 95)
        XCTAssertEqual(NearestRank.percentile(ofSorted: hundred, 0.99), 99)
        XCTAssertEqual(NearestRank.percentile(ofSorted: hundred, 1), 100)
        XCTAssertEqual(NearestRank.percentile(ofSorted: hundred, 0), 1)
        // 0.9 of 11 values is 9.9: the 10th value, not an interpolation between the 9th and 10th.
        XCTAssertEqual(NearestRank.percentile(ofSorted: [0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9.5, 10], 0.9), 9.5)
    }
}
