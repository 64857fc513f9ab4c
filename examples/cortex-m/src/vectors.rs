//! The device interrupt vectors. The firmware enables no device interrupt
//! (SysTick is a core exception), so the table holds one entry, the least
//! cortex-m-rt accepts, instead of the 240 (Cortex-M4) or 32 (Cortex-M0) a
//! build without a device crate reserves: 956 bytes of flash on the M4.
//! A board port that enables interrupts lists its handlers here (or uses
//! its device crate, whose `device.x` then replaces the empty one).

extern "C" {
    /// cortex-m-rt's handler for unexpected exceptions and interrupts.
    fn DefaultHandler();
}

/// Interrupt 0, the only one: never enabled.
#[link_section = ".vector_table.interrupts"]
#[no_mangle]
#[used]
static __INTERRUPTS: [unsafe extern "C" fn(); 1] = [DefaultHandler];
