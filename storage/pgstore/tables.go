package pgstore

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/pii"
)

func (t *tx) Merchants() storage.Merchants {
	tb := newTable(t, "merchants", func() *ewaybillv1.Merchant { return new(ewaybillv1.Merchant) }, text("id"))
	tb.pii = pii.Merchants
	return merchants{tb}
}

func (t *tx) Carriers() storage.Carriers {
	return carriers{newTable(t, "carriers", func() *ewaybillv1.Carrier { return new(ewaybillv1.Carrier) }, text("code"))}
}

func (t *tx) CarrierAuthorizations() storage.CarrierAuthorizations {
	return authorizations{newTable(t, "carrier_authorizations", func() *ewaybillv1.CarrierAuthorization { return new(ewaybillv1.CarrierAuthorization) },
		text("merchant_id"), text("id"))}
}

func (t *tx) APIKeys() storage.APIKeys {
	return apiKeys{newTable(t, "api_keys", func() *ewaybillv1.ApiKey { return new(ewaybillv1.ApiKey) }, text("id"))}
}

func (t *tx) Pools() storage.Pools {
	return pools{newTable(t, "pools", func() *ewaybillv1.Pool { return new(ewaybillv1.Pool) }, text("carrier"))}
}

func (t *tx) NumberRanges() storage.NumberRanges {
	return numberRanges{bySerial[*ewaybillv1.NumberRange]{newTable(t, "number_ranges", func() *ewaybillv1.NumberRange { return new(ewaybillv1.NumberRange) },
		text("carrier"), bigint("first_serial"))}}
}

func (t *tx) NumberSegments() storage.NumberSegments {
	return numberSegments{bySerial[*ewaybillv1.NumberSegment]{newTable(t, "number_segments", func() *ewaybillv1.NumberSegment { return new(ewaybillv1.NumberSegment) },
		text("carrier"), bigint("first_serial"))}}
}

func (t *tx) ReuseQueue() storage.ReuseQueue { return reuseQueue{t} }

func (t *tx) Quotas() storage.Quotas {
	return quotas{newTable(t, "quotas", func() *ewaybillv1.Quota { return new(ewaybillv1.Quota) }, text("merchant_id"), text("carrier"))}
}

func (t *tx) Ledger() storage.Ledger {
	return ledger{newTable(t, "ledger", func() *ewaybillv1.LedgerEntry { return new(ewaybillv1.LedgerEntry) },
		text("merchant_id"), text("carrier"), bigint("seq"))}
}

func (t *tx) QuotaRequests() storage.QuotaRequests { return quotaRequests{t} }

func (t *tx) CancelGuards() storage.CancelGuards {
	return cancelGuards{newTable(t, "cancel_guards", func() *ewaybillv1.CancelGuard { return new(ewaybillv1.CancelGuard) }, text("merchant_id"))}
}

func (t *tx) RateLimits() storage.RateLimits {
	fresh := func() *ewaybillv1.RateLimit { return new(ewaybillv1.RateLimit) }
	return rateLimits{
		merchants: newTable(t, "rate_limits", fresh, text("merchant_id")),
		// The default's table has one row at most, under the key true.
		dflt: table[*ewaybillv1.RateLimit]{t: t, k: keyed{name: "rate_limit_default", cols: []col{{name: "only_row"}}, value: "rec"}, fresh: fresh},
	}
}

func (t *tx) MappingProfiles() storage.MappingProfiles {
	tb := newTable(t, "mapping_profiles", func() *ewaybillv1.MappingProfile { return new(ewaybillv1.MappingProfile) }, text("merchant_id"), text("id"))
	tb.pii = pii.MappingProfiles
	return mappingProfiles{tb}
}

func (t *tx) RoutingTables() storage.RoutingTables {
	return routingTables{newTable(t, "routing_tables", func() *ewaybillv1.RoutingTable { return new(ewaybillv1.RoutingTable) }, text("carrier"))}
}

func (t *tx) LabelTemplates() storage.LabelTemplates {
	return labelTemplates{newTable(t, "label_templates", func() *ewaybillv1.LabelTemplate { return new(ewaybillv1.LabelTemplate) }, text("merchant_id"))}
}

func (t *tx) PrintJobs() storage.PrintJobs {
	return printJobs{newTable(t, "print_jobs", func() *ewaybillv1.PrintJob { return new(ewaybillv1.PrintJob) }, text("merchant_id"), text("id"))}
}

