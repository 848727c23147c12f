package boltstore

import (
	"bytes"

	bolt "go.etcd.io/bbolt"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage"
)

// tx adapts one bbolt transaction to storage.Tx. One tx serves one
// function: a group commit runs each of its functions with a tx of its
// own, one after another, in the same bbolt transaction.
type tx struct {
	btx *bolt.Tx
	// keys seal and open personal data; nil only in a read-only store
	// opened without keys, where personal data stays sealed.
	keys *sealing.Keyring

	// The tables an allocation asks for once per number, made on first
	// use, and what they remember within this tx (see idempotencyKeys
	// and ledger).
	waybills *waybills
	idem     *idempotencyKeys
	ledger   *ledger
}

func (t *tx) Merchants() storage.Merchants {
	return merchants{
		table:        newPersonalTable(t, merchantPII, func() *ewaybillv1.Merchant { return new(ewaybillv1.Merchant) }),
		byCreditCode: bucket(t.btx, bucketMerchantsByCreditCode),
	}
}

func (t *tx) Carriers() storage.Carriers {
	return carriers{newTable(t.btx, bucketCarriers, func() *ewaybillv1.Carrier { return new(ewaybillv1.Carrier) })}
}

func (t *tx) CarrierAuthorizations() storage.CarrierAuthorizations {
	return authorizations{newTable(t.btx, bucketAuthorizations, func() *ewaybillv1.CarrierAuthorization { return new(ewaybillv1.CarrierAuthorization) })}
}

func (t *tx) APIKeys() storage.APIKeys {
	return apiKeys{
		table:  newTable(t.btx, bucketAPIKeys, func() *ewaybillv1.ApiKey { return new(ewaybillv1.ApiKey) }),
		byHash: bucket(t.btx, bucketAPIKeysBySecretHash),
	}
}

func (t *tx) Pools() storage.Pools {
	return pools{newTable(t.btx, bucketPools, func() *ewaybillv1.Pool { return new(ewaybillv1.Pool) })}
}

func (t *tx) NumberRanges() storage.NumberRanges {
	return numberRanges{bySerial[*ewaybillv1.NumberRange]{newTable(t.btx, bucketNumberRanges, func() *ewaybillv1.NumberRange { return new(ewaybillv1.NumberRange) })}}
}

func (t *tx) NumberSegments() storage.NumberSegments {
	return numberSegments{bySerial[*ewaybillv1.NumberSegment]{newTable(t.btx, bucketNumberSegments, func() *ewaybillv1.NumberSegment { return new(ewaybillv1.NumberSegment) })}}
}

func (t *tx) ReuseQueue() storage.ReuseQueue { return reuseQueue{bucket(t.btx, bucketReuseQueue)} }

func (t *tx) Quotas() storage.Quotas {
	return quotas{newTable(t.btx, bucketQuotas, func() *ewaybillv1.Quota { return new(ewaybillv1.Quota) })}
}

func (t *tx) Ledger() storage.Ledger {
	if t.ledger == nil {
		t.ledger = &ledger{table: newTable(t.btx, bucketLedger, func() *ewaybillv1.LedgerEntry { return new(ewaybillv1.LedgerEntry) })}
	}
	return t.ledger
}

func (t *tx) QuotaRequests() storage.QuotaRequests {
	return quotaRequests{bucket(t.btx, bucketQuotaRequests)}
}

func (t *tx) CancelGuards() storage.CancelGuards {
	return cancelGuards{newTable(t.btx, bucketCancelGuards, func() *ewaybillv1.CancelGuard { return new(ewaybillv1.CancelGuard) })}
}

func (t *tx) RateLimits() storage.RateLimits {
	return rateLimits{newTable(t.btx, bucketRateLimits, func() *ewaybillv1.RateLimit { return new(ewaybillv1.RateLimit) })}
}

func (t *tx) Waybills() storage.Waybills {
	if t.waybills == nil {
		t.waybills = &waybills{
			table:   newPersonalTable(t, waybillPII, func() *ewaybillv1.Waybill { return new(ewaybillv1.Waybill) }),
			numbers: bucket(t.btx, bucketWaybillNumbers),
		}
	}
	return t.waybills
}

func (t *tx) IdempotencyKeys() storage.IdempotencyKeys {
	if t.idem == nil {
		t.idem = &idempotencyKeys{b: bucket(t.btx, bucketIdempotencyKeys), writable: t.btx.Writable()}
	}
	return t.idem
}

func (t *tx) MappingProfiles() storage.MappingProfiles {
	return mappingProfiles{newPersonalTable(t, mappingProfilePII, func() *ewaybillv1.MappingProfile { return new(ewaybillv1.MappingProfile) })}
}

type mappingProfiles struct {
	table table[*ewaybillv1.MappingProfile]
}

func (m mappingProfiles) Get(merchantID, id string) (*ewaybillv1.MappingProfile, error) {
	return m.table.get([]byte(merchantID + "/" + id))
}

