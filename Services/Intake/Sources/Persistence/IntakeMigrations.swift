import HromadaPostgres

/// The intake schema. Versions start at 100 (1–99 are the runtime's outbox and inbox).
public enum IntakeMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 100, name: "reference data",
            sql: """
                CREATE TABLE districts (
                    code text PRIMARY KEY,
                    name_uk text NOT NULL,
                    name_en text NOT NULL
                );
                CREATE TABLE authorities (
                    code text PRIMARY KEY,
                    name_uk text NOT NULL,
                    name_en text NOT NULL,
                    district text REFERENCES districts(code)
                );
                CREATE TABLE categories (
                    code text PRIMARY KEY,
                    name_uk text NOT NULL,
                    name_en text NOT NULL,
                    description_uk text NOT NULL,
                    description_en text NOT NULL,
                    default_authority text NOT NULL REFERENCES authorities(code),
                    term_days int NOT NULL CHECK (term_days IN (15, 30)),
                    position int NOT NULL DEFAULT 0
                );
                """),
        Migration(
            version: 101, name: "centres",
            sql: """
                CREATE TABLE centres (
                    id text PRIMARY KEY,
                    name text NOT NULL,
                    address text NOT NULL,
                    key_hash text NOT NULL UNIQUE,
                    active boolean NOT NULL DEFAULT true,
                    updated_at timestamptz NOT NULL DEFAULT now()
                );
                """),
        Migration(
            version: 102, name: "appeals",
            sql: """
                CREATE TABLE registration_counter (
                    year int PRIMARY KEY,
                    last int NOT NULL
                );
                CREATE TABLE appeals (
                    id uuid PRIMARY KEY,
                    registration_number text NOT NULL UNIQUE,
                    registered_at timestamptz NOT NULL,
                    registered_on date NOT NULL,
                    channel text NOT NULL,
                    centre_id text,
                    assisted_by text,
                    kind text NOT NULL,
                    category text NOT NULL,
                    district text,
                    author_key text NOT NULL,
                    full_name text NOT NULL,
                    address text NOT NULL,
                    email text,
                    phone text,
                    preferred_language text NOT NULL,
                    benefit_category text,
                    subject text NOT NULL,
                    body text NOT NULL,
                    confidential boolean NOT NULL,
                    against text,
                    lat double precision,
                    lon double precision,
                    location_address text,
                    is_repeat boolean NOT NULL DEFAULT false,
                    repeat_of text,
                    tracking_token_hash text NOT NULL,
                    status text NOT NULL DEFAULT 'registered',
                    authority text,
                    deadline date,
                    last_event_at timestamptz,
                    updated_at timestamptz NOT NULL
                );
                CREATE INDEX appeals_repeat_idx ON appeals (author_key, category, registered_at);
                CREATE INDEX appeals_registered_at_idx ON appeals (registered_at);
                CREATE TABLE appeal_history (
                    seq bigserial PRIMARY KEY,
                    appeal_id uuid NOT NULL REFERENCES appeals(id),
                    event_id uuid UNIQUE,
                    event_type text NOT NULL,
                    status text NOT NULL,
                    authority text,
                    deadline date,
                    note text,
                    occurred_at timestamptz NOT NULL
                );
                CREATE INDEX appeal_history_appeal_idx ON appeal_history (appeal_id, occurred_at);
                CREATE TABLE idempotency_keys (
                    centre_id text NOT NULL,
                    key text NOT NULL,
                    request_hash text NOT NULL,
                    response text,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (centre_id, key)
                );
                """),
        Migration(
            version: 103, name: "idempotency keys expire",
            sql: """
                CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
                """),
        // Issue 20 (intake's range 200-219): the classifier of Resolution 858, collective appeals,
        // representatives, personal receptions, late paper, consents. Older rows keep NULLs.
        Migration(
            version: 200, name: "registration side of the law",
            sql: """
                ALTER TABLE appeals
                    ADD COLUMN arrival text,
                    ADD COLUMN frequency text,
                    ADD COLUMN collective boolean NOT NULL DEFAULT false,
                    ADD COLUMN social_category text,
                    ADD COLUMN duplicate_of text,
                    ADD COLUMN co_signers jsonb,
                    ADD COLUMN representative jsonb,
                    ADD COLUMN reception jsonb,
                    ADD COLUMN received_on date,
                    ADD COLUMN entered_by text,
                    ADD COLUMN terms_start_on date,
                    ADD COLUMN publication_consent boolean NOT NULL DEFAULT false;
                """),
        // Issue 12/13 (intake's range 400-409): librarians' personal accounts; an appeal registered
        // at the form names the account (`registered_by`), never a typed-in name.
        Migration(
            version: 400, name: "librarians",
            sql: """
                CREATE TABLE librarians (
                    id uuid PRIMARY KEY,
                    centre_id text NOT NULL REFERENCES centres (id),
                    login text NOT NULL,
                    password_hash text NOT NULL,
                    active boolean NOT NULL DEFAULT true,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    UNIQUE (centre_id, login)
                );
                ALTER TABLE appeals ADD COLUMN registered_by uuid REFERENCES librarians (id);
                """),
        // Issue 15 (intake's range 240-249): the link an Open311 client sends with a request
        // (`media_url`), kept as given and never fetched; shown only while the appeal is published.
        Migration(
            version: 240, name: "open311 media links",
            sql: """
                CREATE TABLE open311_media (
                    registration_number text PRIMARY KEY
                        REFERENCES appeals (registration_number) ON DELETE CASCADE,
                    url text NOT NULL CHECK (length(url) <= 2000 AND url ~* '^https?://')
                );
                """),
        // Issue 16 (intake's range 870-879): the mass check (`AppealRecords.otherAuthorsOnIssue`)
        // reads a category's newest appeals of the last 30 days. Without this index it walked every
        // category's 30 days and sorted them (BENCHMARKS.md, "Where an appeal's time goes": 5.8 ms
        // of database CPU per registration, 3.1 ms with the index).
        Migration(
            version: 870, name: "appeals by category, newest first",
            sql: "CREATE INDEX appeals_category_registered_at_idx ON appeals (category, registered_at);"),
        // Issue 16 (intake's range 880-899): the mass check reads only each candidate's id and author
        // key (their texts' trigrams are kept in memory, `MassCandidateCache`), but from `appeals` that
        // still meant one wide heap row per candidate, ~460 pages for 500 of them. This narrow copy of
        // the four columns packs them ~60 to a page. A trigger keeps it (every insert, however made,
        // and erasure's new author key), so it can never disagree with `appeals`; the existing rows
        // are copied once here. No foreign key: appeals are never deleted, and it would cost a lookup
        // per registration.
        Migration(
            version: 880, name: "mass check candidates",
            sql: """
                CREATE TABLE mass_candidates (
                    appeal_id     uuid        PRIMARY KEY,
                    category      text        NOT NULL,
                    registered_at timestamptz NOT NULL,
                    author_key    text        NOT NULL
                );
                CREATE INDEX mass_candidates_recent ON mass_candidates (category, registered_at);
                CREATE FUNCTION mass_candidates_follow() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'INSERT' THEN
                        INSERT INTO mass_candidates (appeal_id, category, registered_at, author_key)
                        VALUES (NEW.id, NEW.category, NEW.registered_at, NEW.author_key);
                    ELSE
                        UPDATE mass_candidates
                        SET category = NEW.category, registered_at = NEW.registered_at, author_key = NEW.author_key
                        WHERE appeal_id = NEW.id;
                    END IF;
                    RETURN NULL;
                END
                $$;
                CREATE TRIGGER appeals_mass_candidates
                    AFTER INSERT OR UPDATE OF category, registered_at, author_key ON appeals
                    FOR EACH ROW EXECUTE FUNCTION mass_candidates_follow();
                INSERT INTO mass_candidates (appeal_id, category, registered_at, author_key)
                SELECT id, category, registered_at, author_key FROM appeals;
                """),
    ]
}
