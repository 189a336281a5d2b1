// SPDX-License-Identifier: GPL-2.0

//! Layout signatures for shape mode, computed at compile time.
//!
//! In shape mode kpart groups types by their layout, as XNU's `kalloc_type` does: types with one
//! signature share caches. A type's signature has one digit per 8-byte granule of the type
//! (`DIV_ROUND_UP(size, 8)` digits, see [`granules`]):
//!
//! - `'0'` ([`PADDING`]): no member touches the granule;
//! - `'1'` ([`POINTER`]): only pointers do (raw pointers, references, `NonNull`, `Option` of
//!   those, function pointers, `AtomicPtr`);
//! - `'2'` ([`DATA`]): only data does (integers, `bool`, `char`, atomics of integers);
//! - `'3'` ([`BOTH`]): pointers and data share the granule.
//!
//! Every leaf member covering the bytes `[off, off + size)` ORs its code into each granule it
//! touches. A nested struct or union contributes its own signature: each of its granules ORs its
//! digit into the granules that its bytes cover at the member's offset ([`Shape::or_at`]). This
//! is the leaf rule whenever the nested type sits at a multiple of 8, which alignment gives any
//! type that holds a pointer. Unions OR all their members; arrays repeat their element
//! ([`Shape::repeat`]). A type larger than [`MAX_SIZE`] (8 KiB, the largest kmalloc size class
//! kpart partitions) has no signature: [`Shape::NONE`].
//!
//! For example, `struct { void *p; u64 x; }` is `"12"`, `struct { int a, b; char *p; }` is
//! `"21"` and `struct { s64 a; u8 b; }` (16 bytes) is `"22"`.
//!
//! C types get their signatures from their debug information (`scripts/kpart-shape`), Rust types
//! from [`Shape`]'s `const fn`s: `AllocType::SHAPE` in `alloc_token.rs`, which the `kpart_type!`
//! macro derives from a struct's or union's fields. The host tests check that both sides agree
//! on random types.
//!
//! This file uses `core` only, has no `unsafe` and no floating point: it is compiled in the
//! kernel, as a child module of `alloc_token.rs`, and on the host.

use core::ffi::{c_char, CStr};
use core::fmt;

/// The bytes one signature digit describes.
pub const GRANULE: usize = 8;

/// The most digits a signature has: 8 KiB in granules (C's `KPART_SHAPE_MAX_GRANULES`).
pub const MAX_GRANULES: usize = 1024;

/// The largest type that has a signature, in bytes.
pub const MAX_SIZE: usize = GRANULE * MAX_GRANULES;

/// The digit of a granule that no member touches.
pub const PADDING: u8 = b'0';

/// The digit of a granule that only pointers touch.
pub const POINTER: u8 = b'1';

/// The digit of a granule that only data touches.
pub const DATA: u8 = b'2';

/// The digit of a granule that pointers and data share: `POINTER | DATA`.
pub const BOTH: u8 = b'3';

// The digits are `'0'` plus a bit set, so OR-ing two digits ORs their codes.
const _: () = assert!(POINTER | DATA == BOTH && PADDING | POINTER == POINTER);
const _: () = assert!(PADDING | DATA == DATA && BOTH | PADDING == BOTH);
const _: () = assert!(MAX_GRANULES <= u16::MAX as usize);

/// The number of digits of the signature of a `size`-byte type: `DIV_ROUND_UP(size, 8)`.
pub const fn granules(size: usize) -> usize {
    size.div_ceil(GRANULE)
}

/// Whether `digit` is a signature digit.
const fn is_digit(digit: u8) -> bool {
    digit >= PADDING && digit <= BOTH
}

