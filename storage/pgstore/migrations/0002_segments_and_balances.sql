-- Schema 2. Segments of serials leased to serving nodes (see the
-- NumberSegment message): each node issues from its own rows, so nodes do
-- not all write the carrier's pool and range rows for every number.
CREATE TABLE number_segments (
    carrier      text COLLATE "C",
    first_serial bigint,
    rec          bytea NOT NULL,
    PRIMARY KEY (carrier, first_serial)
);

-- A quota's available balance as a column of its own, so the database
-- itself refuses a write that would take it below zero, whatever the
-- interleaving of nodes. Rows written before this step hold NULL until
-- their next change.
ALTER TABLE quotas ADD COLUMN available bigint CHECK (available >= 0);
