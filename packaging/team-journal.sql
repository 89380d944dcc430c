-- Fleetdeck's team journal in PostgreSQL (13 or later): run once, as the database's owner, in the database the
-- fleet file names ("journal": "postgresql://operator@host/db"). Fleetdeck itself creates nothing there: the roles
-- it logs in as may only INSERT and SELECT. Grant an operator the right with
--     CREATE ROLE "ops-1" LOGIN PASSWORD '...' IN ROLE fleetdeck_operator;
-- Every row says who made the change: the operator's account on the database (set by the server, whatever the
-- client sends), the workstation's name and the operator's name there.

CREATE TABLE fleetdeck_changes (
    id          bigserial PRIMARY KEY,
    entry_uuid  uuid        NOT NULL UNIQUE,  -- written once: an entry replayed after an outage is not stored twice
    session_id  uuid        NOT NULL,         -- one Fleetdeck window
    action_id   bigint      NOT NULL,
    time_ms     bigint      NOT NULL,         -- when Fleetdeck made the entry (ms since 1970, UTC)
    os_user     text        NOT NULL,
    workstation text        NOT NULL,
    account     text        NOT NULL,         -- the database role that stored it (session_user)
    gateway     text        NOT NULL,
    object      text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('attempt', 'result')),
    before      text,
    after       text,
    result      text        NOT NULL,
    answer      text,
    stored_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fleetdeck_changes_object ON fleetdeck_changes (gateway, object, time_ms);

-- Append-only, for every role including the owner: rows are never changed, deleted or truncated.
CREATE FUNCTION fleetdeck_changes_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the Fleetdeck journal is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER fleetdeck_changes_no_update BEFORE UPDATE OR DELETE ON fleetdeck_changes
    FOR EACH ROW EXECUTE FUNCTION fleetdeck_changes_refuse();
CREATE TRIGGER fleetdeck_changes_no_truncate BEFORE TRUNCATE ON fleetdeck_changes
    FOR EACH STATEMENT EXECUTE FUNCTION fleetdeck_changes_refuse();

-- Who stored a row is the server's word, not the client's.
CREATE FUNCTION fleetdeck_changes_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.account := session_user;
    NEW.stored_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER fleetdeck_changes_stamp BEFORE INSERT ON fleetdeck_changes
    FOR EACH ROW EXECUTE FUNCTION fleetdeck_changes_stamp();

-- Every stored row is announced to the other Fleetdeck windows (LISTEN fleetdeck_journal), with its id, at commit.
CREATE FUNCTION fleetdeck_changes_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('fleetdeck_journal', NEW.id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER fleetdeck_changes_announce AFTER INSERT ON fleetdeck_changes
    FOR EACH ROW EXECUTE FUNCTION fleetdeck_changes_announce();

DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fleetdeck_operator') THEN
        CREATE ROLE fleetdeck_operator NOLOGIN;
    END IF;
END $$;
REVOKE ALL ON fleetdeck_changes FROM PUBLIC;
GRANT SELECT, INSERT ON fleetdeck_changes TO fleetdeck_operator;
GRANT USAGE ON SEQUENCE fleetdeck_changes_id_seq TO fleetdeck_operator;