/// A layout signature, or none: one ASCII digit per granule, NUL-terminated, so that C can read
/// it as a `const char *` ([`Shape::as_c_ptr`]).
///
/// All constructors are `const fn`s, so a type's signature is a constant. [`Shape::NONE`] (no
/// signature: an unsized type, one larger than [`MAX_SIZE`], or one kpart cannot see into) is
/// not the empty signature [`Shape::EMPTY`] of a zero-sized type: the operations propagate
/// `NONE`, and an empty member adds nothing.
///
/// # Invariants
///
/// `digits[..len]` are signature digits (`b'0'..=b'3'`) and `digits[len..]` are all NUL, so
/// the digits are NUL-terminated and two equal signatures are equal arrays. `len <=`
/// [`MAX_GRANULES`]. Without a signature (`!known`), `len` is 0.
///
/// # Examples
///
/// ```
/// # use kpart_host::shape::Shape;
/// // struct { int a; void *p; } is 16 bytes: an int in the first granule, a pointer in the
/// // second.
/// const S: Shape = Shape::EMPTY
///     .or_at(0, &Shape::data(4), 4)
///     .or_at(8, &Shape::pointer(), 8)
///     .sized(16);
/// assert_eq!(S.as_str(), "21");
/// assert_eq!(S, Shape::from_digits("21"));
/// assert_eq!(S.as_bytes_with_nul(), b"21\0");
/// assert!(!S.is_data_only());
/// assert!(Shape::NONE.as_c_ptr().is_null());
/// ```
#[derive(Clone, Copy)]
pub struct Shape {
    /// The digits, then NULs.
    digits: [u8; MAX_GRANULES + 1],
    /// The number of digits.
    len: u16,
    /// Whether this is a signature at all.
    known: bool,
}

impl Shape {
    /// No signature.
    pub const NONE: Shape = Shape {
        digits: [0; MAX_GRANULES + 1],
        len: 0,
        known: false,
    };

    /// The empty signature: of a zero-sized type.
    pub const EMPTY: Shape = Shape {
        digits: [0; MAX_GRANULES + 1],
        len: 0,
        known: true,
    };

    /// A leaf member of `size` bytes, all of kind `digit` ([`POINTER`] or [`DATA`]): `digit`
    /// in each of its granules. `NONE` beyond [`MAX_SIZE`].
    ///
    /// # Panics
    ///
    /// If `digit` is not a signature digit: in a constant, a compile error.
    pub const fn leaf(digit: u8, size: usize) -> Shape {
        if !is_digit(digit) {
            panic!("Shape::leaf: not a signature digit");
        }
        if size > MAX_SIZE {
            return Shape::NONE;
        }
        let mut shape = Shape::EMPTY;
        let len = granules(size);
        while (shape.len as usize) < len {
            shape.digits[shape.len as usize] = digit;
            shape.len += 1;
        }
        shape
    }

    /// `size` bytes of data: integers, `bool`, characters and arrays of them. `NONE` beyond
    /// [`MAX_SIZE`].
    pub const fn data(size: usize) -> Shape {
        Shape::leaf(DATA, size)
    }

    /// A pointer: raw pointers, references, `NonNull`, function pointers and `Option`s of them.
    pub const fn pointer() -> Shape {
        Shape::leaf(POINTER, core::mem::size_of::<*const u8>())
    }

    /// `size` bytes that no member touches.
    pub const fn padding(size: usize) -> Shape {
        Shape::EMPTY.sized(size)
    }

    /// The signature spelled by `digits`, such as `"12"`.
    ///
    /// # Panics
    ///
    /// If `digits` holds anything but `'0'..='3'` or is longer than [`MAX_GRANULES`].
    pub const fn from_digits(digits: &str) -> Shape {
        Shape::from_bytes(digits.as_bytes())
    }

    /// The signature spelled by `digits` (ASCII, no NUL).
    ///
    /// # Panics
    ///
    /// As [`Shape::from_digits`].
    pub const fn from_bytes(digits: &[u8]) -> Shape {
        if digits.len() > MAX_GRANULES {
            panic!("Shape::from_bytes: longer than MAX_GRANULES");
        }
        let mut shape = Shape::EMPTY;
        while (shape.len as usize) < digits.len() {
            let digit = digits[shape.len as usize];
            if !is_digit(digit) {
                panic!("Shape::from_bytes: not a signature digit");
            }
            shape.digits[shape.len as usize] = digit;
            shape.len += 1;
        }
        shape
    }

