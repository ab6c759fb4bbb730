public import HromadaPostgres

extension PostgresClient {
    /// What a one-integer query (`SELECT count(*) …`) answers: its first row's first column, or
    /// nil when it returns no row.
    public func count(_ sql: PostgresQuery) async throws -> Int? {
        try await query(sql).first?.decode(0, as: Int.self)
    }
}
