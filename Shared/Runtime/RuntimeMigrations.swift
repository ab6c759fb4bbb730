import HromadaPostgres

/// Tables every service owns in its schema next to its domain tables: the transactional outbox
/// and the inbox of processed message ids. Runtime migrations use versions 1–99; a service's own
/// migrations start at 100.
public enum RuntimeMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 1,
            name: "runtime: outbox and inbox",
            sql: """
                CREATE TABLE outbox (
                    seq            bigserial PRIMARY KEY,
                    event_id       uuid        NOT NULL UNIQUE,
                    event_type     text        NOT NULL,
                    exchange       text        NOT NULL,
                    routing_key    text        NOT NULL,
                    correlation_id uuid        NOT NULL,
                    body           bytea       NOT NULL,
                    created_at     timestamptz NOT NULL DEFAULT now(),
                    claimed_until  timestamptz
                );
                -- Rows leave the outbox when the broker has confirmed them, so the table only holds
                -- what is still to be published: its size and oldest row are the outbox lag.
                CREATE TABLE inbox (
                    message_id  uuid        PRIMARY KEY,
                    event_type  text        NOT NULL,
                    received_at timestamptz NOT NULL DEFAULT now()
                );
                CREATE INDEX inbox_received_at ON inbox (received_at);
                """
        )
    ]
}