    /// The signature held by a C string, `NONE` for `None`: the inverse of
    /// [`Shape::as_c_str`].
    ///
    /// # Panics
    ///
    /// As [`Shape::from_digits`].
    pub const fn from_c_str(signature: Option<&CStr>) -> Shape {
        match signature {
            Some(s) => Shape::from_bytes(s.to_bytes()),
            None => Shape::NONE,
        }
    }

    /// Whether there is no signature.
    pub const fn is_none(&self) -> bool {
        !self.known
    }

    /// Whether there is a signature (possibly empty).
    pub const fn is_some(&self) -> bool {
        self.known
    }

    /// The number of digits (0 for `NONE`).
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there are no digits: `NONE` or [`Shape::EMPTY`].
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether a signature holds no pointer: `false` for `NONE`.
    pub const fn is_data_only(&self) -> bool {
        self.known && !self.has_pointer()
    }

    /// Whether some granule holds a pointer (`'1'` or `'3'`).
    pub const fn has_pointer(&self) -> bool {
        let mut i = 0;
        while i < self.len as usize {
            if self.digits[i] & POINTER == POINTER {
                return true;
            }
            i += 1;
        }
        false
    }

    /// The signature with member `field`, of `field_size` bytes, at byte `offset`: each of
    /// `field`'s granules ORs its digit into every granule its bytes cover at `offset`, and the
    /// signature grows with `'0'` to cover the member (a zero-sized one adds nothing).
    ///
    /// For a leaf member this is the leaf rule. A nested type's granules spread over the
    /// granules they straddle, which is the leaf rule too outside packed layouts: at a multiple
    /// of 8 granules map one to one, and a type that alignment places elsewhere is aligned to
    /// less than 8, so it holds no pointer and its padding runs are under 4 bytes, too short to
    /// leave a straddled granule to padding alone. A packed layout may place any type anywhere:
    /// there the nested type's digits may reach a granule that only its padding, or only its
    /// other kind, touches (C's signatures follow the leaves, byte by byte).
    ///
    /// `NONE` if either is `NONE` or the member ends beyond [`MAX_SIZE`].
    ///
    /// # Panics
    ///
    /// If `field` has more digits than `field_size` bytes have granules.
    pub const fn or_at(mut self, offset: usize, field: &Shape, field_size: usize) -> Shape {
        if !self.known || !field.known {
            return Shape::NONE;
        }
        let end = match offset.checked_add(field_size) {
            Some(end) if end <= MAX_SIZE => end,
            _ => return Shape::NONE,
        };
        if field.len as usize > granules(field_size) {
            panic!("Shape::or_at: the member's signature is longer than the member");
        }
        if field_size == 0 {
            return self;
        }
        self = self.grown(granules(end));
        let mut j = 0;
        while j < field.len as usize {
            let digit = field.digits[j];
            // The bytes of the member's granule `j`, in the type: `[first, last]`.
            let first = offset + j * GRANULE;
            let last = if (j + 1) * GRANULE < field_size {
                offset + (j + 1) * GRANULE - 1
            } else {
                end - 1
            };
            let mut g = first / GRANULE;
            while g <= last / GRANULE {
                self.digits[g] |= digit;
                g += 1;
            }
            j += 1;
        }
        self
    }

