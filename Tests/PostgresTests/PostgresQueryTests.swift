import Foundation
import HromadaCore
import XCTest

@testable import HromadaPostgres

/// Unit tests without a server: query building, text formats.
final class PostgresQueryTests: XCTestCase {
    func testInterpolationBecomesNumberedBinds() {
        let id = UUID()
        let n = 5
        let name: String? = nil
        let query: PostgresQuery = "SELECT * FROM t WHERE id = \(id) AND n > \(n) AND name = \(name)"
        XCTAssertEqual(query.sql, "SELECT * FROM t WHERE id = $1 AND n > $2 AND name = $3")
        XCTAssertEqual(query.binds.count, 3)
        XCTAssertEqual(query.binds[0].text, id.uuidString.lowercased())
        XCTAssertEqual(query.binds[0].dataType, .uuid)
        XCTAssertEqual(query.binds[1].text, "5")
        XCTAssertEqual(query.binds[1].dataType, .int8)
        XCTAssertNil(query.binds[2].text)
        XCTAssertEqual(query.binds[2].dataType, .unspecified)
    }

    func testInjectionStringIsABindNotSQL() {
        let evil = "'; DROP TABLE x; --"
        let query: PostgresQuery = "SELECT \(evil)"
        XCTAssertEqual(query.sql, "SELECT $1")
        XCTAssertEqual(query.binds.first?.text, evil)
        XCTAssertFalse(query.description.contains("DROP"))
    }

    func testAppendRenumbersPlaceholders() {
        var query: PostgresQuery = "SELECT * FROM t WHERE a = \(1) AND b = \(2)"
        query.append(" AND c = \("x") AND d = '$1'")
        XCTAssertEqual(query.sql, "SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3 AND d = '$1'")
        XCTAssertEqual(query.binds.map(\.text), ["1", "2", "x"])
        let combined: PostgresQuery = "SELECT \(10)" + " + \(20)"
        XCTAssertEqual(combined.sql, "SELECT $1 + $2")
    }

    func testDateFormatIsISO8601WithOffset() throws {
        let date = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let text = try XCTUnwrap(date.encodePostgresText())
        XCTAssertEqual(text, "2023-11-14T22:13:20.123456+00:00")
        let before1970 = Date(timeIntervalSince1970: -1.5)
        XCTAssertEqual(try before1970.encodePostgresText(), "1969-12-31T23:59:58.500000+00:00")
    }

    func testDateParsesPostgresOutputs() throws {
        let expected = Date(timeIntervalSince1970: 1_710_052_200)  // 2024-03-10 06:30:00 UTC
        XCTAssertEqual(try Date(postgresText: "2024-03-10 12:00:00+05:30"), expected)
        XCTAssertEqual(try Date(postgresText: "2024-03-10 08:30:00+02"), expected)
        XCTAssertEqual(try Date(postgresText: "2024-03-10 06:30:00"), expected)
        XCTAssertEqual(try Date(postgresText: "2024-03-10T06:30:00Z"), expected)
        XCTAssertEqual(
            try Date(postgresText: "2024-03-10 06:30:00.25+00").timeIntervalSince1970, 1_710_052_200.25, accuracy: 1e-6)
        XCTAssertEqual(try Date(postgresText: "2024-03-10"), Date(timeIntervalSince1970: 1_710_028_800))
        XCTAssertEqual(
            try Date(postgresText: "1901-12-13 20:45:52+00:09:21").timeIntervalSince1970, -2_147_483_648 - 561,
            accuracy: 1e-6)
        XCTAssertEqual(try Date(postgresText: "infinity"), .distantFuture)
        XCTAssertThrowsError(try Date(postgresText: "0044-03-15 BC"))
        XCTAssertThrowsError(try Date(postgresText: "yesterday"))
    }

    func testArrayLiteralRoundTrip() throws {
        let values = ["plain", "with space", "quote\"inside", "back\\slash", "", "NULL", "кома,тут", "{brace}"]
        let text = try XCTUnwrap(values.encodePostgresText())
        XCTAssertEqual(try [String](postgresText: text), values)
        XCTAssertEqual(try [String](postgresText: "{a,\"b c\",\"NULL\"}"), ["a", "b c", "NULL"])
        XCTAssertEqual(try [Int64](postgresText: "{1,-2,3}"), [1, -2, 3])
        XCTAssertEqual(try [Int64](postgresText: "{}"), [])
        XCTAssertThrowsError(try [String](postgresText: "{a,NULL}"))
        XCTAssertThrowsError(try [Int64](postgresText: "{{1,2},{3,4}}"))
    }

    func testByteaHex() throws {
        let bytes: [UInt8] = [0, 1, 0xAB, 0xFF, 0]
        let text = try XCTUnwrap(bytes.encodePostgresText())
        XCTAssertEqual(text, "\\x0001abff00")
        XCTAssertEqual(try [UInt8](postgresText: text), bytes)
        XCTAssertEqual(try Data(postgresText: "\\x00FF"), Data([0, 255]))
        XCTAssertEqual([UInt8].postgresDataType, .bytea)
        XCTAssertThrowsError(try [UInt8](postgresText: "\\x0"))
        XCTAssertThrowsError(try Data(postgresText: "abc"))
    }

    func testErrorDescriptionsKeepServerMessageOutOfSafeDescription() {
        let error = PostgresError(
            code: .queryFailed, sqlState: "23505", serverMessage: "duplicate key value (email)=(olena@example.com)")
        XCTAssertTrue(error.isUniqueViolation)
        XCTAssertFalse(error.isRetryable)
        XCTAssertTrue(error.description.contains("23505"))
        XCTAssertTrue(
            error.debugDescription.contains("olena@example.com"), "the server's message only in debugDescription")
        XCTAssertFalse(error.description.contains("olena"), "description is redacted by default")
        XCTAssertFalse("\(error)".contains("olena"))
        XCTAssertFalse(String(describing: error).contains("olena"))
        XCTAssertFalse(error.safeDescription.contains("olena"))
        XCTAssertFalse((error as any Error).redactedDescription.contains("olena"))
        XCTAssertTrue((error as any Error).redactedDescription.contains("23505"), "the code and SQLSTATE stay")
        XCTAssertTrue(PostgresError(code: .queryFailed, sqlState: "40001").isRetryable)
        XCTAssertTrue(PostgresError(code: .queryFailed, sqlState: "40P01").isRetryable)
        XCTAssertTrue(PostgresError(code: .connectionLost).isRetryable)
        XCTAssertFalse(PostgresError(code: .decodingFailed).isRetryable)
    }

    func testEncodingErrorIsCarriedByTheBind() {
        struct NotJSON: Codable, Sendable {
            let value: Double
        }
        let query: PostgresQuery = "SELECT \(PostgresJSON(NotJSON(value: .nan)))"
        XCTAssertEqual(query.binds.first?.encodingError?.code, .encodingFailed)
    }
}
