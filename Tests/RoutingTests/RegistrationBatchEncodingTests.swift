import Foundation
import HromadaPostgres
import XCTest

@testable import Routing

/// In memory: the array parameters the batched registration statements send (issue 16). A nil must
/// arrive as SQL NULL and an empty string as an empty string, or a batch would store other values
/// than one registration at a time did.
final class RegistrationBatchEncodingTests: XCTestCase {
    func testNilIsNullAndAnEmptyStringStaysEmpty() throws {
        let values: [String?] = ["zhkg", nil, "", "a \"quoted\" \\ value", "NULL"]
        let text = try PostgresNullable.array(values).encodePostgresText()
        XCTAssertEqual(text, #"{"zhkg",NULL,"","a \"quoted\" \\ value","NULL"}"#)
        XCTAssertEqual([PostgresNullable<String>].postgresDataType, .textArray)
        XCTAssertEqual(try PostgresNullable.array([1.5, nil] as [Double?]).encodePostgresText(), #"{"1.5",NULL}"#)
    }

    func testTimestampsAreSentAsADateParameterIs() throws {
        let date = Date(timeIntervalSince1970: 1_796_724_000.123456)
        XCTAssertEqual(try timestampText(date), try date.encodePostgresText())
    }
}
