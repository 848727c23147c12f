package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/protobuf/proto"

	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/pii"
)

// tx adapts one PostgreSQL transaction to storage.Tx. Table methods take
// no context, so the transaction's is kept here.
type tx struct {
	ctx   context.Context
	pg    pgx.Tx
	keys  *sealing.Keyring
	store *Store
	// failed is the first statement error: PostgreSQL aborts the
	// transaction on it, so it decides the outcome even if fn carries on.
	failed error
}

// note records a failed statement and wraps its error.
func (t *tx) note(table string, err error) error {
	if err == nil {
		return nil
	}
	if t.failed == nil {
		t.failed = err
	}
	return fmt.Errorf("pgstore: %s: %w", table, err)
}

func (t *tx) exec(table, sql string, args ...any) (pgconn.CommandTag, error) {
	tag, err := t.pg.Exec(t.ctx, sql, args...)
	return tag, t.note(table, err)
}

// one scans the single row sql returns into dest; storage.ErrNotFound
// when there is none.
func (t *tx) one(table, sql string, args []any, dest ...any) error {
	err := t.pg.QueryRow(t.ctx, sql, args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return storage.ErrNotFound
	}
	return t.note(table, err)
}

// col is a key column of one of three types.
type col struct {
	name string
	typ  colType
}

type colType int

const (
	// textCol holds ids, codes and numbers (validated: no NUL, which
	// PostgreSQL's text refuses).
	textCol colType = iota
	bigintCol
	// byteaCol holds keys made of several parts with NUL between them
	// (idempotency keys), in bytes.
	byteaCol
)

func text(name string) col   { return col{name: name} }
func bigint(name string) col { return col{name: name, typ: bigintCol} }
func bytea(name string) col  { return col{name: name, typ: byteaCol} }

// row is one listed row: its key column values and its value column.
type row struct {
	key []any
	raw []byte
}

// joinKey writes key values as boltstore writes its keys, parts joined by
// "/" (numbers in decimal): the record key a sealed value is bound to,
// and the cursor of a listing.
func joinKey(key []any) string {
	var b strings.Builder
	for i, v := range key {
		if i > 0 {
			b.WriteByte('/')
		}
		switch v := v.(type) {
		case string:
			b.WriteString(v)
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case []byte:
			b.Write(v)
		}
	}
	return b.String()
}

// splitKey reads a cursor back into values of cols; ok is false when it
// is not one. Ids and codes hold no "/", so only the last part may.
func splitKey(cursor string, cols []col) ([]any, bool) {
	parts := strings.SplitN(cursor, "/", len(cols))
	if len(parts) != len(cols) {
		return nil, false
	}
	out := make([]any, len(cols))
	for i, c := range cols {
		switch c.typ {
		case textCol:
			out[i] = parts[i]
		case byteaCol:
			out[i] = []byte(parts[i])
		case bigintCol:
			n, err := strconv.ParseInt(parts[i], 10, 64)
			if err != nil {
				return nil, false
			}
			out[i] = n
		}
	}
	return out, true
}

// keyed is a table's key columns and the column (or expression) listed
// as each row's value.
type keyed struct {
	name  string
	cols  []col
	value string
}

func (k keyed) colList(cols []col) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// whereKey is "c1 = $from AND c2 = $from+1 ..." for cols.
func whereKey(cols []col, from int) string {
	if len(cols) == 0 {
		return "TRUE"
	}
	conds := make([]string, len(cols))
	for i, c := range cols {
		conds[i] = c.name + " = $" + strconv.Itoa(from+i)
	}
	return strings.Join(conds, " AND ")
}

// list pages through the rows whose leading key columns equal scope, in
// key order (newest first: descending), as boltstore's listings do: up to
// p.Limit values that pass p.Keep after the cursor p.After (exclusive),
// and the cursor to go on from when a further kept value exists, so the
// last page never comes back empty. A cursor from another scope's listing
// is ignored, as boltstore ignores a cursor outside its prefix.
func list[T any](t *tx, k keyed, scope []any, descending bool, p storage.Page[T], decode func(row) (T, error)) ([]T, string, error) {
	rest := k.cols[len(scope):]
	var after []any
	if p.After != "" {
		if key, ok := splitKey(p.After, k.cols); ok && joinKey(key[:len(scope)]) == joinKey(scope) {
			after = key[len(scope):]
		}
	}
	// Rows are read a chunk at a time: Keep may drop any number of them.
	chunk := max(p.Limit+1, 64)
	order, cmp := " ASC", " > "
	if descending {
		order, cmp = " DESC", " < "
	}
	orderBy := make([]string, len(rest))
	for i, c := range rest {
		orderBy[i] = c.name + order
	}
	var out []T
	var lastKey []any
	for {
		args := append([]any(nil), scope...)
		where := whereKey(k.cols[:len(scope)], 1)
		if after != nil {
			marks := make([]string, len(after))
			for i := range after {
				marks[i] = "$" + strconv.Itoa(len(args)+1+i)
			}
			where += " AND (" + k.colList(rest) + ")" + cmp + "(" + strings.Join(marks, ", ") + ")"
			args = append(args, after...)
		}
		sql := "SELECT " + k.colList(k.cols) + ", " + k.value + " FROM " + k.name + " WHERE " + where +
			" ORDER BY " + strings.Join(orderBy, ", ") + " LIMIT " + strconv.Itoa(chunk)
		rows, err := readRows(t, k, sql, args)
		if err != nil {
			return nil, "", err
		}
		for _, r := range rows {
			v, err := decode(r)
			if err != nil {
				return nil, "", err
			}
			if p.Keep != nil && !p.Keep(v) {
				continue
			}
			if len(out) == p.Limit {
				return out, joinKey(lastKey), nil
			}
			out = append(out, v)
			lastKey = r.key
		}
		if len(rows) < chunk {
			return out, "", nil
		}
		after = rows[len(rows)-1].key[len(scope):]
	}
}

