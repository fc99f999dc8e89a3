//! A counting global allocator for the fuzz targets: `largest_alloc(f)`
//! runs `f` and returns the largest single allocation it made, so a target
//! can check that no header, however it lies, makes a decoder allocate more
//! than its limits allow. Included by each target with `#[path]`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The 64 KiB read size of `ChaosReader` and `FrameReader` (its least read):
/// the only allocations not sized by the input, so the limit check skips
/// exactly this size (and a target allows a `FrameReader` one more of it).
pub const IO_BUF: usize = 64 * 1024;

struct Counting;
static WATCH: AtomicBool = AtomicBool::new(false);
static LARGEST: AtomicUsize = AtomicUsize::new(0);

fn note(size: usize) {
    if WATCH.load(Ordering::Relaxed) && size != IO_BUF {
        LARGEST.fetch_max(size, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns the largest single allocation it made.
pub fn largest_alloc<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.store(0, Ordering::Relaxed);
    WATCH.store(true, Ordering::Relaxed);
    let out = f();
    WATCH.store(false, Ordering::Relaxed);
    (out, LARGEST.load(Ordering::Relaxed))
}
