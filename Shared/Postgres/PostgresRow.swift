/// Result rows, copied out of libpq (the PGresult is already cleared), safe to pass between tasks.
public struct PostgresRows: Sendable, RandomAccessCollection {
    let storage: PostgresRowStorage
    /// Rows inserted, updated, deleted, selected… as the server reported (PQcmdTuples); 0 when it reports none.
    public var affectedRows: Int

    init(storage: PostgresRowStorage, affectedRows: Int) {
        self.storage = storage
        self.affectedRows = affectedRows
    }

    public var columnNames: [String] { storage.columns }
    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.rowCount }
    public subscript(position: Int) -> PostgresRow {
        precondition(position >= 0 && position < storage.rowCount, "row index out of range")
        return PostgresRow(storage: storage, row: position)
    }
}

/// One row. Columns are read by position or by name (the first column with that name).
public struct PostgresRow: Sendable {
    let storage: PostgresRowStorage
    let row: Int

    public var columnNames: [String] { storage.columns }

    public func decode<T: PostgresDecodable>(_ column: Int, as: T.Type = T.self) throws -> T {
        guard column >= 0, column < storage.columns.count else {
            throw PostgresError(code: .decodingFailed, context: "no column at index \(column)")
        }
        return try decodeValue(column, T.self)
    }

    public func decode<T: PostgresDecodable>(_ name: String, as: T.Type = T.self) throws -> T {
        guard let column = storage.columnIndex[name] else {
            throw PostgresError(code: .decodingFailed, context: "no column named \(name)")
        }
        return try decodeValue(column, T.self)
    }

    /// True for SQL NULL (and for a column index out of range).
    public func isNull(_ column: Int) -> Bool {
        guard column >= 0, column < storage.columns.count else { return true }
        return storage.value(row: row, column: column) == nil
    }

    public func isNull(_ name: String) -> Bool {
        guard let column = storage.columnIndex[name] else { return true }
        return isNull(column)
    }

    /// The column's raw text (PostgreSQL text output format), nil for NULL.
    public func text(_ column: Int) -> String? {
        guard column >= 0, column < storage.columns.count else { return nil }
        return storage.value(row: row, column: column)
    }

    private func decodeValue<T: PostgresDecodable>(_ column: Int, _ type: T.Type) throws -> T {
        do {
            guard let text = storage.value(row: row, column: column) else { return try T.postgresNull() }
            return try T(postgresText: text)
        } catch var error as PostgresError {
            let where_ = "column \(storage.columns[column]) (#\(column))"
            error.context = error.context.map { "\($0), \(where_)" } ?? where_
            throw error
        }
    }
}

final class PostgresRowStorage: Sendable {
    let columns: [String]
    let columnIndex: [String: Int]
    let values: [String?]
    let rowCount: Int

    init(columns: [String], values: [String?], rowCount: Int) {
        self.columns = columns
        var index: [String: Int] = [:]
        for (position, name) in columns.enumerated() where index[name] == nil { index[name] = position }
        self.columnIndex = index
        self.values = values
        self.rowCount = rowCount
    }

    func value(row: Int, column: Int) -> String? { values[row * columns.count + column] }
}
