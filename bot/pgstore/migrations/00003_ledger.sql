-- +goose Up

-- The decision ledger (bot/ledger): every verdict tiergate wrote to GitHub and
-- every merge, kept as evidence. The verdict itself is stored as the documented
-- JSON (rules.JSON, schema_version 1) so fields added to that contract need no
-- migration; the scalar columns are copies of what queries filter and join on.
CREATE TABLE tiergate_ledger_verdicts (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recorded_at        timestamptz NOT NULL DEFAULT now(),
    installation_id    bigint      NOT NULL,
    owner              text        NOT NULL,
    repo               text        NOT NULL,
    number             integer     NOT NULL,
    head_sha           text        NOT NULL,
    base_sha           text        NOT NULL, -- '' when GitHub did not say
    base_ref           text        NOT NULL,
    -- verdict: the engine's; failure: "could not evaluate" after retries.
    kind               text        NOT NULL CHECK (kind IN ('verdict', 'failure')),
    status             text        NOT NULL, -- the check run's status as written
    conclusion         text,                 -- NULL until completed
    tier               text,                 -- NULL when no tier was decided
    mode               text,                 -- enforce or report; NULL for a failure
    title              text        NOT NULL,
    check_run_id       bigint      NOT NULL,
    config_fingerprint text,                 -- cfg1:<org blob>:<repo blob>; NULL for a failure
    org_config_sha     text,                 -- NULL when the file is absent (or unknown)
    repo_config_sha    text,
    config             jsonb       NOT NULL, -- each layer: layer, repository, ref, path, blob_sha
    delivery_id        text        NOT NULL, -- '' for work no delivery caused (the sweep)
    event              text        NOT NULL,
    verdict            jsonb       NOT NULL
);
CREATE INDEX tiergate_ledger_verdicts_pr ON tiergate_ledger_verdicts (lower(owner), lower(repo), number, id);
CREATE INDEX tiergate_ledger_verdicts_head ON tiergate_ledger_verdicts (head_sha);
CREATE INDEX tiergate_ledger_verdicts_recorded_at ON tiergate_ledger_verdicts (recorded_at);
CREATE INDEX tiergate_ledger_verdicts_check_run ON tiergate_ledger_verdicts (check_run_id);
CREATE INDEX tiergate_ledger_verdicts_delivery ON tiergate_ledger_verdicts (delivery_id);
CREATE INDEX tiergate_ledger_verdicts_installation ON tiergate_ledger_verdicts (installation_id);
CREATE INDEX tiergate_ledger_verdicts_org_config ON tiergate_ledger_verdicts (org_config_sha);
CREATE INDEX tiergate_ledger_verdicts_repo_config ON tiergate_ledger_verdicts (repo_config_sha);

-- One row per merged pull request, with the verdict that stood on its head.
CREATE TABLE tiergate_ledger_merges (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recorded_at        timestamptz NOT NULL DEFAULT now(),
    installation_id    bigint      NOT NULL,
    owner              text        NOT NULL,
    repo               text        NOT NULL,
    number             integer     NOT NULL,
    title              text        NOT NULL,
    author             text        NOT NULL,
    url                text        NOT NULL, -- the pull request's html_url as GitHub sent it
    pr_created_at      timestamptz NOT NULL,
    merged_at          timestamptz NOT NULL,
    merged_by          text        NOT NULL, -- '' when GitHub did not say
    merge_commit_sha   text        NOT NULL,
    head_sha           text        NOT NULL,
    base_sha           text        NOT NULL,
    base_ref           text        NOT NULL,
    -- The verdict that stood: the newest ledger row for this pull request
    -- and head when the merge was recorded; NULL when there was none.
    verdict_id         bigint      REFERENCES tiergate_ledger_verdicts (id),
    check_run_id       bigint,
    status             text,
    conclusion         text,
    tier               text,
    overridden_gates   text[]      NOT NULL DEFAULT '{}',
    bypass             boolean     NOT NULL,
    bypass_reason      text        NOT NULL,
    delivery_id        text        NOT NULL
);
-- A pull request is merged once; a redelivered event records nothing more.
CREATE UNIQUE INDEX tiergate_ledger_merges_pr ON tiergate_ledger_merges (lower(owner), lower(repo), number);
CREATE INDEX tiergate_ledger_merges_merged_at ON tiergate_ledger_merges (merged_at);
CREATE INDEX tiergate_ledger_merges_recorded_at ON tiergate_ledger_merges (recorded_at);
CREATE INDEX tiergate_ledger_merges_verdict ON tiergate_ledger_merges (verdict_id);

-- Append-only. Every UPDATE and DELETE is refused, except a DELETE made while
-- tiergate_ledger_prune has declared its cutoff in this transaction, of a row
-- recorded before that cutoff, which must itself be at least a day old. A
-- role could declare a cutoff itself, with set_config, but it then deletes
-- only what the prune would have deleted with the same retention; rows of
-- the last day cannot be deleted at all. The table owner (or a superuser) can
-- still disable or drop the triggers: this protects the evidence from
-- tiergate's own bugs and from roles granted only INSERT and SELECT, not from
-- the database's owner.
-- +goose StatementBegin
CREATE FUNCTION tiergate_ledger_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cutoff timestamptz;
BEGIN
    IF TG_OP = 'DELETE' THEN
        cutoff := nullif(current_setting('tiergate.ledger_prune_before', true), '')::timestamptz;
        IF cutoff IS NOT NULL AND cutoff <= now() - interval '1 day' AND OLD.recorded_at < cutoff THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'the tiergate ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation',
              HINT = 'Old rows are deleted only by tiergate_ledger_prune (TIERGATE_LEDGER_RETENTION).';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER tiergate_ledger_verdicts_append_only BEFORE UPDATE OR DELETE ON tiergate_ledger_verdicts
    FOR EACH ROW EXECUTE FUNCTION tiergate_ledger_refuse();
CREATE TRIGGER tiergate_ledger_verdicts_no_truncate BEFORE TRUNCATE ON tiergate_ledger_verdicts
    FOR EACH STATEMENT EXECUTE FUNCTION tiergate_ledger_refuse();
CREATE TRIGGER tiergate_ledger_merges_append_only BEFORE UPDATE OR DELETE ON tiergate_ledger_merges
    FOR EACH ROW EXECUTE FUNCTION tiergate_ledger_refuse();
CREATE TRIGGER tiergate_ledger_merges_no_truncate BEFORE TRUNCATE ON tiergate_ledger_merges
    FOR EACH STATEMENT EXECUTE FUNCTION tiergate_ledger_refuse();

-- The one path that deletes: rows recorded more than retention ago (at least
-- a day). A verdict that a kept merge stands on is kept with it. SECURITY
-- DEFINER so that a deployment can grant tiergate's role only INSERT and
-- SELECT on the ledger tables and EXECUTE on this function; search_path is
-- pinned to the one the tables were created in.
-- +goose StatementBegin
CREATE FUNCTION tiergate_ledger_prune(retention interval, OUT verdicts bigint, OUT merges bigint)
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

-- +goose Down
DROP FUNCTION tiergate_ledger_prune(interval);
DROP TABLE tiergate_ledger_merges;
DROP TABLE tiergate_ledger_verdicts;
DROP FUNCTION tiergate_ledger_refuse();