func (t *tx) AuditLog() storage.AuditLog {
	return auditLog{newTable(t, "audit_log", func() *ewaybillv1.AuditEvent { return new(ewaybillv1.AuditEvent) }, text("id"))}
}

type merchants struct{ table table[*ewaybillv1.Merchant] }

func (m merchants) Get(id string) (*ewaybillv1.Merchant, error) { return m.table.get(id) }

func (m merchants) IDByCreditCode(code string) (string, error) {
	var id string
	err := m.table.t.one("merchants_by_credit_code", "SELECT merchant_id FROM merchants_by_credit_code WHERE credit_code = $1", []any{code}, &id)
	return id, err
}

// Put keeps the credit-code index in step as boltstore does: the
// merchant's old code leaves it, and its code points at it, taking the
// code from another merchant that held it (the merchants service checks
// first; see the interface's comment).
func (m merchants) Put(id string, v *ewaybillv1.Merchant) error {
	code := v.GetQualification().GetCreditCode()
	t := m.table.t
	if _, err := t.exec("merchants_by_credit_code", "DELETE FROM merchants_by_credit_code WHERE merchant_id = $1 AND credit_code <> $2", id, code); err != nil {
		return err
	}
	if code != "" {
		_, err := t.exec("merchants_by_credit_code", "INSERT INTO merchants_by_credit_code (credit_code, merchant_id) VALUES ($1, $2) "+
			"ON CONFLICT (credit_code) DO UPDATE SET merchant_id = EXCLUDED.merchant_id", code, id)
		if err != nil {
			return err
		}
	}
	return m.table.put([]any{id}, v)
}

func (m merchants) List(p storage.Page[*ewaybillv1.Merchant]) ([]*ewaybillv1.Merchant, string, error) {
	return m.table.list(nil, p)
}

type carriers struct{ table table[*ewaybillv1.Carrier] }

func (c carriers) Get(code string) (*ewaybillv1.Carrier, error) { return c.table.get(code) }
func (c carriers) Put(code string, v *ewaybillv1.Carrier) error { return c.table.put([]any{code}, v) }
func (c carriers) List(p storage.Page[*ewaybillv1.Carrier]) ([]*ewaybillv1.Carrier, string, error) {
	return c.table.list(nil, p)
}

type authorizations struct {
	table table[*ewaybillv1.CarrierAuthorization]
}

func (a authorizations) Get(merchantID, id string) (*ewaybillv1.CarrierAuthorization, error) {
	return a.table.get(merchantID, id)
}

func (a authorizations) Put(merchantID, id string, v *ewaybillv1.CarrierAuthorization) error {
	return a.table.put([]any{merchantID, id}, v)
}

func (a authorizations) List(merchantID string, p storage.Page[*ewaybillv1.CarrierAuthorization]) ([]*ewaybillv1.CarrierAuthorization, string, error) {
	return a.table.list(scopeOf(merchantID), p)
}

type apiKeys struct{ table table[*ewaybillv1.ApiKey] }

func (a apiKeys) Get(id string) (*ewaybillv1.ApiKey, error) { return a.table.get(id) }

func (a apiKeys) IDBySecretHash(hash []byte) (string, error) {
	var id string
	err := a.table.t.one("api_keys_by_secret_hash", "SELECT key_id FROM api_keys_by_secret_hash WHERE secret_hash = $1", []any{hash}, &id)
	return id, err
}

// Insert stores the hash first: the primary key refuses a second holder
// of a hash without aborting the transaction (DO NOTHING), which the
// caller may go on using after ErrDuplicate.
func (a apiKeys) Insert(id string, k *ewaybillv1.ApiKey, secretHash []byte) error {
	tag, err := a.table.t.exec("api_keys_by_secret_hash",
		"INSERT INTO api_keys_by_secret_hash (secret_hash, key_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", secretHash, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return storage.ErrDuplicate
	}
	return a.table.put([]any{id}, k)
}

func (a apiKeys) Put(id string, k *ewaybillv1.ApiKey) error {
	ok, err := a.table.exists(id)
	if err != nil {
		return err
	}
	if !ok {
		return storage.ErrNotFound
	}
	return a.table.put([]any{id}, k)
}

func (a apiKeys) List(p storage.Page[*ewaybillv1.ApiKey]) ([]*ewaybillv1.ApiKey, string, error) {
	return a.table.list(nil, p)
}