    /// The signature of `n` elements of `elem_size` bytes and signature `elem` laid end to end:
    /// an array `[T; n]`. [`Shape::EMPTY`] for no bytes, even of an element without signature
    /// (a flexible array member `[T; 0]` adds nothing, whatever `T`); otherwise `NONE` if `elem`
    /// is or beyond [`MAX_SIZE`].
    ///
    /// # Panics
    ///
    /// As [`Shape::sized`] for `elem` and `elem_size`.
    pub const fn repeat(elem: &Shape, elem_size: usize, n: usize) -> Shape {
        let total = match elem_size.checked_mul(n) {
            Some(total) if total <= MAX_SIZE => total,
            _ => return Shape::NONE,
        };
        if total == 0 {
            return Shape::EMPTY;
        }
        if !elem.known {
            return Shape::NONE;
        }
        let elem = elem.sized(elem_size);
        // An element that is all data makes an array that is all data, whatever its size: the
        // common `[u8; N]` costs one pass over the granules.
        if elem.all(DATA) {
            return Shape::data(total);
        }
        let mut shape = Shape::EMPTY.grown(granules(total));
        let mut i = 0;
        while i < n {
            let offset = i * elem_size;
            let mut j = 0;
            while j < elem.len as usize {
                let first = offset + j * GRANULE;
                let last = if (j + 1) * GRANULE < elem_size {
                    offset + (j + 1) * GRANULE - 1
                } else {
                    offset + elem_size - 1
                };
                let mut g = first / GRANULE;
                while g <= last / GRANULE {
                    shape.digits[g] |= elem.digits[j];
                    g += 1;
                }
                j += 1;
            }
            i += 1;
        }
        shape
    }

    /// The granule-wise OR of two signatures, as long as the longer: the members of a union.
    /// `NONE` if either is.
    pub const fn union(mut self, other: &Shape) -> Shape {
        if !self.known || !other.known {
            return Shape::NONE;
        }
        self = self.grown(other.len as usize);
        let mut i = 0;
        while i < other.len as usize {
            self.digits[i] |= other.digits[i];
            i += 1;
        }
        self
    }

    /// The signature of a type of `size` bytes: `'0'`s appended up to [`granules`]`(size)`
    /// digits. `NONE` if `self` is or beyond [`MAX_SIZE`].
    ///
    /// # Panics
    ///
    /// If the signature is already longer than `size` bytes have granules.
    pub const fn sized(self, size: usize) -> Shape {
        if !self.known || size > MAX_SIZE {
            return Shape::NONE;
        }
        if self.len as usize > granules(size) {
            panic!("Shape::sized: the signature is longer than the type");
        }
        self.grown(granules(size))
    }

    /// The signature with `'0'`s appended up to `len` digits, if shorter.
    const fn grown(mut self, len: usize) -> Shape {
        while (self.len as usize) < len {
            self.digits[self.len as usize] = PADDING;
            self.len += 1;
        }
        self
    }

    /// Whether there is a signature with at least one digit and every digit is `digit`.
    const fn all(&self, digit: u8) -> bool {
        if !self.known || self.len == 0 {
            return false;
        }
        let mut i = 0;
        while i < self.len as usize {
            if self.digits[i] != digit {
                return false;
            }
            i += 1;
        }
        true
    }

    /// The digit of granule `i`.
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    pub const fn digit(&self, i: usize) -> u8 {
        if i >= self.len as usize {
            panic!("Shape::digit: beyond the signature");
        }
        self.digits[i]
    }

    /// The digits, without NUL (empty for `NONE`).
    pub const fn as_bytes(&self) -> &[u8] {
        self.digits.split_at(self.len as usize).0
    }

    /// The digits and their terminating NUL (just the NUL for `NONE`).
    pub const fn as_bytes_with_nul(&self) -> &[u8] {
        self.digits.split_at(self.len as usize + 1).0
    }

