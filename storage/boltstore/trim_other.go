//go:build !linux

package boltstore

// dropMapped does nothing where MADV_DONTNEED on a shared mapping is not
// known to keep the file's contents (residentFileBytes reads 0 there).
func dropMapped(addr, n uintptr) {}