func (a apiKeys) Empty() (bool, error) {
	var empty bool
	err := a.table.t.one("api_keys", "SELECT NOT EXISTS (SELECT 1 FROM api_keys)", nil, &empty)
	return empty, err
}

type pools struct{ table table[*ewaybillv1.Pool] }

func (t pools) Get(carrier string) (*ewaybillv1.Pool, error) { return t.table.get(carrier) }
func (t pools) Put(carrier string, p *ewaybillv1.Pool) error { return t.table.put([]any{carrier}, p) }
func (t pools) List(p storage.Page[*ewaybillv1.Pool]) ([]*ewaybillv1.Pool, string, error) {
	return t.table.list(nil, p)
}

// bySerial is a table of a carrier's records keyed by their first serial
// (number ranges, number segments).
type bySerial[T interface {
	proto.Message
	GetFirstSerial() int64
}] struct {
	table table[T]
}

func (t bySerial[T]) Get(carrier string, first int64) (T, error) { return t.table.get(carrier, first) }

func (t bySerial[T]) Put(carrier string, v T) error {
	return t.table.put([]any{carrier, v.GetFirstSerial()}, v)
}

func (t bySerial[T]) List(carrier string, p storage.Page[T]) ([]T, string, error) {
	return t.table.list([]any{carrier}, p)
}

type numberRanges struct {
	bySerial[*ewaybillv1.NumberRange]
}

func (t numberRanges) Floor(carrier string, serial int64) (*ewaybillv1.NumberRange, error) {
	var first int64
	var raw []byte
	err := t.table.t.one("number_ranges", "SELECT first_serial, rec FROM number_ranges WHERE carrier = $1 AND first_serial <= $2 "+
		"ORDER BY first_serial DESC LIMIT 1", []any{carrier, serial}, &first, &raw)
	if err != nil {
		return nil, err
	}
	return t.table.decode(row{key: []any{carrier, first}, raw: raw})
}

type numberSegments struct {
	bySerial[*ewaybillv1.NumberSegment]
}

func (t numberSegments) Delete(carrier string, first int64) error {
	_, err := t.table.remove(carrier, first)
	return err
}

type reuseQueue struct{ t *tx }

func (q reuseQueue) Push(carrier string, n storage.QueuedNumber) error {
	_, err := q.t.exec("reuse_queue", "INSERT INTO reuse_queue (carrier, ready_ns, number) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		carrier, n.Ready.UnixNano(), n.Number)
	return err
}

func (q reuseQueue) First(carrier string) (storage.QueuedNumber, error) {
	var ns int64
	var number string
	err := q.t.one("reuse_queue", "SELECT ready_ns, number FROM reuse_queue WHERE carrier = $1 ORDER BY ready_ns, number LIMIT 1",
		[]any{carrier}, &ns, &number)
	if err != nil {
		return storage.QueuedNumber{}, err
	}
	return storage.QueuedNumber{Number: number, Ready: time.Unix(0, ns).UTC()}, nil
}

func (q reuseQueue) Remove(carrier string, n storage.QueuedNumber) error {
	tag, err := q.t.exec("reuse_queue", "DELETE FROM reuse_queue WHERE carrier = $1 AND ready_ns = $2 AND number = $3",
		carrier, n.Ready.UnixNano(), n.Number)
	if err == nil && tag.RowsAffected() == 0 {
		return storage.ErrNotFound
	}
	return err
}

// Each reads the whole queue first: fn may remove entries, and the
// connection runs one statement at a time.
func (q reuseQueue) Each(carrier string, fn func(storage.QueuedNumber) error) error {
	k := keyed{name: "reuse_queue", cols: []col{text("carrier"), bigint("ready_ns")}, value: "number"}
	rows, err := readRows(q.t, k, "SELECT carrier, ready_ns, number FROM reuse_queue WHERE carrier = $1 ORDER BY ready_ns, number", []any{carrier})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := fn(storage.QueuedNumber{Number: string(r.raw), Ready: time.Unix(0, r.key[1].(int64)).UTC()}); err != nil {
			return err
		}
	}
	return nil
}

type quotas struct{ table table[*ewaybillv1.Quota] }

func (t quotas) Get(merchantID, carrier string) (*ewaybillv1.Quota, error) {
	return t.table.get(merchantID, carrier)
}

