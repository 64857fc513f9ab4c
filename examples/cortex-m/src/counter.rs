//! Executed-instruction counting with SysTick.
//!
//! SysTick counts core clock ticks; under QEMU's `-icount shift=S` every
//! instruction takes exactly 2^S ns of virtual time, so ticks convert to
//! instructions deterministically. The 24-bit counter wraps every 2^24
//! ticks: the SysTick exception counts the wraps.

use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use cortex_m_rt::exception;

use crate::config::{ICOUNT_SHIFT, TICK_PS};
use crate::div::div;

/// The counter's reload value (it counts down from here).
const RELOAD: u32 = 0x00FF_FFFF;

/// Completed SysTick periods.
static WRAPS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    // Only this handler writes WRAPS: a load and a store suffice (Cortex-M0
    // has no atomic read-modify-write).
    WRAPS.store(
        WRAPS.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    );
}

/// Starts SysTick on the core clock, free running.
pub fn start(mut syst: SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(RELOAD);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Core clock ticks since [`start`].
pub fn ticks() -> u64 {
    loop {
        let wraps = WRAPS.load(Ordering::Relaxed);
        let current = SYST::get_current();
        // A wrap between the two reads is taken as an exception at once and
        // shows up as a changed count: read again.
        if WRAPS.load(Ordering::Relaxed) == wraps {
            return ((wraps as u64) << 24) | (RELOAD - current) as u64;
        }
    }
}

/// Ticks as executed instructions under QEMU `-icount shift=ICOUNT_SHIFT`
/// (rounded to the nearest).
pub fn instructions(ticks: u64) -> u64 {
    let ps_per_instruction = 1000u64 << ICOUNT_SHIFT;
    div(ticks * TICK_PS + ps_per_instruction / 2, ps_per_instruction)
}