    /// The digits as a string (empty for `NONE`).
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.as_bytes()) {
            Ok(s) => s,
            // The digits are ASCII (the type invariant).
            Err(_) => panic!("Shape holds a non-digit"),
        }
    }

    /// The signature as a C string, `None` for `NONE`.
    pub const fn as_c_str(&self) -> Option<&CStr> {
        if !self.known {
            return None;
        }
        match CStr::from_bytes_with_nul(self.as_bytes_with_nul()) {
            Ok(s) => Some(s),
            // NUL-terminated digits (the type invariant).
            Err(_) => panic!("Shape holds a NUL"),
        }
    }

    /// The NUL-terminated digits: never NULL, an empty string for `NONE`.
    pub const fn as_ptr(&self) -> *const u8 {
        self.digits.as_ptr()
    }

    /// The signature for C as a `const char *`: the NUL-terminated digits, or NULL for `NONE`.
    ///
    /// The pointer is valid while `self` is: a signature C keeps must be in static memory, such
    /// as `AllocType::SIGNATURE`.
    pub const fn as_c_ptr(&self) -> *const c_char {
        match self.as_c_str() {
            Some(s) => s.as_ptr(),
            None => core::ptr::null(),
        }
    }

    /// The length of [`Shape::c_bytes`]: the digits and their NUL, 0 for `NONE`.
    pub const fn c_len(&self) -> usize {
        if self.known {
            self.len as usize + 1
        } else {
            0
        }
    }

    /// The digits and their NUL in an array of exactly that length ([`Shape::c_len`]), for a
    /// constant of its own size: `const D: [u8; S.c_len()] = S.c_bytes();` The empty array for
    /// `NONE`.
    ///
    /// # Panics
    ///
    /// If `N != self.c_len()`.
    pub const fn c_bytes<const N: usize>(&self) -> [u8; N] {
        if N != self.c_len() {
            panic!("Shape::c_bytes: N is not c_len()");
        }
        let mut out = [0u8; N];
        let mut i = 0;
        while i < self.len as usize {
            out[i] = self.digits[i];
            i += 1;
        }
        out
    }

    /// Whether two signatures are equal, in a `const fn` (`==` otherwise).
    pub const fn eq(&self, other: &Shape) -> bool {
        if self.known != other.known || self.len != other.len {
            return false;
        }
        let mut i = 0;
        while i < self.len as usize {
            if self.digits[i] != other.digits[i] {
                return false;
            }
            i += 1;
        }
        true
    }
}

impl PartialEq for Shape {
    fn eq(&self, other: &Shape) -> bool {
        Shape::eq(self, other)
    }
}

impl Eq for Shape {}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.known {
            write!(f, "Shape({:?})", self.as_str())
        } else {
            f.write_str("Shape::NONE")
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.known {
            f.write_str(self.as_str())
        } else {
            f.write_str("-")
        }
    }
}

// The contract's examples, checked where the module is built.
const _: () = assert!(Shape::EMPTY
    .or_at(0, &Shape::pointer(), 8)
    .or_at(8, &Shape::data(8), 8)
    .sized(16)
    .eq(&Shape::from_digits("12")));
const _: () = assert!(Shape::EMPTY
    .or_at(0, &Shape::data(4), 4)
    .or_at(4, &Shape::data(4), 4)
    .or_at(8, &Shape::pointer(), 8)
    .sized(16)
    .eq(&Shape::from_digits("21")));
const _: () = assert!(Shape::EMPTY
    .or_at(0, &Shape::data(8), 8)
    .or_at(8, &Shape::data(1), 1)
    .sized(16)
    .eq(&Shape::from_digits("22")));
const _: () = assert!(Shape::data(MAX_SIZE).len() == MAX_GRANULES);
const _: () = assert!(Shape::data(MAX_SIZE + 1).is_none());

#[cfg(test)]
mod tests {
    use super::*;

    fn s(digits: &str) -> Shape {
        Shape::from_digits(digits)
    }

    #[test]
    fn leaves() {
        assert_eq!(Shape::pointer(), s("1"));
        assert_eq!(Shape::data(1), s("2"));
        assert_eq!(Shape::data(8), s("2"));
        assert_eq!(Shape::data(9), s("22"));
        assert_eq!(Shape::data(0), Shape::EMPTY);
        assert_eq!(Shape::padding(17), s("000"));
        assert_eq!(Shape::data(MAX_SIZE).as_bytes(), &[DATA; MAX_GRANULES][..]);
        assert!(Shape::data(MAX_SIZE + 1).is_none());
        assert!(Shape::leaf(POINTER, MAX_SIZE + 8).is_none());
        assert!(std::panic::catch_unwind(|| Shape::leaf(b'4', 8)).is_err());
    }

