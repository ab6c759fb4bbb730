/// A statement and its parameters. The only way to put values into SQL is string interpolation:
/// `"SELECT … WHERE id = \(id) AND n > \(n)"` becomes `SELECT … WHERE id = $1 AND n > $2` with two
/// text-format binds. Literal parts are SQL written by the programmer; interpolated parts are always
/// parameters, never spliced into the text.
public struct PostgresQuery: ExpressibleByStringInterpolation, Sendable, CustomStringConvertible {
    public var sql: String
    public var binds: [PostgresBind]

    public init(stringLiteral value: String) {
        self.sql = value
        self.binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.binds = stringInterpolation.binds
    }

    /// Appends another query, renumbering its `$n` placeholders after this query's binds, e.g. to add
    /// optional filters: `query.append(" AND status = \(status)")`. Placeholders inside quoted literals
    /// of `other` are left alone.
    public mutating func append(_ other: PostgresQuery) {
        sql += Self.renumber(other.sql, offset: binds.count)
        binds += other.binds
    }

    public static func + (lhs: PostgresQuery, rhs: PostgresQuery) -> PostgresQuery {
        var result = lhs
        result.append(rhs)
        return result
    }

    /// The SQL text and how many binds it has; never the bound values.
    public var description: String { "\(sql) [\(binds.count) binds]" }

    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        public typealias StringLiteralType = String
        var sql: String
        var binds: [PostgresBind]

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds = []
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Any encodable value (Optional included: nil is NULL) becomes the next `$n`.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            binds.append(PostgresBind(value))
            sql += "$\(binds.count)"
        }

        /// The same for an optional (nil is NULL). Spelled out so the compiler knows an optional
        /// is meant here and does not warn about "a debug description for an optional value".
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            binds.append(PostgresBind(value))
            sql += "$\(binds.count)"
        }
    }

    static func renumber(_ sql: String, offset: Int) -> String {
        guard offset > 0, sql.contains("$") else { return sql }
        var result = ""
        result.reserveCapacity(sql.utf8.count + 8)
        var characters = sql.makeIterator()
        var inQuote: Character?
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if let quote = inQuote {
                result.append(character)
                if character == quote { inQuote = nil }
                continue
            }
            if character == "'" || character == "\"" {
                inQuote = character
                result.append(character)
                continue
            }
            guard character == "$" else {
                result.append(character)
                continue
            }
            var digits = ""
            while let next = characters.next() {
                if next.isASCII, next.isNumber {
                    digits.append(next)
                } else {
                    pending = next
                    break
                }
            }
            if let number = Int(digits) {
                result += "$\(number + offset)"
            } else {
                result.append("$")
            }
        }
        return result
    }
}

/// One parameter: its text (nil = NULL) and type oid (0 = let the server infer it).
public struct PostgresBind: Sendable {
    public var text: String?
    public var dataType: PostgresDataType
    /// Set when the value could not be encoded; the statement throws it instead of running.
    var encodingError: PostgresError?

    public init(text: String?, dataType: PostgresDataType) {
        self.text = text
        self.dataType = dataType
    }

    public init<Value: PostgresEncodable>(_ value: Value) {
        dataType = Value.postgresDataType
        do {
            text = try value.encodePostgresText()
        } catch let error as PostgresError {
            text = nil
            encodingError = error
        } catch {
            text = nil
            encodingError = PostgresError(code: .encodingFailed, context: "\(Value.self)")
        }
    }
}

/// A PostgreSQL type oid.
public struct PostgresDataType: Hashable, Sendable {
    public var oid: UInt32
    public init(oid: UInt32) { self.oid = oid }

    /// Let the server infer the type from the context (like an untyped literal).
    public static let unspecified = PostgresDataType(oid: 0)
    public static let bool = PostgresDataType(oid: 16)
    public static let bytea = PostgresDataType(oid: 17)
    public static let int8 = PostgresDataType(oid: 20)
    public static let int2 = PostgresDataType(oid: 21)
    public static let int4 = PostgresDataType(oid: 23)
    public static let text = PostgresDataType(oid: 25)
    public static let json = PostgresDataType(oid: 114)
    public static let float8 = PostgresDataType(oid: 701)
    public static let boolArray = PostgresDataType(oid: 1000)
    public static let int2Array = PostgresDataType(oid: 1005)
    public static let int4Array = PostgresDataType(oid: 1007)
    public static let textArray = PostgresDataType(oid: 1009)
    public static let int8Array = PostgresDataType(oid: 1016)
    public static let float8Array = PostgresDataType(oid: 1022)
    public static let date = PostgresDataType(oid: 1082)
    public static let timestamp = PostgresDataType(oid: 1114)
    public static let timestamptz = PostgresDataType(oid: 1184)
    public static let uuid = PostgresDataType(oid: 2950)
    public static let uuidArray = PostgresDataType(oid: 2951)
    public static let jsonb = PostgresDataType(oid: 3802)
}
