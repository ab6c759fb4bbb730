/// How to reach PostgreSQL and how large the pool is. Reading the environment lives elsewhere (HromadaRuntime).
public struct PostgresConfiguration: Sendable {
    /// A libpq conninfo (`host=… port=… dbname=…`) or URI (`postgresql://…`), passed to libpq unchanged,
    /// so multi-host failover (`host=a,b port=5432,5432 target_session_attrs=read-write`), `sslmode`,
    /// `sslrootcert` and every other libpq keyword work.
    public var connectionString: String
    /// Most connections open at once; each has its own thread. Default 4.
    public var poolSize: Int
    /// Set on every new connection with `SELECT set_config('search_path', $1, false)`.
    public var searchPath: String?
    /// Sent as `fallback_application_name` (an `application_name` in the connection string wins).
    public var applicationName: String?
    /// libpq `connect_timeout`, per host tried (a `connect_timeout` in the connection string wins). Default 5.
    public var connectTimeoutSeconds: Int
    /// How long a caller waits for a free connection before `poolTimeout`. Default 10 s.
    public var checkoutTimeout: Duration = .seconds(10)
    /// How long `PostgresClient.ping()` waits for a free connection. Default 2 s.
    public var pingTimeout: Duration = .seconds(2)
    /// How many statements each connection keeps prepared on the server (least recently used evicted),
    /// so a statement that repeats is parsed and analysed once per connection, not on every run.
    /// 0 sends every statement unnamed (`PQexecParams`), e.g. behind a pooler in transaction mode that
    /// cannot keep named statements. Default 256.
    public var preparedStatementCacheSize = 256

    public init(
        connectionString: String,
        poolSize: Int = 4,
        searchPath: String? = nil,
        applicationName: String? = nil,
        connectTimeoutSeconds: Int = 5
    ) {
        self.connectionString = connectionString
        self.poolSize = poolSize
        self.searchPath = searchPath
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    /// `connectionString` pointed at another database: `postgresql://…/old?x` → `postgresql://…/new?x`;
    /// a conninfo gets `dbname=new` appended (a later keyword wins in a conninfo).
    public static func replacingDatabase(in connectionString: String, with database: String) -> String {
        guard connectionString.hasPrefix("postgres://") || connectionString.hasPrefix("postgresql://") else {
            return connectionString + " dbname=\(database)"
        }
        let schemeEnd = connectionString.range(of: "://")!.upperBound
        var query = ""
        var base = Substring(connectionString)
        if let mark = base.firstIndex(of: "?") {
            query = String(base[mark...])
            base = base[..<mark]
        }
        if let slash = base[schemeEnd...].firstIndex(of: "/") { base = base[..<slash] }
        return "\(base)/\(database)\(query)"
    }
}
