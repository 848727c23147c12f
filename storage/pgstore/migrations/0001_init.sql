-- The tables of schema 1, one per bbolt bucket. Keys are real columns,
-- text in the "C" collation so that their order is byte order, as in
-- bbolt, and records are protobuf bytes (rec), sealed where boltstore
-- seals them (package pii). Uniqueness the allocation engine relies on is
-- the database's own: primary keys on every key and index.

CREATE TABLE meta (
    name  text COLLATE "C" PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE merchants (
    id  text COLLATE "C" PRIMARY KEY,
    rec bytea NOT NULL
);

CREATE TABLE merchants_by_credit_code (
    credit_code text COLLATE "C" PRIMARY KEY,
    merchant_id text COLLATE "C" NOT NULL
);
CREATE INDEX merchants_by_credit_code_merchant ON merchants_by_credit_code (merchant_id);

CREATE TABLE carriers (
    code text COLLATE "C" PRIMARY KEY,
    rec  bytea NOT NULL
);

CREATE TABLE carrier_authorizations (
    merchant_id text COLLATE "C",
    id          text COLLATE "C",
    rec         bytea NOT NULL,
    PRIMARY KEY (merchant_id, id)
);

CREATE TABLE api_keys (
    id  text COLLATE "C" PRIMARY KEY,
    rec bytea NOT NULL
);

CREATE TABLE api_keys_by_secret_hash (
    secret_hash bytea PRIMARY KEY,
    key_id      text COLLATE "C" NOT NULL
);

CREATE TABLE pools (
    carrier text COLLATE "C" PRIMARY KEY,
    rec     bytea NOT NULL
);

CREATE TABLE number_ranges (
    carrier      text COLLATE "C",
    first_serial bigint,
    rec          bytea NOT NULL,
    PRIMARY KEY (carrier, first_serial)
);

-- ready_ns is when the number's quarantine ends, in Unix nanoseconds.
CREATE TABLE reuse_queue (
    carrier  text COLLATE "C",
    ready_ns bigint,
    number   text COLLATE "C",
    PRIMARY KEY (carrier, ready_ns, number)
);

CREATE TABLE quotas (
    merchant_id text COLLATE "C",
    carrier     text COLLATE "C",
    rec         bytea NOT NULL,
    PRIMARY KEY (merchant_id, carrier)
);

CREATE TABLE ledger (
    merchant_id text COLLATE "C",
    carrier     text COLLATE "C",
    seq         bigint,
    rec         bytea NOT NULL,
    PRIMARY KEY (merchant_id, carrier, seq)
);

CREATE TABLE quota_requests (
    merchant_id text COLLATE "C",
    carrier     text COLLATE "C",
    request_id  text COLLATE "C",
    seq         bigint NOT NULL,
    PRIMARY KEY (merchant_id, carrier, request_id)
);

CREATE TABLE cancel_guards (
    merchant_id text COLLATE "C" PRIMARY KEY,
    rec         bytea NOT NULL
);

CREATE TABLE rate_limits (
    merchant_id text COLLATE "C" PRIMARY KEY,
    rec         bytea NOT NULL
);

-- The default rate limit: at most one row.
CREATE TABLE rate_limit_default (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    rec      bytea NOT NULL
);

CREATE TABLE waybills (
    merchant_id text COLLATE "C",
    id          text COLLATE "C",
    rec         bytea NOT NULL,
    PRIMARY KEY (merchant_id, id)
);

-- The latest waybill to hold each carrier's number: one per carrier and
-- number, whichever node issued it.
CREATE TABLE waybill_numbers (
    carrier     text COLLATE "C",
    number      text COLLATE "C",
    merchant_id text COLLATE "C" NOT NULL,
    waybill_id  text COLLATE "C" NOT NULL,
    PRIMARY KEY (carrier, number)
);
CREATE INDEX waybill_numbers_by_number ON waybill_numbers (number, carrier);

-- One waybill per allocation key, whichever node is asked. Keys join
-- their parts with NUL, which text cannot hold.
CREATE TABLE idempotency_keys (
    key         bytea PRIMARY KEY,
    merchant_id text COLLATE "C" NOT NULL,
    waybill_id  text COLLATE "C" NOT NULL
);

CREATE TABLE mapping_profiles (
    merchant_id text COLLATE "C",
    id          text COLLATE "C",
    rec         bytea NOT NULL,
    PRIMARY KEY (merchant_id, id)
);

CREATE TABLE routing_tables (
    carrier  text COLLATE "C" PRIMARY KEY,
    rec      bytea NOT NULL,
    revision bigint NOT NULL
);

CREATE TABLE label_templates (
    merchant_id text COLLATE "C" PRIMARY KEY,
    rec         bytea NOT NULL
);

CREATE TABLE print_jobs (
    merchant_id text COLLATE "C",
    id          text COLLATE "C",
    rec         bytea NOT NULL,
    PRIMARY KEY (merchant_id, id)
);

CREATE TABLE print_job_requests (
    merchant_id text COLLATE "C",
    request_id  text COLLATE "C",
    job_id      text COLLATE "C" NOT NULL,
    PRIMARY KEY (merchant_id, request_id)
);

CREATE TABLE audit_log (
    id  text COLLATE "C" PRIMARY KEY,
    rec bytea NOT NULL
);
