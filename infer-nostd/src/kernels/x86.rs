//! x86-64 int8 x int16 dot products over one row group (four rows,
//! word-interleaved: see [`crate::format`]) with SSE2, part of the x86-64
//! baseline (no run-time detection): a group's 16-byte step holds four
//! columns of each of the four rows; sign-extended to i16, `pmaddwd`
//! against the four inputs (repeated) gives each row's two pair sums.
//! Integer sums are exact, so the result is the portable one to the bit
//! (in range: at most 511 columns of 2^7 x 2^15, see `MAX_COLS`).

use core::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_loadl_epi64, _mm_loadu_si128, _mm_madd_epi16, _mm_setzero_si128,
    _mm_shuffle_epi32, _mm_srai_epi16, _mm_storeu_si128, _mm_unpackhi_epi8, _mm_unpacklo_epi64,
    _mm_unpacklo_epi8,
};

use super::portable::dot4_i8_tail;

/// The four rows of an int8 row group times natural-order `x`.
#[inline]
pub(super) fn dot4_i8(group: &[u8], x: &[i16]) -> [i32; 4] {
    let (words, _) = group.as_chunks::<16>();
    let (quads, _) = x.as_chunks::<4>();
    let n = words.len().min(quads.len());
    // SAFETY: SSE2 is baseline; every load reads exactly the bytes of one
    // `[u8; 16]` or `[i16; 4]`, the store writes the 16 bytes of `lanes`.
    let mut acc = unsafe {
        // Rows 0 and 1 (two lanes each), rows 2 and 3.
        let (mut a01, mut a23) = (_mm_setzero_si128(), _mm_setzero_si128());
        for (w, x) in words[..n].iter().zip(&quads[..n]) {
            let w = _mm_loadu_si128(w.as_ptr() as *const __m128i);
            let x = _mm_loadl_epi64(x.as_ptr() as *const __m128i);
            let x = _mm_unpacklo_epi64(x, x);
            // Interleaving a byte with itself and shifting right by 8 sign-extends it.
            let lo = _mm_srai_epi16(_mm_unpacklo_epi8(w, w), 8);
            let hi = _mm_srai_epi16(_mm_unpackhi_epi8(w, w), 8);
            a01 = _mm_add_epi32(a01, _mm_madd_epi16(lo, x));
            a23 = _mm_add_epi32(a23, _mm_madd_epi16(hi, x));
        }
        // Lanes (r0 r0 r1 r1) and (r2 r2 r3 r3): add neighbours.
        let s01 = _mm_add_epi32(a01, _mm_shuffle_epi32(a01, 0b10_11_00_01));
        let s23 = _mm_add_epi32(a23, _mm_shuffle_epi32(a23, 0b10_11_00_01));
        let mut lanes = [[0i32; 4]; 2];
        _mm_storeu_si128(lanes[0].as_mut_ptr() as *mut __m128i, s01);
        _mm_storeu_si128(lanes[1].as_mut_ptr() as *mut __m128i, s23);
        [lanes[0][0], lanes[0][2], lanes[1][0], lanes[1][2]]
    };
    if n < words.len() {
        // The last partial word of `x`.
        dot4_i8_tail(group, x, 4 * n, &mut acc);
    }
    acc
}
