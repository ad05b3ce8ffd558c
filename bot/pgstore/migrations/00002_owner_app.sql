-- +goose Up

-- The one GitHub App whose replicas share this database. Work rows, cursors,
-- locks and redelivery marks are not scoped to an App, so a second App (a
-- staging App, say) must use a database of its own; Open refuses otherwise.
CREATE TABLE tiergate_app (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    app_id     bigint      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE tiergate_app;
