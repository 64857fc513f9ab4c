//! x86-64 int8 x int16 dot products with SSE2 (part of the x86-64
//! baseline, so no run-time detection): `pmaddwd` multiplies eight i16
//! pairs and adds neighbours into i32 lanes. Integer sums are exact, so the
//! result is the portable one to the bit (in range: at most 511 columns of
//! 2^7 x 2^15, see `tensor`).

use core::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_cvtsi128_si32, _mm_loadu_si128, _mm_madd_epi16, _mm_setzero_si128,
    _mm_shuffle_epi32, _mm_srai_epi16, _mm_unpackhi_epi8, _mm_unpacklo_epi8,
};

/// Elements per vector step.
const STEP: usize = 16;

/// The sum of the four i32 lanes.
#[inline(always)]
fn horizontal_sum(v: __m128i) -> i32 {
    // SAFETY: SSE2 is part of the x86-64 baseline.
    unsafe {
        let v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0b01_00_11_10));
        let v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0b10_11_00_01));
        _mm_cvtsi128_si32(v)
    }
}

/// Sixteen int8 weights times sixteen i16 values (`x0`, `x1`), as i32 lanes.
#[inline(always)]
fn madd16(w: &[u8; STEP], x0: __m128i, x1: __m128i) -> __m128i {
    // SAFETY: SSE2 is baseline; the load reads exactly the 16 bytes of `w`.
    unsafe {
        let w = _mm_loadu_si128(w.as_ptr() as *const __m128i);
        // Interleaving a byte with itself and shifting right by 8 sign-extends it.
        let lo = _mm_srai_epi16(_mm_unpacklo_epi8(w, w), 8);
        let hi = _mm_srai_epi16(_mm_unpackhi_epi8(w, w), 8);
        _mm_add_epi32(_mm_madd_epi16(lo, x0), _mm_madd_epi16(hi, x1))
    }
}

/// Loads sixteen i16 values as two vectors.
#[inline(always)]
fn load16(x: &[i16; STEP]) -> (__m128i, __m128i) {
    // SAFETY: SSE2 is baseline; the loads read exactly the 32 bytes of `x`.
    unsafe {
        let p = x.as_ptr() as *const __m128i;
        (_mm_loadu_si128(p), _mm_loadu_si128(p.add(1)))
    }
}

fn tail(w: &[u8], x: &[i16]) -> i32 {
    w.iter()
        .zip(x)
        .map(|(&w, &x)| (w as i8 as i32) * (x as i32))
        .sum()
}

/// Four int8 rows times `x`, sharing the loads of `x`.
#[inline]
pub fn dot4_i8(rows: [&[u8]; 4], x: &[i16]) -> [i32; 4] {
    let n = rows.iter().fold(x.len(), |n, r| n.min(r.len()));
    let (xb, xt) = x[..n].as_chunks::<STEP>();
    let blocks = rows.map(|r| r[..n].as_chunks::<STEP>());
    // SAFETY: SSE2 is baseline.
    let mut acc = [unsafe { _mm_setzero_si128() }; 4];
    for (k, x) in xb.iter().enumerate() {
        let (x0, x1) = load16(x);
        for (a, (wb, _)) in acc.iter_mut().zip(&blocks) {
            // SAFETY: SSE2 is baseline; `k` is below every row's block count (same length).
            *a = unsafe { _mm_add_epi32(*a, madd16(&wb[k], x0, x1)) };
        }
    }
    let mut out = [0; 4];
    for ((o, a), (_, wt)) in out.iter_mut().zip(acc).zip(&blocks) {
        *o = horizontal_sum(a) + tail(wt, xt);
    }
    out
}
