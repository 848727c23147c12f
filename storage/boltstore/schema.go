package boltstore

import "github.com/ewaybill/ewaybill/storage/pii"

// The fixed registry of buckets. Every bucket is created when the file is
// first initialised; a bucket is never renamed, only added with a schema
// version bump. The tables holding personal data take their names from
// package pii, which binds each sealed value to its table's name.
var (
	bucketMeta                  = []byte("meta")
	bucketMerchants             = pii.Merchants.Table
	bucketMerchantsByCreditCode = []byte("merchants_by_credit_code")
	bucketCarriers              = []byte("carriers")
	bucketAuthorizations        = []byte("carrier_authorizations")
	bucketAPIKeys               = []byte("api_keys")
	bucketAPIKeysBySecretHash   = []byte("api_keys_by_secret_hash")

	// Added in schema 2: the allocation engine.
	bucketPools           = []byte("pools")
	bucketNumberRanges    = []byte("number_ranges")
	bucketReuseQueue      = []byte("reuse_queue")
	bucketQuotas          = []byte("quotas")
	bucketLedger          = []byte("ledger")
	bucketQuotaRequests   = []byte("quota_requests")
	bucketCancelGuards    = []byte("cancel_guards")
	bucketWaybills        = pii.Waybills.Table
	bucketWaybillNumbers  = []byte("waybill_numbers")
	bucketIdempotencyKeys = []byte("idempotency_keys")

	// Added in schema 3: field mapping.
	bucketMappingProfiles = pii.MappingProfiles.Table

	// Added in schema 4: labels.
	bucketRoutingTables    = []byte("routing_tables")
	bucketLabelTemplates   = []byte("label_templates")
	bucketPrintJobs        = []byte("print_jobs")
	bucketPrintJobRequests = []byte("print_job_requests")
	bucketAuditLog         = []byte("audit_log")

	// Added in schema 6: request-rate limits.
	bucketRateLimits = []byte("rate_limits")

	// Added in schema 7: segments of serials leased to serving nodes.
	bucketNumberSegments = []byte("number_segments")

	allBuckets = [][]byte{
		bucketMeta, bucketMerchants, bucketMerchantsByCreditCode, bucketCarriers,
		bucketAuthorizations, bucketAPIKeys, bucketAPIKeysBySecretHash,
		bucketPools, bucketNumberRanges, bucketReuseQueue, bucketQuotas, bucketLedger,
		bucketQuotaRequests, bucketCancelGuards, bucketWaybills, bucketWaybillNumbers,
		bucketIdempotencyKeys, bucketMappingProfiles,
		bucketRoutingTables, bucketLabelTemplates, bucketPrintJobs, bucketPrintJobRequests, bucketAuditLog,
		bucketRateLimits, bucketNumberSegments,
	}

	keySchemaVersion = []byte("schema_version")
	// keyPIIKeyIDs lists, one a line, the ids of the keys records may be
	// sealed with (schema 5).
	keyPIIKeyIDs = []byte("pii_key_ids")
)

// SchemaVersion is the layout this binary writes. Opening a file written
// with a newer version is refused: an older binary could corrupt it.
//
// History: 1 foundation; 2 adds the allocation engine's buckets; 3 adds
// mapping profiles; 4 adds routing tables, label templates, print jobs
// and the audit log; 5 seals personal data (pii.go), which an older
// binary would read as absent; 6 adds rate limits; 7 adds number
// segments, without which an older binary would issue leased serials
// again. An older file is upgraded in place by
// creating the buckets; records written in clear read as they are.
const SchemaVersion uint64 = 7
