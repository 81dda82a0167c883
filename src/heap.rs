//! Keeps the heap from holding on to freed listing replies.
//!
//! Each full listing page is a few hundred KiB of reply body and parsed entries, and a
//! large prune holds dozens at once, then frees them. glibc's malloc serves blocks of
//! 128 KiB and more with their own mmap and gives them back on free, but the first time
//! such a block is freed it raises that threshold to the block's size, so every later
//! page is carved out of the heap arenas instead and the freed space stays in the
//! process, fragmented. Fixing the threshold at its default keeps peak memory to the
//! pages actually in flight (the README's *Performance* section has the measurement).

/// The threshold glibc starts with: blocks this large and larger are mmapped.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;

/// Fixes glibc's mmap threshold (a no-op on other platforms). Call once, first thing.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn return_large_blocks_to_the_os() {
    // SAFETY: mallopt only sets an allocator parameter; it is called before any other
    // thread exists, and a refused setting (return value 0) leaves the default behaviour.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn return_large_blocks_to_the_os() {}