func (m mappingProfiles) Put(merchantID, id string, p *ewaybillv1.MappingProfile) error {
	return m.table.put([]byte(merchantID+"/"+id), p)
}

func (m mappingProfiles) Delete(merchantID, id string) error {
	key := []byte(merchantID + "/" + id)
	if m.table.b.Get(key) == nil {
		return storage.ErrNotFound
	}
	return m.table.b.Delete(key)
}

func (m mappingProfiles) List(merchantID string, p storage.Page[*ewaybillv1.MappingProfile]) ([]*ewaybillv1.MappingProfile, string, error) {
	prefix := []byte(merchantID + "/")
	return m.table.list(prefix, scoped(prefix, p))
}

type merchants struct {
	table        table[*ewaybillv1.Merchant]
	byCreditCode *bolt.Bucket
}

func (m merchants) Get(id string) (*ewaybillv1.Merchant, error) { return m.table.get([]byte(id)) }

func (m merchants) IDByCreditCode(code string) (string, error) {
	id := m.byCreditCode.Get([]byte(code))
	if id == nil {
		return "", storage.ErrNotFound
	}
	return string(id), nil
}

func (m merchants) Put(id string, v *ewaybillv1.Merchant) error {
	if old, err := m.table.get([]byte(id)); err == nil {
		if oldCode := old.GetQualification().GetCreditCode(); oldCode != v.GetQualification().GetCreditCode() {
			if err := m.byCreditCode.Delete([]byte(oldCode)); err != nil {
				return err
			}
		}
	}
	if code := v.GetQualification().GetCreditCode(); code != "" {
		if err := m.byCreditCode.Put([]byte(code), []byte(id)); err != nil {
			return err
		}
	}
	return m.table.put([]byte(id), v)
}

func (m merchants) List(p storage.Page[*ewaybillv1.Merchant]) ([]*ewaybillv1.Merchant, string, error) {
	return m.table.list(nil, p)
}

type carriers struct {
	table table[*ewaybillv1.Carrier]
}

func (c carriers) Get(code string) (*ewaybillv1.Carrier, error) { return c.table.get([]byte(code)) }
func (c carriers) Put(code string, v *ewaybillv1.Carrier) error { return c.table.put([]byte(code), v) }
func (c carriers) List(p storage.Page[*ewaybillv1.Carrier]) ([]*ewaybillv1.Carrier, string, error) {
	return c.table.list(nil, p)
}

// authorizations keys records as "<merchant id>/<authorization id>".
type authorizations struct {
	table table[*ewaybillv1.CarrierAuthorization]
}

func authorizationKey(merchantID, id string) []byte {
	return []byte(merchantID + "/" + id)
}

func (a authorizations) Get(merchantID, id string) (*ewaybillv1.CarrierAuthorization, error) {
	return a.table.get(authorizationKey(merchantID, id))
}

func (a authorizations) Put(merchantID, id string, v *ewaybillv1.CarrierAuthorization) error {
	return a.table.put(authorizationKey(merchantID, id), v)
}

func (a authorizations) List(merchantID string, p storage.Page[*ewaybillv1.CarrierAuthorization]) ([]*ewaybillv1.CarrierAuthorization, string, error) {
	var prefix []byte
	if merchantID != "" {
		prefix = []byte(merchantID + "/")
		// A cursor from another merchant's listing must not escape the prefix.
		if p.After != "" && !bytes.HasPrefix([]byte(p.After), prefix) {
			p.After = ""
		}
	}
	return a.table.list(prefix, p)
}

type apiKeys struct {
	table  table[*ewaybillv1.ApiKey]
	byHash *bolt.Bucket
}

func (a apiKeys) Get(id string) (*ewaybillv1.ApiKey, error) { return a.table.get([]byte(id)) }

func (a apiKeys) IDBySecretHash(hash []byte) (string, error) {
	id := a.byHash.Get(hash)
	if id == nil {
		return "", storage.ErrNotFound
	}
	return string(id), nil
}

func (a apiKeys) Insert(id string, k *ewaybillv1.ApiKey, secretHash []byte) error {
	if a.byHash.Get(secretHash) != nil {
		return storage.ErrDuplicate
	}
	if err := a.byHash.Put(secretHash, []byte(id)); err != nil {
		return err
	}
	return a.table.put([]byte(id), k)
}

func (a apiKeys) Put(id string, k *ewaybillv1.ApiKey) error {
	if a.table.b.Get([]byte(id)) == nil {
		return storage.ErrNotFound
	}
	return a.table.put([]byte(id), k)
}

func (a apiKeys) List(p storage.Page[*ewaybillv1.ApiKey]) ([]*ewaybillv1.ApiKey, string, error) {
	return a.table.list(nil, p)
}

func (a apiKeys) Empty() (bool, error) {
	k, _ := a.table.b.Cursor().First()
	return k == nil, nil
}
