package labels

import (
	"sync"

	"github.com/ewaybill/ewaybill/routing"
	"github.com/ewaybill/ewaybill/storage"
)

// routeCache keeps each carrier's compiled routing table between renders:
// a table of 20,000 rules takes milliseconds to decode and compile, and
// changes rarely. Each use checks the stored revision in the render's own
// transaction, so a replaced table is used from the next render on, by
// every node sharing the store.
type routeCache struct {
	mu     sync.Mutex
	tables map[string]compiledRoutes
}

type compiledRoutes struct {
	revision uint64
	table    *routing.Table
}

// table returns carrier code's compiled table as stored in tx.
func (c *routeCache) table(tx storage.Tx, code string) (*routing.Table, error) {
	rev, err := tx.RoutingTables().Revision(code)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	cached, ok := c.tables[code]
	c.mu.Unlock()
	if ok && cached.revision == rev {
		return cached.table, nil
	}
	t, err := loadRoutingTable(tx, code)
	if err != nil {
		return nil, err
	}
	compiled := routing.Compile(t)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tables == nil {
		c.tables = map[string]compiledRoutes{}
	}
	// A slower render of an older revision must not replace a newer one.
	if cur, ok := c.tables[code]; !ok || cur.revision <= rev {
		c.tables[code] = compiledRoutes{revision: rev, table: compiled}
	}
	return compiled, nil
}