    #[test]
    fn none_is_not_empty() {
        assert_ne!(Shape::NONE, Shape::EMPTY);
        assert!(Shape::NONE.is_none() && Shape::NONE.is_empty());
        assert!(Shape::EMPTY.is_some() && Shape::EMPTY.is_empty());
        assert!(!Shape::NONE.is_data_only());
        assert!(Shape::EMPTY.is_data_only());
        assert!(Shape::NONE.as_c_str().is_none());
        assert!(Shape::NONE.as_c_ptr().is_null());
        assert_eq!(Shape::EMPTY.as_c_str().unwrap().to_bytes(), b"");
        assert!(!Shape::EMPTY.as_c_ptr().is_null());
        assert_eq!(Shape::NONE.c_len(), 0);
        assert_eq!(Shape::EMPTY.c_len(), 1);
        assert_eq!(
            format!("{:?} {}", Shape::NONE, Shape::NONE),
            "Shape::NONE -"
        );
        assert_eq!(format!("{:?} {}", s("13"), s("13")), "Shape(\"13\") 13");
        for op in [
            |x: Shape| x.or_at(0, &Shape::NONE, 8),
            |x: Shape| Shape::NONE.or_at(0, &x, 8),
            |x: Shape| x.union(&Shape::NONE),
            |x: Shape| Shape::NONE.union(&x),
            |_: Shape| Shape::NONE.sized(8),
            |_: Shape| Shape::repeat(&Shape::NONE, 8, 1),
        ] {
            assert!(op(s("2")).is_none());
        }
        assert_eq!(Shape::repeat(&Shape::NONE, 8, 0), Shape::EMPTY);
    }

    #[test]
    fn members_at_offsets() {
        // struct { u8 a; u32 b; void *p; u16 c; }: 24 bytes.
        let shape = Shape::EMPTY
            .or_at(0, &Shape::data(1), 1)
            .or_at(4, &Shape::data(4), 4)
            .or_at(8, &Shape::pointer(), 8)
            .or_at(16, &Shape::data(2), 2)
            .sized(24);
        assert_eq!(shape, s("212"));
        // A member straddling two granules marks both (packed).
        assert_eq!(Shape::EMPTY.or_at(6, &Shape::data(4), 4), s("22"));
        assert_eq!(
            Shape::EMPTY.or_at(1, &Shape::pointer(), 8).sized(9),
            s("11")
        );
        // Pointer and data in one granule.
        assert_eq!(
            Shape::EMPTY
                .or_at(0, &Shape::data(4), 4)
                .or_at(4, &Shape::leaf(POINTER, 4), 4),
            s("3")
        );
        // A member after a hole: '0' in between.
        assert_eq!(Shape::EMPTY.or_at(24, &Shape::pointer(), 8), s("0001"));
        // Zero-sized members add nothing.
        assert_eq!(Shape::EMPTY.or_at(64, &Shape::EMPTY, 0), Shape::EMPTY);
        assert_eq!(s("2").or_at(3, &Shape::EMPTY, 0), s("2"));
        // A nested signature at an unaligned offset spreads over the granules it straddles.
        assert_eq!(Shape::EMPTY.or_at(4, &s("21"), 16).sized(24), s("231"));
        assert_eq!(Shape::EMPTY.or_at(4, &s("20"), 16).sized(24), s("220"));
        // A nested signature shorter than its size: the rest is padding.
        assert_eq!(Shape::EMPTY.or_at(8, &s("1"), 24), s("0100"));
        assert!(Shape::EMPTY
            .or_at(MAX_SIZE - 4, &Shape::data(8), 8)
            .is_none());
        assert!(Shape::EMPTY.or_at(usize::MAX, &Shape::data(8), 8).is_none());
        assert_eq!(
            Shape::EMPTY.or_at(MAX_SIZE - 8, &Shape::pointer(), 8).len(),
            MAX_GRANULES
        );
        assert!(std::panic::catch_unwind(|| Shape::EMPTY.or_at(0, &s("22"), 8)).is_err());
    }

