//! Peak RAM measurement: statics from the linker's symbols, the stack's
//! high-water mark by painting the free RAM and finding the lowest word
//! overwritten.

use core::ptr::{addr_of, read_volatile, write_volatile};
use core::sync::atomic::{AtomicUsize, Ordering};

/// The paint pattern.
const PAINT: u32 = 0xC0FF_EE55;

extern "C" {
    // Provided by cortex-m-rt's link.x.
    static __sdata: u32;
    static __sheap: u32;
    static _stack_start: u32;
}

fn heap_start() -> usize {
    addr_of!(__sheap) as usize
}

fn stack_top() -> usize {
    addr_of!(_stack_start) as usize
}

/// Bytes of statics (`.data`, `.bss`, `.uninit`).
pub fn static_bytes() -> usize {
    heap_start() - addr_of!(__sdata) as usize
}

/// Margin kept below the stack pointer: the compiler may read it before
/// pushing this function's own frame.
const MARGIN: usize = 64;
/// The lowest painted address.
static PAINTED_FROM: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Most bytes painted: enough for any model that fits, and painting all of
/// a 4 MiB RAM would take millions of instructions.
const SPAN: usize = 64 << 10;

/// Paints the words below the current stack pointer (less [`MARGIN`]),
/// down to the statics or [`SPAN`] bytes.
#[inline(never)]
pub fn paint() {
    let sp = cortex_m::register::msp::read() as usize - MARGIN;
    let mut a = heap_start().max(sp.saturating_sub(SPAN));
    PAINTED_FROM.store(a, Ordering::Relaxed);
    while a + 4 <= sp {
        // SAFETY: the words between the end of the statics and the stack
        // pointer are free RAM that nothing references yet.
        unsafe { write_volatile(a as *mut u32, PAINT) };
        a += 4;
    }
}

/// The most stack used since [`paint`], in bytes.
pub fn high_water() -> usize {
    let mut a = PAINTED_FROM.load(Ordering::Relaxed);
    // SAFETY: reads RAM between the statics and the stack top, all mapped.
    while a < stack_top() && unsafe { read_volatile(a as *const u32) } == PAINT {
        a += 4;
    }
    stack_top().saturating_sub(a)
}
