//go:build !linux

package boltstore

// dropMapped does nothing where MADV_DONTNEED on a shared mapping is not
// known to keep the file's contents (procstatus reads no memory figures there).
func dropMapped(addr, n uintptr) {}
