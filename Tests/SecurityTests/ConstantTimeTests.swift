import HromadaCrypto
import XCTest

/// `ConstantTime.equals` is what every token comparison goes through (BearerToken.isAdministrator,
/// the routing web login, the CSRF check, TokenHash.verify).
final class ConstantTimeTests: XCTestCase {
    func testEqualsAnswersCorrectly() {
        XCTAssertTrue(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [0, 2, 3]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2]))
        XCTAssertFalse(ConstantTime.equals([], [0]))
        XCTAssertTrue(ConstantTime.equals([], []))
        XCTAssertTrue(ConstantTime.equals("токен-αβγ", "токен-αβγ"))
        XCTAssertFalse(ConstantTime.equals("token-a", "token-b"))
        let hash = TokenHash.hash(token: "secret-token")
        XCTAssertTrue(TokenHash.verify(token: "secret-token", hash: hash))
        XCTAssertFalse(TokenHash.verify(token: "secret-tokeN", hash: hash))
        XCTAssertEqual(hash.count, 64, "stored as SHA-256 hex")
        XCTAssertFalse(hash.contains("secret"))
    }

    /// A timing check that cannot be fooled by noise in one direction: comparing 64-byte values
    /// that differ in the first byte must not be much faster than when they differ in the last
    /// byte (an early-exit `==` is ~10x faster there). Medians of many rounds; a generous bound.
    func testTimeDoesNotDependOnWhereTheValuesDiffer() {
        let base = [UInt8](repeating: 0x41, count: 4096)
        var first = base
        first[0] = 0x42
        var last = base
        last[4095] = 0x42
        func median(_ other: [UInt8]) -> Double {
            var samples: [Double] = []
            for _ in 0..<41 {
                let start = ContinuousClock.now
                var sink = false
                for _ in 0..<200 { sink = sink != ConstantTime.equals(base, other) }
                let elapsed = ContinuousClock.now - start
                samples.append(Double(elapsed.components.attoseconds) / 1e9 + Double(elapsed.components.seconds) * 1e9)
                XCTAssertFalse(sink)
            }
            return samples.sorted()[samples.count / 2]
        }
        _ = median(first)  // warm up
        let early = median(first)
        let late = median(last)
        print("ConstantTime.equals 4 KiB x200: differs at byte 0 \(Int(early)) ns, at byte 4095 \(Int(late)) ns")
        XCTAssertGreaterThan(early / late, 0.5, "comparison returns early when the first byte differs")
        // And the same for a naive comparison, to show the check could fail.
        let naiveEarly = naiveMedian(base, first)
        let naiveLate = naiveMedian(base, last)
        print("naive early-exit comparison: \(Int(naiveEarly)) ns vs \(Int(naiveLate)) ns")
    }

    private func naiveMedian(_ a: [UInt8], _ b: [UInt8]) -> Double {
        var samples: [Double] = []
        for _ in 0..<41 {
            let start = ContinuousClock.now
            var sink = false
            for _ in 0..<200 {
                var equal = a.count == b.count
                if equal {
                    for i in a.indices where a[i] != b[i] {
                        equal = false
                        break
                    }
                }
                sink = sink != equal
            }
            let elapsed = ContinuousClock.now - start
            samples.append(Double(elapsed.components.attoseconds) / 1e9 + Double(elapsed.components.seconds) * 1e9)
            XCTAssertFalse(sink)
        }
        return samples.sorted()[samples.count / 2]
    }
}
