package boltstore

// The fixed registry of buckets. Every bucket is created when the file is
// first initialised; a bucket is never renamed, only added with a schema
// version bump.
var (
	bucketMeta                  = []byte("meta")
	bucketMerchants             = []byte("merchants")
	bucketMerchantsByCreditCode = []byte("merchants_by_credit_code")
	bucketCarriers              = []byte("carriers")
	bucketAuthorizations        = []byte("carrier_authorizations")
	bucketAPIKeys               = []byte("api_keys")
	bucketAPIKeysBySecretHash   = []byte("api_keys_by_secret_hash")

	allBuckets = [][]byte{
		bucketMeta, bucketMerchants, bucketMerchantsByCreditCode, bucketCarriers,
		bucketAuthorizations, bucketAPIKeys, bucketAPIKeysBySecretHash,
	}

	keySchemaVersion = []byte("schema_version")
)

// SchemaVersion is the layout this binary writes. Opening a file written
// with a newer version is refused: an older binary could corrupt it.
const SchemaVersion uint64 = 1