// Put writes the balance into its own column too, whose CHECK makes the
// database refuse a negative one (ErrNegativeBalance).
func (t quotas) Put(merchantID, carrier string, q *ewaybillv1.Quota) error {
	raw, err := t.table.encode([]any{merchantID, carrier}, q)
	if err != nil {
		return err
	}
	_, err = t.table.t.exec("quotas", "INSERT INTO quotas (merchant_id, carrier, rec, available) VALUES ($1, $2, $3, $4) "+
		"ON CONFLICT (merchant_id, carrier) DO UPDATE SET rec = EXCLUDED.rec, available = EXCLUDED.available",
		merchantID, carrier, raw, q.GetAvailable())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23514" { // check_violation
		return fmt.Errorf("quota %s/%s: available %d: %w", merchantID, carrier, q.GetAvailable(), storage.ErrNegativeBalance)
	}
	return err
}

func (t quotas) List(merchantID string, p storage.Page[*ewaybillv1.Quota]) ([]*ewaybillv1.Quota, string, error) {
	return t.table.list(scopeOf(merchantID), p)
}

type ledger struct {
	table table[*ewaybillv1.LedgerEntry]
}

// Append inserts only when no entry of the quota has this sequence or a
// later one, in one statement; none inserted is ErrDuplicate.
func (t ledger) Append(merchantID, carrier string, e *ewaybillv1.LedgerEntry) error {
	raw, err := t.table.encode([]any{merchantID, carrier, e.GetSequence()}, e)
	if err != nil {
		return err
	}
	// The last sequence is read as max(seq), which PostgreSQL answers from
	// the end of the primary key's index whatever plan it keeps for the
	// prepared statement. "No seq >= $3" was planned once, generically,
	// as a scan of the quota's whole ledger: a merchant's every
	// allocation read all its earlier entries.
	tag, err := t.table.t.exec("ledger", "INSERT INTO ledger (merchant_id, carrier, seq, rec) SELECT $1, $2, $3, $4 "+
		"WHERE COALESCE((SELECT max(seq) FROM ledger WHERE merchant_id = $1 AND carrier = $2), 0) < $3 ON CONFLICT DO NOTHING",
		merchantID, carrier, e.GetSequence(), raw)
	if err == nil && tag.RowsAffected() == 0 {
		return storage.ErrDuplicate
	}
	return err
}

func (t ledger) Get(merchantID, carrier string, sequence int64) (*ewaybillv1.LedgerEntry, error) {
	return t.table.get(merchantID, carrier, sequence)
}

func (t ledger) List(merchantID, carrier string, p storage.Page[*ewaybillv1.LedgerEntry]) ([]*ewaybillv1.LedgerEntry, string, error) {
	scope := []any{merchantID}
	if carrier != "" {
		scope = append(scope, carrier)
	}
	return t.table.list(scope, p)
}

type quotaRequests struct{ t *tx }

func (q quotaRequests) Get(merchantID, carrier, requestID string) (int64, error) {
	var seq int64
	err := q.t.one("quota_requests", "SELECT seq FROM quota_requests WHERE merchant_id = $1 AND carrier = $2 AND request_id = $3",
		[]any{merchantID, carrier, requestID}, &seq)
	return seq, err
}

func (q quotaRequests) Put(merchantID, carrier, requestID string, sequence int64) error {
	_, err := q.t.exec("quota_requests", "INSERT INTO quota_requests (merchant_id, carrier, request_id, seq) VALUES ($1, $2, $3, $4) "+
		"ON CONFLICT (merchant_id, carrier, request_id) DO UPDATE SET seq = EXCLUDED.seq", merchantID, carrier, requestID, sequence)
	return err
}

type cancelGuards struct {
	table table[*ewaybillv1.CancelGuard]
}

func (t cancelGuards) Get(merchantID string) (*ewaybillv1.CancelGuard, error) {
	return t.table.get(merchantID)
}

func (t cancelGuards) Put(merchantID string, g *ewaybillv1.CancelGuard) error {
	return t.table.put([]any{merchantID}, g)
}

type rateLimits struct {
	merchants, dflt table[*ewaybillv1.RateLimit]
}

func (t rateLimits) Default() (*ewaybillv1.RateLimit, error) { return t.dflt.get(true) }

func (t rateLimits) PutDefault(l *ewaybillv1.RateLimit) error { return t.dflt.put([]any{true}, l) }

func (t rateLimits) Get(merchantID string) (*ewaybillv1.RateLimit, error) {
	return t.merchants.get(merchantID)
}

func (t rateLimits) Put(merchantID string, l *ewaybillv1.RateLimit) error {
	return t.merchants.put([]any{merchantID}, l)
}

