import HromadaPostgres
import HromadaWeb

/// The `routing` schema. Versions start at 100 (1–99 belong to the runtime's outbox and inbox, and
/// the web kit's sessions, version 90).
public enum RoutingMigrations {
    public static let all: [Migration] =
        [
            // The officials' web sessions (server-side rows, shared by replicas; sign-out deletes the row).
            WebMigrations.sessions,
            Migration(
                version: 100, name: "reference data, rules, appeals, tickets, officials, alerts",
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
                        district text
                    );
                    CREATE TABLE categories (
                        code text PRIMARY KEY,
                        name_uk text NOT NULL,
                        name_en text NOT NULL,
                        default_authority text NOT NULL,
                        term_days integer NOT NULL CHECK (term_days IN (15, 30))
                    );
                    CREATE TABLE rule_sets (
                        version integer PRIMARY KEY,
                        changed_by text NOT NULL,
                        changed_at timestamptz NOT NULL DEFAULT now()
                    );
                    CREATE TABLE rules (
                        version integer NOT NULL REFERENCES rule_sets (version),
                        position integer NOT NULL,
                        category text NOT NULL,
                        district text,
                        authority text NOT NULL,
                        PRIMARY KEY (version, position),
                        UNIQUE NULLS NOT DISTINCT (version, category, district)
                    );
                    -- What officials need from the appeal: routing's own copy (no service reads another's tables).
                    CREATE TABLE appeals (
                        appeal_id uuid PRIMARY KEY,
                        registration_number text NOT NULL,
                        kind text NOT NULL,
                        category text NOT NULL,
                        district text,
                        subject text NOT NULL,
                        body text NOT NULL,
                        author_name text NOT NULL,
                        author_address text NOT NULL,
                        author_email text,
                        author_phone text,
                        preferred_language text NOT NULL,
                        benefit_category text,
                        confidential boolean NOT NULL,
                        against text,
                        centre_id text,
                        repeat_of text,
                        location_address text,
                        channel text NOT NULL,
                        registered_at timestamptz NOT NULL,
                        source_event_id uuid NOT NULL
                    );
                    CREATE TABLE tickets (
                        id uuid PRIMARY KEY,
                        appeal_id uuid NOT NULL UNIQUE REFERENCES appeals (appeal_id),
                        registration_number text NOT NULL,
                        authority text NOT NULL,
                        status text NOT NULL CHECK (status IN ('assigned','accepted','forwarded','extended','answered','reopened','closed')),
                        priority boolean NOT NULL,
                        category text NOT NULL,
                        kind text NOT NULL,
                        subject text NOT NULL,
                        against text,
                        registered_at timestamptz NOT NULL,
                        registered_on date NOT NULL,
                        deadline date NOT NULL,
                        extended boolean NOT NULL DEFAULT false,
                        escalated boolean NOT NULL DEFAULT false,
                        outcome text,
                        answer_text text,
                        answered_at timestamptz,
                        closed_at timestamptz,
                        created_at timestamptz NOT NULL DEFAULT now(),
                        updated_at timestamptz NOT NULL DEFAULT now()
                    );
                    CREATE INDEX tickets_inbox ON tickets (authority, priority DESC, deadline, registered_at);
                    CREATE INDEX tickets_open_deadline ON tickets (deadline) WHERE status NOT IN ('answered', 'closed');
                    CREATE INDEX tickets_answered ON tickets (answered_at) WHERE status = 'answered';
                    CREATE TABLE ticket_history (
                        id bigserial PRIMARY KEY,
                        ticket_id uuid NOT NULL REFERENCES tickets (id),
                        at timestamptz NOT NULL,
                        action text NOT NULL,
                        actor text NOT NULL,
                        from_status text,
                        to_status text NOT NULL,
                        authority text NOT NULL,
                        note text
                    );
                    CREATE INDEX ticket_history_ticket ON ticket_history (ticket_id, id);
                    -- One row per ticket, threshold and deadline: the unique key is what makes every alert
                    -- exactly-once across replicas and restarts; an extended deadline is a new deadline.
                    CREATE TABLE alerts (
                        ticket_id uuid NOT NULL REFERENCES tickets (id),
                        kind text NOT NULL CHECK (kind IN ('deadline-approaching', 'overdue')),
                        deadline date NOT NULL,
                        raised_at timestamptz NOT NULL,
                        PRIMARY KEY (ticket_id, kind, deadline)
                    );
                    CREATE TABLE officials (
                        id uuid PRIMARY KEY,
                        name text NOT NULL,
                        authority text NOT NULL REFERENCES authorities (code),
                        role text NOT NULL CHECK (role IN ('official', 'reception', 'administrator')),
                        email text,
                        token_hash text UNIQUE,
                        active boolean NOT NULL DEFAULT true,
                        created_at timestamptz NOT NULL DEFAULT now(),
                        updated_at timestamptz NOT NULL DEFAULT now(),
                        UNIQUE (authority, name)
                    );
                    """),
            // Issue 20 (versions 200-219 are the handling side of the law).
            Migration(
                version: 200, name: "heads and deputies; the executive committee; the hierarchy of bodies",
                sql: """
                    ALTER TABLE officials DROP CONSTRAINT officials_role_check;
                    ALTER TABLE officials ADD CONSTRAINT officials_role_check
                        CHECK (role IN ('official', 'head', 'deputy', 'reception', 'administrator'));
                    INSERT INTO authorities (code, name_uk, name_en, district)
                    VALUES ('\(executive.code)', '\(executive.nameUk.replacingOccurrences(of: "'", with: "''"))',
                        '\(executive.nameEn)', NULL)
                    ON CONFLICT (code) DO NOTHING;
                    -- Who stands above whom (Art. 16): one row per body that has a body above it.
                    CREATE TABLE authority_hierarchy (
                        code text PRIMARY KEY,
                        parent text NOT NULL,
                        CHECK (code <> parent)
                    );
                    \(hierarchySeedSQL)
                    """),
            Migration(
                version: 210, name: "drafts awaiting the head's signature; Art. 15 and 17 flags; terms from arrival",
                sql: """
                    ALTER TABLE tickets ADD COLUMN terms_start_on date;
                    ALTER TABLE tickets ADD COLUMN draft jsonb;
                    ALTER TABLE tickets ADD COLUMN head_personally boolean NOT NULL DEFAULT false;
                    ALTER TABLE tickets ADD COLUMN complaint_term_missed date;
                    -- The heads' queue: tickets of an authority with a draft waiting for a signature.
                    CREATE INDEX tickets_drafts ON tickets (authority) WHERE draft IS NOT NULL;
                    """),
        ] + InboxMigrations.all

    static var executive: AuthorityHierarchy.Body { AuthorityHierarchy.executiveCommittee }

    /// The Mykolaiv seed of `AuthorityHierarchy` as INSERTs (codes are ASCII slugs).
    static var hierarchySeedSQL: String {
        AuthorityHierarchy.seed.parents.sorted { $0.key < $1.key }
            .map { "INSERT INTO authority_hierarchy (code, parent) VALUES ('\($0.key)', '\($0.value)');" }
            .joined(separator: "\n")
    }
}
