-- +goose Up

-- Hardening of the decision ledger (00003 may already be applied, so it is
-- changed here, not there).

-- The minimum retention, set only by the tables' owner: `tiergate migrate`
-- (or `tiergate serve` when it runs as the owner) writes
-- TIERGATE_LEDGER_RETENTION here. tiergate_ledger_prune refuses a shorter
-- retention, so a role allowed to prune (tiergate's own) cannot choose to
-- delete younger evidence than the owner configured. NULL: the owner has
-- set none, and nothing is pruned. No role but the owner is granted
-- anything on this table.
CREATE TABLE tiergate_ledger_settings (
    singleton     boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    min_retention interval    CHECK (min_retention >= interval '1 day'),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tiergate_ledger_settings (min_retention) VALUES (NULL);
REVOKE ALL ON tiergate_ledger_settings FROM PUBLIC;

-- Merges are keyed on the repository's ID: a repository deleted (or
-- renamed) and created again under the same name starts its numbers at 1,
-- and its merges are other merges. Rows recorded before this migration
-- have no ID and keep the old key among themselves.
ALTER TABLE tiergate_ledger_merges ADD COLUMN repository_id bigint;
DROP INDEX tiergate_ledger_merges_pr;
CREATE UNIQUE INDEX tiergate_ledger_merges_pr ON tiergate_ledger_merges (lower(owner), lower(repo), number)
    WHERE repository_id IS NULL;
CREATE UNIQUE INDEX tiergate_ledger_merges_repository ON tiergate_ledger_merges (repository_id, number)
    WHERE repository_id IS NOT NULL;

-- The prune: refuses a retention under the owner's minimum. SECURITY
-- DEFINER (it runs as the owner), so its search_path is pinned with
-- pg_temp last (a caller's temporary table must not stand in for a ledger
-- table) and only roles granted EXECUTE may call it.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tiergate_ledger_prune(retention interval, OUT verdicts bigint, OUT merges bigint)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    cutoff timestamptz := now() - retention;
    min_kept interval;
BEGIN
    IF retention IS NULL OR cutoff > now() - interval '1 day' THEN
        RAISE EXCEPTION 'ledger retention must be at least 1 day, got %', retention;
    END IF;
    SELECT s.min_retention INTO min_kept FROM tiergate_ledger_settings s WHERE s.singleton;
    IF min_kept IS NULL THEN
        RAISE EXCEPTION 'the ledger has no minimum retention: nothing is pruned'
            USING HINT = 'The database owner sets it: run `tiergate migrate` as the owner with TIERGATE_LEDGER_RETENTION set.';
    END IF;
    IF cutoff > now() - min_kept THEN
        RAISE EXCEPTION 'ledger retention % is under the minimum retention % the database owner set', retention, min_kept
            USING HINT = 'The database owner changes it: run `tiergate migrate` as the owner with TIERGATE_LEDGER_RETENTION set.';
    END IF;
    PERFORM set_config('tiergate.ledger_prune_before', cutoff::text, true);
    DELETE FROM tiergate_ledger_merges WHERE recorded_at < cutoff;
    GET DIAGNOSTICS merges = ROW_COUNT;
    DELETE FROM tiergate_ledger_verdicts v WHERE v.recorded_at < cutoff
        AND NOT EXISTS (SELECT 1 FROM tiergate_ledger_merges m WHERE m.verdict_id = v.id);
    GET DIAGNOSTICS verdicts = ROW_COUNT;
    PERFORM set_config('tiergate.ledger_prune_before', '', true);
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
    schema text;
BEGIN
    SELECT n.nspname INTO schema FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.oid = 'tiergate_ledger_prune(interval)'::regprocedure;
    EXECUTE format('ALTER FUNCTION tiergate_ledger_prune(interval) SET search_path = pg_catalog, %I, pg_temp', schema);
END
$$;
-- +goose StatementEnd
REVOKE EXECUTE ON FUNCTION tiergate_ledger_prune(interval) FROM PUBLIC;

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tiergate_ledger_prune(retention interval, OUT verdicts bigint, OUT merges bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    cutoff timestamptz := now() - retention;
BEGIN
    IF retention IS NULL OR retention < interval '1 day' THEN
        RAISE EXCEPTION 'ledger retention must be at least 1 day, got %', retention;
    END IF;
    PERFORM set_config('tiergate.ledger_prune_before', cutoff::text, true);
    DELETE FROM tiergate_ledger_merges WHERE recorded_at < cutoff;
    GET DIAGNOSTICS merges = ROW_COUNT;
    DELETE FROM tiergate_ledger_verdicts v WHERE v.recorded_at < cutoff
        AND NOT EXISTS (SELECT 1 FROM tiergate_ledger_merges m WHERE m.verdict_id = v.id);
    GET DIAGNOSTICS verdicts = ROW_COUNT;
    PERFORM set_config('tiergate.ledger_prune_before', '', true);
END
$$;
-- +goose StatementEnd
DROP INDEX tiergate_ledger_merges_repository;
DROP INDEX tiergate_ledger_merges_pr;
-- Fails if two rows now share the old key (a recreated repository's merge):
-- the ledger is append-only, so going down would lose evidence.
CREATE UNIQUE INDEX tiergate_ledger_merges_pr ON tiergate_ledger_merges (lower(owner), lower(repo), number);
ALTER TABLE tiergate_ledger_merges DROP COLUMN repository_id;
DROP TABLE tiergate_ledger_settings;
GRANT EXECUTE ON FUNCTION tiergate_ledger_prune(interval) TO PUBLIC;