func (t rateLimits) Delete(merchantID string) error {
	_, err := t.merchants.remove(merchantID)
	return err
}

type mappingProfiles struct {
	table table[*ewaybillv1.MappingProfile]
}

func (m mappingProfiles) Get(merchantID, id string) (*ewaybillv1.MappingProfile, error) {
	return m.table.get(merchantID, id)
}

func (m mappingProfiles) Put(merchantID, id string, p *ewaybillv1.MappingProfile) error {
	return m.table.put([]any{merchantID, id}, p)
}

func (m mappingProfiles) Delete(merchantID, id string) error {
	found, err := m.table.remove(merchantID, id)
	if err == nil && !found {
		return storage.ErrNotFound
	}
	return err
}

func (m mappingProfiles) List(merchantID string, p storage.Page[*ewaybillv1.MappingProfile]) ([]*ewaybillv1.MappingProfile, string, error) {
	return m.table.list([]any{merchantID}, p)
}

type routingTables struct {
	table table[*ewaybillv1.RoutingTable]
}

func (r routingTables) Get(carrier string) (*ewaybillv1.RoutingTable, error) {
	return r.table.get(carrier)
}

// Put raises the revision in the same statement that replaces the table.
func (r routingTables) Put(carrier string, t *ewaybillv1.RoutingTable) error {
	raw, err := r.table.encode([]any{carrier}, t)
	if err != nil {
		return err
	}
	_, err = r.table.t.exec("routing_tables", "INSERT INTO routing_tables (carrier, rec, revision) VALUES ($1, $2, 1) "+
		"ON CONFLICT (carrier) DO UPDATE SET rec = EXCLUDED.rec, revision = routing_tables.revision + 1", carrier, raw)
	return err
}

func (r routingTables) Revision(carrier string) (uint64, error) {
	var rev int64
	err := r.table.t.one("routing_tables", "SELECT revision FROM routing_tables WHERE carrier = $1", []any{carrier}, &rev)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, nil
	}
	return uint64(rev), err
}

type labelTemplates struct {
	table table[*ewaybillv1.LabelTemplate]
}

func (l labelTemplates) Get(merchantID string) (*ewaybillv1.LabelTemplate, error) {
	return l.table.get(merchantID)
}

func (l labelTemplates) Put(merchantID string, t *ewaybillv1.LabelTemplate) error {
	return l.table.put([]any{merchantID}, t)
}

type printJobs struct {
	table table[*ewaybillv1.PrintJob]
}

func (p printJobs) Get(merchantID, id string) (*ewaybillv1.PrintJob, error) {
	return p.table.get(merchantID, id)
}

func (p printJobs) Put(merchantID, id string, j *ewaybillv1.PrintJob) error {
	return p.table.put([]any{merchantID, id}, j)
}

func (p printJobs) ByRequest(merchantID, requestID string) (string, error) {
	var id string
	err := p.table.t.one("print_job_requests", "SELECT job_id FROM print_job_requests WHERE merchant_id = $1 AND request_id = $2",
		[]any{merchantID, requestID}, &id)
	return id, err
}

func (p printJobs) SetRequest(merchantID, requestID, id string) error {
	_, err := p.table.t.exec("print_job_requests", "INSERT INTO print_job_requests (merchant_id, request_id, job_id) VALUES ($1, $2, $3) "+
		"ON CONFLICT (merchant_id, request_id) DO UPDATE SET job_id = EXCLUDED.job_id", merchantID, requestID, id)
	return err
}

func (p printJobs) List(merchantID string, page storage.Page[*ewaybillv1.PrintJob]) ([]*ewaybillv1.PrintJob, string, error) {
	return p.table.listNewest([]any{merchantID}, page)
}

type auditLog struct{ table table[*ewaybillv1.AuditEvent] }

func (a auditLog) Append(id string, e *ewaybillv1.AuditEvent) error {
	raw, err := a.table.encode([]any{id}, e)
	if err != nil {
		return err
	}
	tag, err := a.table.t.exec("audit_log", "INSERT INTO audit_log (id, rec) VALUES ($1, $2) ON CONFLICT DO NOTHING", id, raw)
	if err == nil && tag.RowsAffected() == 0 {
		return errors.New("audit log: event " + id + " exists")
	}
	return err
}

func (a auditLog) List(p storage.Page[*ewaybillv1.AuditEvent]) ([]*ewaybillv1.AuditEvent, string, error) {
	return a.table.listNewest(nil, p)
}
