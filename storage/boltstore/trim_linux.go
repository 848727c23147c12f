package boltstore

import "syscall"

// dropMapped advises the n bytes mapped at addr MADV_DONTNEED. For a
// shared file mapping that only unmaps the pages; their contents stay in
// the file and the page cache. Errors are ignored: trimming is a memory
// courtesy, never needed for correctness.
func dropMapped(addr, n uintptr) {
	syscall.Syscall(syscall.SYS_MADVISE, addr, n, syscall.MADV_DONTNEED)
}
