//! Tells the engine whether the target has the Arm DSP instructions
//! (SMLAD, SXTB16: every ARMv7E-M core, such as the Cortex-M4 and M7).
//!
//! `cfg(target_feature = "dsp")` would say so, but Arm's target features are
//! unstable and stable rustc never sets it, so this script sets
//! `cfg(arm_dsp)` from the target triple (or the feature, where a toolchain
//! reports it).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(arm_dsp)");
    println!("cargo::rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let dsp_feature = arch == "arm" && features.split(',').any(|f| f == "dsp");
    if target.starts_with("thumbv7em-") || dsp_feature {
        println!("cargo::rustc-cfg=arm_dsp");
    }
}
