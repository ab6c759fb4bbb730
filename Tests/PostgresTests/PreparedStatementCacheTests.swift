import XCTest

@testable import HromadaPostgres

/// The prepared-statement bookkeeping without a server: when to prepare, eviction, invalidation.
final class PreparedStatementCacheTests: XCTestCase {
    private func key(_ sql: String, _ types: [UInt32] = [25]) -> PreparedStatementCache.Key {
        PreparedStatementCache.Key(sql: sql, types: types)
    }

    func testAStatementIsPreparedOnItsSecondRun() {
        var cache = PreparedStatementCache(capacity: 4)
        XCTAssertNil(cache.name(for: key("SELECT $1")))
        XCTAssertFalse(cache.shouldPrepare(key("SELECT $1")))
        XCTAssertTrue(cache.shouldPrepare(key("SELECT $1")))
        let name = cache.newName()
        cache.insert(key("SELECT $1"), name: name)
        XCTAssertEqual(cache.name(for: key("SELECT $1")), name)
        XCTAssertEqual(cache.count, 1)
    }

    func testTheSameTextWithOtherParameterTypesIsAnotherStatement() {
        var cache = PreparedStatementCache(capacity: 4)
        _ = cache.shouldPrepare(key("SELECT $1", [25]))
        XCTAssertFalse(cache.shouldPrepare(key("SELECT $1", [20])))
        cache.insert(key("SELECT $1", [25]), name: cache.newName())
        XCTAssertNil(cache.name(for: key("SELECT $1", [20])))
    }

    func testNamesAreNeverReused() {
        var cache = PreparedStatementCache(capacity: 2)
        let names = (0..<5).map { _ in cache.newName() }
        XCTAssertEqual(names, ["hromada_1", "hromada_2", "hromada_3", "hromada_4", "hromada_5"])
    }

    func testTheLeastRecentlyUsedIsEvictedAndDeallocatedLater() {
        var cache = PreparedStatementCache(capacity: 2)
        cache.insert(key("a"), name: "hromada_1")
        cache.insert(key("b"), name: "hromada_2")
        XCTAssertEqual(cache.name(for: key("a")), "hromada_1")  // b is now the least recently used
        cache.insert(key("c"), name: "hromada_3")
        XCTAssertEqual(cache.count, 2)
        XCTAssertNil(cache.name(for: key("b")))
        XCTAssertEqual(cache.name(for: key("a")), "hromada_1")
        XCTAssertEqual(cache.name(for: key("c")), "hromada_3")
        XCTAssertEqual(cache.takePendingDeallocations(), ["hromada_2"])
        XCTAssertEqual(cache.takePendingDeallocations(), [])
    }

    func testManyDistinctTextsStayWithinCapacity() {
        var cache = PreparedStatementCache(capacity: 8)
        var deallocated = 0
        for number in 0..<1_000 {
            let statement = key("SELECT \(number)")
            if cache.shouldPrepare(statement) || number % 2 == 0 { cache.insert(statement, name: cache.newName()) }
            deallocated += cache.takePendingDeallocations().count
            XCTAssertLessThanOrEqual(cache.count, 8)
        }
        XCTAssertEqual(cache.count + deallocated, 500)
    }

    func testInvalidatedStatementIsForgottenAndDeallocated() {
        var cache = PreparedStatementCache(capacity: 4)
        cache.insert(key("SELECT * FROM t"), name: "hromada_1")
        cache.invalidate(key("SELECT * FROM t"))
        XCTAssertNil(cache.name(for: key("SELECT * FROM t")))
        XCTAssertEqual(cache.pendingDeallocations, ["hromada_1"])
        XCTAssertTrue(cache.shouldPrepare(key("SELECT * FROM t")), "its next run prepares it afresh")
    }

    func testForgetAllDropsEverythingWithoutDeallocating() {
        var cache = PreparedStatementCache(capacity: 1)
        cache.insert(key("a"), name: "hromada_1")
        cache.insert(key("b"), name: "hromada_2")
        cache.forgetAll()
        XCTAssertEqual(cache.count, 0)
        XCTAssertEqual(cache.pendingDeallocations, [])
        XCTAssertNil(cache.name(for: key("b")))
    }

    func testCapacityZeroNeverPrepares() {
        var cache = PreparedStatementCache(capacity: 0)
        XCTAssertFalse(cache.isEnabled)
        XCTAssertFalse(cache.shouldPrepare(key("SELECT 1")))
        XCTAssertFalse(cache.shouldPrepare(key("SELECT 1")))
    }
}