    #[test]
    fn arrays() {
        assert_eq!(Shape::repeat(&Shape::data(1), 1, 17), s("222"));
        assert_eq!(Shape::repeat(&Shape::pointer(), 8, 3), s("111"));
        assert_eq!(Shape::repeat(&s("12"), 16, 2), s("1212"));
        assert_eq!(Shape::repeat(&s("10"), 16, 2), s("1010"));
        assert_eq!(Shape::repeat(&s("1"), 16, 2), s("1010"));
        assert_eq!(Shape::repeat(&s("20"), 16, 2), s("2020"));
        // 12-byte elements: the second straddles granules 1 and 2.
        assert_eq!(Shape::repeat(&s("22"), 12, 2), s("222"));
        // A pointer half in a 4-byte element (a 32-bit layout): shared granules.
        assert_eq!(Shape::repeat(&Shape::leaf(POINTER, 4), 4, 3), s("11"));
        assert_eq!(Shape::repeat(&s("2"), 4, 0), Shape::EMPTY);
        assert_eq!(Shape::repeat(&s(""), 0, 100), Shape::EMPTY);
        assert_eq!(Shape::repeat(&Shape::data(8), 8, 1024).len(), 1024);
        assert!(Shape::repeat(&Shape::data(8), 8, 1025).is_none());
        assert!(Shape::repeat(&Shape::data(8), 8, usize::MAX).is_none());
        assert_eq!(
            Shape::repeat(&Shape::repeat(&s("12"), 16, 2), 32, 3),
            s("121212121212")
        );
    }

    #[test]
    fn unions() {
        assert_eq!(s("1").union(&s("2")), s("3"));
        assert_eq!(s("1").union(&s("220")), s("320"));
        assert_eq!(s("020").union(&s("1")), s("120"));
        assert_eq!(Shape::EMPTY.union(&s("0")), s("0"));
    }

    #[test]
    fn digits_and_c_strings() {
        let x = s("0123");
        assert_eq!(x.len(), 4);
        assert_eq!(x.digit(3), BOTH);
        assert_eq!(x.as_bytes_with_nul(), b"0123\0");
        assert_eq!(x.c_len(), 5);
        assert_eq!(x.c_bytes::<5>(), *b"0123\0");
        assert!(std::panic::catch_unwind(|| x.c_bytes::<4>()).is_err());
        assert_eq!(Shape::NONE.c_bytes::<0>(), [0u8; 0]);
        assert_eq!(Shape::from_c_str(x.as_c_str()), x);
        assert_eq!(Shape::from_c_str(None), Shape::NONE);
        // SAFETY: `as_ptr` points to the NUL-terminated digits of `x`, alive here.
        let c = unsafe { CStr::from_ptr(x.as_ptr().cast()) };
        assert_eq!(c.to_bytes(), b"0123");
        // SAFETY: as above; `as_c_ptr` is not NULL for a signature.
        let c = unsafe { CStr::from_ptr(x.as_c_ptr()) };
        assert_eq!(c.to_bytes(), b"0123");
        assert!(x.has_pointer() && !x.is_data_only());
        assert!(s("0220").is_data_only());
        assert!(!s("0230").is_data_only());
        assert!(std::panic::catch_unwind(|| s("4")).is_err());
        assert!(std::panic::catch_unwind(|| s(&"2".repeat(MAX_GRANULES + 1))).is_err());
        assert_eq!(s(&"2".repeat(MAX_GRANULES)), Shape::data(MAX_SIZE));
        assert!(std::panic::catch_unwind(|| s("22").sized(8)).is_err());
        assert!(std::panic::catch_unwind(|| s("2").digit(1)).is_err());
    }
}
