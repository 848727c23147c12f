package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/storage"
)

func (t *tx) RoutingTables() storage.RoutingTables {
	return routingTables{newTable(t.btx, bucketRoutingTables, func() *ewaybillv1.RoutingTable { return new(ewaybillv1.RoutingTable) })}
}

func (t *tx) LabelTemplates() storage.LabelTemplates {
	return labelTemplates{newTable(t.btx, bucketLabelTemplates, func() *ewaybillv1.LabelTemplate { return new(ewaybillv1.LabelTemplate) })}
}

func (t *tx) PrintJobs() storage.PrintJobs {
	return printJobs{
		table:    newTable(t.btx, bucketPrintJobs, func() *ewaybillv1.PrintJob { return new(ewaybillv1.PrintJob) }),
		requests: bucket(t.btx, bucketPrintJobRequests),
	}
}

func (t *tx) AuditLog() storage.AuditLog {
	return auditLog{newTable(t.btx, bucketAuditLog, func() *ewaybillv1.AuditEvent { return new(ewaybillv1.AuditEvent) })}
}

type routingTables struct {
	table table[*ewaybillv1.RoutingTable]
}

func (r routingTables) Get(carrier string) (*ewaybillv1.RoutingTable, error) {
	return r.table.get([]byte(carrier))
}

// Put stores the table under the carrier code and its revision beside it,
// under the code and a NUL (codes have none). Tables stored before
// revisions existed read as revision 0 until replaced.
func (r routingTables) Put(carrier string, t *ewaybillv1.RoutingTable) error {
	rev, err := r.Revision(carrier)
	if err != nil {
		return err
	}
	if err := r.table.b.Put(revisionKey(carrier), binary.BigEndian.AppendUint64(nil, rev+1)); err != nil {
		return err
	}
	return r.table.put([]byte(carrier), t)
}

func (r routingTables) Revision(carrier string) (uint64, error) {
	raw := r.table.b.Get(revisionKey(carrier))
	switch len(raw) {
	case 0:
		return 0, nil
	case 8:
		return binary.BigEndian.Uint64(raw), nil
	}
	return 0, fmt.Errorf("routing table revision of %s: %d bytes, want 8", carrier, len(raw))
}

func revisionKey(carrier string) []byte { return []byte(carrier + "\x00revision") }

type labelTemplates struct {
	table table[*ewaybillv1.LabelTemplate]
}

func (l labelTemplates) Get(merchantID string) (*ewaybillv1.LabelTemplate, error) {
	return l.table.get([]byte(merchantID))
}

func (l labelTemplates) Put(merchantID string, t *ewaybillv1.LabelTemplate) error {
	return l.table.put([]byte(merchantID), t)
}

type printJobs struct {
	table    table[*ewaybillv1.PrintJob]
	requests *bolt.Bucket
}

func (p printJobs) Get(merchantID, id string) (*ewaybillv1.PrintJob, error) {
	return p.table.get([]byte(merchantID + "/" + id))
}

func (p printJobs) Put(merchantID, id string, j *ewaybillv1.PrintJob) error {
	return p.table.put([]byte(merchantID+"/"+id), j)
}

func (p printJobs) ByRequest(merchantID, requestID string) (string, error) {
	id := p.requests.Get([]byte(merchantID + "/" + requestID))
	if id == nil {
		return "", storage.ErrNotFound
	}
	return string(id), nil
}

func (p printJobs) SetRequest(merchantID, requestID, id string) error {
	return p.requests.Put([]byte(merchantID+"/"+requestID), []byte(id))
}

func (p printJobs) List(merchantID string, page storage.Page[*ewaybillv1.PrintJob]) ([]*ewaybillv1.PrintJob, string, error) {
	prefix := []byte(merchantID + "/")
	return p.table.listNewest(prefix, scoped(prefix, page))
}

type auditLog struct{ table table[*ewaybillv1.AuditEvent] }

func (a auditLog) Append(id string, e *ewaybillv1.AuditEvent) error {
	if a.table.b.Get([]byte(id)) != nil {
		return errors.New("audit log: event " + id + " exists")
	}
	return a.table.put([]byte(id), e)
}

func (a auditLog) List(p storage.Page[*ewaybillv1.AuditEvent]) ([]*ewaybillv1.AuditEvent, string, error) {
	return a.table.listNewest(nil, p)
}

// listNewest is list in reverse key order: it walks keys with prefix from
// the last, starting before p.After (exclusive).
func (t table[T]) listNewest(prefix []byte, p storage.Page[T]) ([]T, string, error) {
	c := t.b.Cursor()
	var k, raw []byte
	switch {
	case p.After != "":
		if k, _ = c.Seek([]byte(p.After)); k == nil {
			k, raw = c.Last()
		} else {
			k, raw = c.Prev()
		}
	case len(prefix) == 0:
		k, raw = c.Last()
	default:
		// The first key past every key with prefix, then one step back.
		end := append(bytes.Clone(prefix), 0xff)
		if k, _ = c.Seek(end); k == nil {
			k, raw = c.Last()
		} else {
			k, raw = c.Prev()
		}
	}
	return t.collect(prefix, p, k, raw, c.Prev)
}
