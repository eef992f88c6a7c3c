//! The global allocator of the `djsa` binary.
//!
//! mimalloc, as the `mimalloc` crate wraps it, but with one difference that matters for a
//! parser-heavy workload: that crate sends every request through `mi_malloc_aligned`, whose fast
//! path covers only blocks under 1 KiB. A larger request (a `Vec` of expressions or statements
//! growing past 1 KiB) takes the generic path and, unless its size class happens to be a power of
//! two, an over-allocation that pads and offsets the block. Here requests whose alignment is at
//! most 16 (`max_align_t`, which covers every type in djsa, `i128` included) go to
//! `mi_malloc`/`mi_zalloc`/`mi_realloc`. mimalloc's blocks are word-aligned by construction; for
//! an alignment of 16 the returned pointer is checked, and a block that is not aligned enough is
//! given back and the request made again through the aligned entry point. Larger alignments use
//! the aligned entry points directly.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as ffi;

/// The largest alignment tried with the plain entry points (`MI_MAX_ALIGN_SIZE`).
const PLAIN_MAX_ALIGN: usize = 16;

pub struct MiMalloc;

#[inline]
fn aligned(p: *mut c_void, align: usize) -> bool {
    (p as usize) & (align - 1) == 0
}

/// A block from `plain` when the alignment allows and the address satisfies it, else from
/// `aligned_fn` (`mi_malloc`/`mi_malloc_aligned`, or their zeroing twins).
///
/// # Safety
/// `layout` has a non-zero size (the `GlobalAlloc::alloc` contract).
#[inline]
unsafe fn block(
    layout: Layout,
    plain: unsafe extern "C" fn(usize) -> *mut c_void,
    aligned_fn: unsafe extern "C" fn(usize, usize) -> *mut c_void,
) -> *mut u8 {
    let (size, align) = (layout.size(), layout.align());
    // SAFETY: both functions take any size and return null or a fresh block that only
    // `mi_free` releases.
    unsafe {
        if align <= PLAIN_MAX_ALIGN {
            let p = plain(size);
            if aligned(p, align) {
                return p as *mut u8;
            }
            ffi::mi_free(p);
        }
        aligned_fn(size, align) as *mut u8
    }
}

// SAFETY: each method forwards to the mimalloc function with the same contract, and returns a
// pointer only after it is known to satisfy the layout's alignment: either it came from an
// aligned entry point, or its address was checked. `dealloc` and `realloc` receive pointers that
// came from this allocator, as `GlobalAlloc` requires, and every mimalloc pointer (aligned or not)
// is freed and reallocated by the same functions.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout (see `block`).
        unsafe { block(layout, ffi::mi_malloc, ffi::mi_malloc_aligned) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout (see `block`).
        unsafe { block(layout, ffi::mi_zalloc, ffi::mi_zalloc_aligned) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (the `GlobalAlloc` contract).
        unsafe { ffi::mi_free(ptr as *mut c_void) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let align = layout.align();
        // SAFETY: `ptr` came from this allocator with `layout` (the `GlobalAlloc` contract). When
        // `mi_realloc` succeeds, the block it returns holds the first `min(old, new)` bytes and
        // `ptr` is no longer valid; a misaligned result is copied into an aligned block and freed.
        unsafe {
            if align > PLAIN_MAX_ALIGN {
                return ffi::mi_realloc_aligned(ptr as *mut c_void, new_size, align) as *mut u8;
            }
            let p = ffi::mi_realloc(ptr as *mut c_void, new_size);
            if p.is_null() || aligned(p, align) {
                return p as *mut u8;
            }
            let q = ffi::mi_malloc_aligned(new_size, align);
            if q.is_null() {
                // The caller's block is `p` now, which it cannot use; a null return would tell it
                // the old block is intact. Out of memory ends the process, as `Vec` would.
                std::alloc::handle_alloc_error(Layout::from_size_align_unchecked(new_size, align));
            }
            let keep = layout.size().min(new_size);
            std::ptr::copy_nonoverlapping(p as *const u8, q as *mut u8, keep);
            ffi::mi_free(p);
            q as *mut u8
        }
    }
}

/// Turn transparent huge pages off for this process, unless `MIMALLOC_ALLOW_THP` is set (then
/// mimalloc's own reading of it decides). Call it first thing in `main`: the kernel checks the
/// flag at each page fault, so memory mimalloc reserved earlier is covered too.
///
/// Why: this was measured on the 2,000-model check on a 2-core VM that returns free memory to its
/// host. Back to back, huge pages are faster (median 86-93 ms against 110-114 ms). Run in turn
/// with Django's `manage.py check` (`farm-bench --vs`), they are much slower: 268 ms (0.37 s of
/// system time) against 119 ms, because a huge page needs a whole free 2 MiB block, which the host
/// has taken back, while 4 KiB pages reuse what the other process just freed. After a quiet pause
/// both cost about the same. Small pages are never far behind and never stall; a check in CI or a
/// pre-commit hook runs among other processes.
// The environment is the process's own to read here, as in server/ (the ban is analysis's purity).
#[allow(clippy::disallowed_methods)]
pub fn thp_off_unless_asked() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes a flag of this
        // process's memory map; it has no pointer arguments and no effect on memory safety.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Huge pages are off for the process after the call (when the environment does not ask).
    #[cfg(target_os = "linux")]
    #[test]
    #[allow(clippy::disallowed_methods)]
    fn thp_is_turned_off() {
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_some() {
            return;
        }
        thp_off_unless_asked();
        // SAFETY: integer arguments only; reads this process's flag.
        let flag = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        assert_eq!(flag, 1);
    }

    /// Every alignment up to a page, with sizes around mimalloc's size-class edges, comes back
    /// aligned, zeroed where asked, and keeps its bytes through `realloc`.
    #[test]
    fn alignment_zeroing_and_realloc() {
        let a = MiMalloc;
        for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [
                1usize,
                7,
                8,
                9,
                24,
                40,
                1000,
                1024,
                1025,
                1536,
                4097,
                70_000,
                3 << 20,
            ] {
                let Ok(layout) = Layout::from_size_align(size, align) else {
                    continue;
                };
                // SAFETY: non-zero sizes; every pointer is freed with its layout below.
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    for i in 0..size {
                        *p.add(i) = (i % 251) as u8;
                    }
                    let q = a.realloc(p, layout, size * 2 + 3);
                    assert!(!q.is_null());
                    assert_eq!(q as usize % align, 0, "realloc size {size} align {align}");
                    for i in 0..size {
                        assert_eq!(*q.add(i), (i % 251) as u8);
                    }
                    a.dealloc(q, Layout::from_size_align_unchecked(size * 2 + 3, align));
                    let z = a.alloc_zeroed(layout);
                    assert!(!z.is_null());
                    assert_eq!(z as usize % align, 0);
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