// readRows runs a listing query and reads every row before returning, so
// the caller may run statements of its own (one connection runs one
// statement at a time).
func readRows(t *tx, k keyed, sql string, args []any) ([]row, error) {
	rows, err := t.pg.Query(t.ctx, sql, args...)
	if err != nil {
		return nil, t.note(k.name, err)
	}
	defer rows.Close()
	var out []row
	for rows.Next() {
		r := row{key: make([]any, len(k.cols))}
		dest := make([]any, len(k.cols)+1)
		strs := make([]string, len(k.cols))
		nums := make([]int64, len(k.cols))
		raws := make([][]byte, len(k.cols))
		for i, c := range k.cols {
			switch c.typ {
			case textCol:
				dest[i] = &strs[i]
			case bigintCol:
				dest[i] = &nums[i]
			case byteaCol:
				dest[i] = &raws[i]
			}
		}
		dest[len(k.cols)] = &r.raw
		if err := rows.Scan(dest...); err != nil {
			return nil, t.note(k.name, err)
		}
		for i, c := range k.cols {
			switch c.typ {
			case textCol:
				r.key[i] = strs[i]
			case bigintCol:
				r.key[i] = nums[i]
			case byteaCol:
				r.key[i] = raws[i]
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, t.note(k.name, err)
	}
	return out, nil
}

// table is a PostgreSQL table of protobuf records of one type under key
// columns, in column rec; pii is set for records holding personal data,
// sealed as boltstore seals them, bound to the same table name and key.
type table[T proto.Message] struct {
	t     *tx
	k     keyed
	fresh func() T
	pii   *pii.Fields
}

func newTable[T proto.Message](t *tx, name string, fresh func() T, cols ...col) table[T] {
	return table[T]{t: t, k: keyed{name: name, cols: cols, value: "rec"}, fresh: fresh}
}

func (tb table[T]) get(key ...any) (T, error) {
	var zero T
	var raw []byte
	err := tb.t.one(tb.k.name, "SELECT rec FROM "+tb.k.name+" WHERE "+whereKey(tb.k.cols, 1), key, &raw)
	if err != nil {
		return zero, err
	}
	return tb.decode(row{key: key, raw: raw})
}

func (tb table[T]) decode(r row) (T, error) {
	var zero T
	v := tb.fresh()
	var err error
	if tb.pii != nil {
		err = tb.pii.Decode(tb.t.keys, []byte(joinKey(r.key)), r.raw, v)
	} else {
		err = proto.Unmarshal(r.raw, v)
	}
	if err != nil {
		return zero, fmt.Errorf("decode %s/%q: %w", tb.k.name, joinKey(r.key), err)
	}
	return v, nil
}

func (tb table[T]) encode(key []any, v T) ([]byte, error) {
	var raw []byte
	var err error
	if tb.pii != nil {
		raw, err = tb.pii.Encode(tb.t.keys, []byte(joinKey(key)), v)
	} else {
		raw, err = pii.MarshalOptions.Marshal(v)
	}
	if err != nil {
		return nil, fmt.Errorf("encode %s/%q: %w", tb.k.name, joinKey(key), err)
	}
	return raw, nil
}

// put stores v under key, replacing any record there.
func (tb table[T]) put(key []any, v T) error {
	raw, err := tb.encode(key, v)
	if err != nil {
		return err
	}
	return tb.putRaw(key, raw)
}

func (tb table[T]) putRaw(key []any, raw []byte) error {
	cols := tb.k.colList(tb.k.cols)
	marks := make([]string, len(key)+1)
	for i := range marks {
		marks[i] = "$" + strconv.Itoa(i+1)
	}
	_, err := tb.t.exec(tb.k.name, "INSERT INTO "+tb.k.name+" ("+cols+", rec) VALUES ("+strings.Join(marks, ", ")+
		") ON CONFLICT ("+cols+") DO UPDATE SET rec = EXCLUDED.rec", append(key, raw)...)
	return err
}

// remove deletes the record under key and reports whether there was one.
func (tb table[T]) remove(key ...any) (bool, error) {
	tag, err := tb.t.exec(tb.k.name, "DELETE FROM "+tb.k.name+" WHERE "+whereKey(tb.k.cols, 1), key...)
	return tag.RowsAffected() > 0, err
}

func (tb table[T]) exists(key ...any) (bool, error) {
	var one int
	err := tb.t.one(tb.k.name, "SELECT 1 FROM "+tb.k.name+" WHERE "+whereKey(tb.k.cols, 1), key, &one)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (tb table[T]) list(scope []any, p storage.Page[T]) ([]T, string, error) {
	return list(tb.t, tb.k, scope, false, p, tb.decode)
}

func (tb table[T]) listNewest(scope []any, p storage.Page[T]) ([]T, string, error) {
	return list(tb.t, tb.k, scope, true, p, tb.decode)
}

// scopeOf is a listing's scope: one merchant's records, or all for "".
func scopeOf(merchantID string) []any {
	if merchantID == "" {
		return nil
	}
	return []any{merchantID}
}
