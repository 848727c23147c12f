// Package paging turns AIP page_size/page_token pairs into storage pages
// and storage cursors back into opaque tokens.
package paging

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/ewaybill/ewaybill/fault"
	"github.com/ewaybill/ewaybill/storage"
)

const (
	// DefaultSize is used when page_size is 0.
	DefaultSize = 50
	// MaxSize is the largest page_size accepted.
	MaxSize = 1000
	// tokenPrefix versions the token format so it can change later.
	tokenPrefix = "c1:"
)

// Page validates size and token and returns the storage page they ask for.
func Page[T any](size int32, token string, keep func(T) bool) (storage.Page[T], error) {
	var v fault.Violations
	switch {
	case size < 0:
		v.Add("page_size", "range", "page_size must be between 0 and %d; got %d", MaxSize, size)
	case size > MaxSize:
		v.Add("page_size", "range", "page_size must be at most %d; got %d (ask for the next page with page_token)", MaxSize, size)
	case size == 0:
		size = DefaultSize
	}
	after, ok := decode(token)
	if !ok {
		v.Add("page_token", "format", "page_token is not one this server issued; pass next_page_token from the previous response unchanged")
	}
	if err := v.Err(); err != nil {
		return storage.Page[T]{}, err
	}
	return storage.Page[T]{After: after, Limit: int(size), Keep: keep}, nil
}

// Token encodes a storage cursor; an empty cursor gives an empty token.
func Token(cursor string) string {
	if cursor == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + cursor))
}

func decode(token string) (string, bool) {
	if token == "" {
		return "", true
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !strings.HasPrefix(string(raw), tokenPrefix) {
		return "", false
	}
	return strings.TrimPrefix(string(raw), tokenPrefix), true
}

// List answers a list call: it checks size and token, runs list in a read
// transaction of store on the page they ask for (records kept by keep),
// and turns the cursor list returns into the next page token.
func List[T any](ctx context.Context, store storage.Store, size int32, token string, keep func(T) bool,
	list func(tx storage.Tx, page storage.Page[T]) ([]T, string, error)) ([]T, string, error) {
	page, err := Page(size, token, keep)
	if err != nil {
		return nil, "", err
	}
	var items []T
	var next string
	err = store.View(ctx, func(tx storage.Tx) (err error) {
		items, next, err = list(tx, page)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return items, Token(next), nil
}
