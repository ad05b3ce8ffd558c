-- +goose Up

-- Deliveries already accepted, scoped to the GitHub App that received them, so a
-- delivery redelivered to any replica is recognised. Pruned after a retention.
CREATE TABLE tiergate_deliveries (
    app_id      bigint      NOT NULL,
    delivery_id text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (app_id, delivery_id)
);
CREATE INDEX tiergate_deliveries_received_at ON tiergate_deliveries (received_at);

-- One row per unit of work (a pull request, a commit, a config change). A newer
-- event bumps generation; a worker holds the row through a lease and deletes it
-- only if the generation it claimed is still current.
CREATE TABLE tiergate_work (
    key                text        PRIMARY KEY,
    kind               text        NOT NULL,
    installation_id    bigint      NOT NULL,
    owner              text        NOT NULL,
    repo               text        NOT NULL,
    number             integer     NOT NULL,
    head_sha           text        NOT NULL,
    delivery_id        text        NOT NULL,
    event              text        NOT NULL,
    require_write_from text        NOT NULL,
    generation         bigint      NOT NULL DEFAULT 1,
    attempts           integer     NOT NULL DEFAULT 0,
    last_error         text        NOT NULL DEFAULT '',
    due_at             timestamptz NOT NULL,
    lease_owner        text        NOT NULL DEFAULT '',
    lease_seq          bigint      NOT NULL DEFAULT 0,
    lease_until        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tiergate_work_due_at ON tiergate_work (due_at);

-- Small named strings kept across runs and replicas (e.g. where the delivery
-- log scan stopped).
CREATE TABLE tiergate_cursors (
    name       text        PRIMARY KEY,
    value      text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Keys that must be acted on once across all replicas (e.g. one redelivery
-- request per failed delivery).
CREATE TABLE tiergate_once (
    key        text        PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tiergate_once_created_at ON tiergate_once (created_at);

-- +goose Down
DROP TABLE tiergate_once;
DROP TABLE tiergate_cursors;
DROP TABLE tiergate_work;
DROP TABLE tiergate_deliveries;
