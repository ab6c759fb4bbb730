import HromadaPostgres
import HromadaWeb

/// The `notification` schema: the directory copies it keeps from events (residents' contacts,
/// centres, officials) and one delivery row per (source event, recipient).
public enum NotificationMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 100,
            name: "notification: recipients, centres, officials, deliveries",
            sql: """
                -- The resident's contact from appeal.registered (ticket events carry none).
                CREATE TABLE recipients (
                    appeal_id           uuid        PRIMARY KEY,
                    registration_number text        NOT NULL,
                    full_name           text        NOT NULL,
                    email               text,
                    phone               text,
                    language            text        NOT NULL CHECK (language IN ('uk', 'en')),
                    centre_id           text,
                    confidential        boolean     NOT NULL DEFAULT false,
                    registered_at       timestamptz NOT NULL
                );
                -- Centres (centre.updated): key_hash is the hex SHA-256 of the centre's key.
                CREATE TABLE centres (
                    centre_id  text        PRIMARY KEY,
                    name       text        NOT NULL,
                    address    text,
                    key_hash   text        NOT NULL,
                    active     boolean     NOT NULL,
                    updated_at timestamptz NOT NULL
                );
                -- Officials (official.updated): those with an email get their authority's notices;
                -- role 'reception' also gets escalations.
                CREATE TABLE officials (
                    official_id text        PRIMARY KEY,
                    name        text        NOT NULL,
                    authority   text        NOT NULL,
                    role        text        NOT NULL,
                    email       text,
                    active      boolean     NOT NULL,
                    updated_at  timestamptz NOT NULL
                );
                CREATE INDEX officials_authority ON officials (authority) WHERE active;
                CREATE INDEX officials_role ON officials (role) WHERE active;

                -- One notice per (source event, recipient): the unique key is what makes a redelivered
                -- event harmless even if the inbox were bypassed.
                -- status: pending → sent | failed (email); centre notices are 'sent' when written.
                CREATE TABLE deliveries (
                    id                  uuid        PRIMARY KEY,
                    source_event_id     uuid        NOT NULL,
                    source_event_type   text        NOT NULL,
                    recipient_key       text        NOT NULL,
                    recipient_kind      text        NOT NULL CHECK (recipient_kind IN ('resident', 'official', 'centre', 'reception')),
                    channel             text        NOT NULL CHECK (channel IN ('email', 'centre')),
                    appeal_id           uuid,
                    registration_number text,
                    address             text,
                    centre_id           text,
                    language            text        NOT NULL,
                    template            text        NOT NULL,
                    subject             text        NOT NULL,
                    body                text        NOT NULL,
                    status              text        NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
                    attempts            integer     NOT NULL DEFAULT 0,
                    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
                    lease_token         uuid,
                    lease_until         timestamptz,
                    last_error          text,
                    created_at          timestamptz NOT NULL DEFAULT now(),
                    sent_at             timestamptz,
                    failed_at           timestamptz,
                    read_at             timestamptz,
                    UNIQUE (source_event_id, recipient_key),
                    CHECK (channel <> 'email' OR address IS NOT NULL OR status = 'failed'),
                    CHECK (channel <> 'centre' OR centre_id IS NOT NULL)
                );
                CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
                CREATE INDEX deliveries_centre ON deliveries (centre_id, created_at DESC) WHERE channel = 'centre';
                CREATE INDEX deliveries_appeal ON deliveries (appeal_id);
                """
        ),
        // The centre pages' server-side sessions (the web kit's `web_sessions`; version 90).
        WebMigrations.sessions,
    ]
}
