// SPDX-License-Identifier: GPL-2.0

//! Layout signatures of Rust types (`rust/abi/shape.rs`, `AllocType::SHAPE`) against hand-derived
//! expectations and against C's (`scripts/kpart-shape`).
//!
//! The hand-derived cases declare their types with `kpart_type!`, as kpart's users do: this test
//! includes `alloc_token.rs` (and with it `shape.rs`) itself, with `#[path]`.
//!
//! The cross-language check makes a few hundred random `#[repr(C)]` structs and unions (nested
//! records, arrays of every depth, pointers of every Rust kind, function pointers, `uintptr_t`,
//! typedefs, transparent wrappers, `aligned` and `packed` records, zero-length arrays, empty and
//! larger-than-8-KiB records) in Rust and in C. Host `rustc` compiles the Rust program, which
//! prints each record's size and signature; `scripts/kpart-shape --signatures` compiles the C file
//! with `clang-22 -g` and prints its size and signature from the debug information. Both must be
//! equal, record by record (a record over 8 KiB has no signature in Rust, its size is compared).

#![allow(dead_code, non_camel_case_types, unreachable_pub)]

#[path = "../../../rust/abi/alloc_token.rs"]
mod alloc_token;
#[path = "../../../rust/abi/rebound.rs"]
mod rebound;

use alloc_token::shape::{Shape, MAX_SIZE};
use alloc_token::{kpart_type, signature_of, AllocType, CChar, UintPtr};
use core::cell::{Cell, UnsafeCell};
use core::ffi::{c_void, CStr};
use core::mem::{ManuallyDrop, MaybeUninit};
use core::ptr::NonNull;
use core::sync::atomic::AtomicPtr;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// The contract's examples.
kpart_type! {
    #[repr(C)]
    struct ptr_then_data {
        p: *mut c_void,
        x: u64,
    }
}
kpart_type! {
    #[repr(C)]
    struct two_ints_then_ptr {
        a: i32,
        b: i32,
        p: *mut u8,
    }
}
kpart_type! {
    #[repr(C)]
    struct tail_padding {
        a: i64,
        b: u8,
    }
}

// Padding.
kpart_type! {
    #[repr(C)]
    struct hole {
        a: u8,
        b: [u64; 0],
        c: [u8; 0],
    }
}
kpart_type! {
    #[repr(C, align(32))]
    struct aligned_byte {
        a: u8,
    }
}
kpart_type! {
    #[repr(C)]
    struct after_aligned {
        a: aligned_byte,
        p: *const u8,
    }
}
kpart_type! {
    #[repr(C)]
    struct empty {}
}
kpart_type! {
    #[repr(C)]
    struct bools_and_chars {
        a: bool,
        b: CChar,
        c: [bool; 14],
        d: i8,
    }
}

// Pointers of every kind.
kpart_type! {
    #[repr(C)]
    struct pointers {
        a: NonNull<u8>,
        b: Option<NonNull<holder>>,
        c: Option<&'static holder>,
        d: &'static mut u32,
        e: Option<unsafe extern "C" fn(i32) -> *mut c_void>,
        f: extern "C" fn(),
        g: AtomicPtr<c_void>,
        h: *const *const CChar,
        i: UintPtr,
    }
}
kpart_type! {
    #[repr(C)]
    struct holder {
        a: i32,
        p: *mut c_void,
    }
}

// Pointer and data in one granule (4-byte halves), and a pointer straddling two granules.
kpart_type! {
    #[repr(C, packed)]
    struct packed_pointer {
        a: u8,
        p: *mut u8,
        b: u16,
    }
}
kpart_type! {
    #[repr(C, packed(4))]
    struct packed4 {
        a: u32,
        p: *mut u8,
        b: u32,
    }
}

// A pointer-holding type nested at an offset that is not a multiple of 8 (only a packed
// layout puts it there): its granules spread over the granules they straddle (`Shape::or_at`).
// C's tool works from the leaves, byte by byte, and gives "211" for the same C type.
kpart_type! {
    #[repr(C, packed)]
    struct packed_holder {
        a: u8,
        h: holder,
    }
}

// Nesting.
kpart_type! {
    #[repr(C)]
    struct nested {
        x: u32,
        h: holder,
        t: tail_padding,
        n: [holder; 2],
    }
}
kpart_type! {
    #[repr(C)]
    struct nested_data {
        a: u32,
        b: [u16; 3],
        c: data_12,
    }
}
kpart_type! {
    /// 12 bytes, 4-aligned: nested at offset 12 it straddles granules 1 and 2.
    #[repr(C)]
    struct data_12 {
        a: u32,
        b: u32,
        c: u32,
    }
}

// Unions.
kpart_type! {
    #[repr(C)]
    union ptr_or_int {
        p: *mut u8,
        i: u64,
    }
}
kpart_type! {
    #[repr(C)]
    union wide {
        small: u32,
        big: ManuallyDrop<[u64; 3]>,
        h: ManuallyDrop<holder>,
    }
}
kpart_type! {
    #[repr(C)]
    struct with_unions {
        a: u8,
        u: ptr_or_int,
        w: wide,
    }
}

// Arrays.
kpart_type! {
    #[repr(C)]
    struct arrays {
        a: [[u8; 3]; 3],
        b: [*mut u8; 2],
        c: [[holder; 1]; 2],
        d: [UintPtr; 1],
        e: [data_12; 3],
    }
}

// Transparent wrappers.
kpart_type! {
    #[repr(C)]
    struct wrappers {
        a: Cell<u32>,
        b: UnsafeCell<*mut u8>,
        c: MaybeUninit<holder>,
        d: ManuallyDrop<[u16; 4]>,
    }
}

// No signature.
struct Foreign(u64);
kpart_type!(impl Foreign as "foreign", has_pointer = false);
kpart_type! {
    #[repr(C)]
    struct with_foreign {
        a: u64,
        f: *mut Foreign,
        g: [Foreign; 1],
    }
}
kpart_type! {
    #[repr(C)]
    struct with_flexible_foreign {
        a: u64,
        f: *mut Foreign,
        g: [Foreign; 0],
    }
}
kpart_type! {
    #[repr(C)]
    struct too_big {
        a: [u64; 1025],
    }
}
kpart_type! {
    #[repr(C)]
    struct largest {
        a: [u8; 8184],
        p: *mut u8,
    }
}
kpart_type! {
    #[repr(C)]
    struct contains_too_big {
        a: u8,
        b: [too_big; 0],
    }
}
kpart_type! {
    #[repr(C)]
    struct not_repr_c {
        a: u8,
        p: *mut u8,
        b: u8,
    }
}

fn sig<T: AllocType>() -> String {
    let shape = T::SHAPE;
    // The C forms agree with the shape.
    match T::SIGNATURE {
        Some(c) => {
            assert!(shape.is_some());
            assert_eq!(c.to_bytes(), shape.as_bytes());
            // SAFETY: `signature_of` returns NULL or a NUL-terminated string in static memory.
            let from_ptr = unsafe { CStr::from_ptr(signature_of::<T>()) };
            assert_eq!(from_ptr, c);
        }
        None => {
            assert!(shape.is_none());
            assert!(signature_of::<T>().is_null());
        }
    }
    if shape.is_none() {
        return "-".to_string();
    }
    assert_eq!(shape.len(), core::mem::size_of::<T>().div_ceil(8));
    shape.as_str().to_string()
}

#[test]
fn signatures_of_hand_derived_types() {
    assert_eq!(sig::<ptr_then_data>(), "12");
    assert_eq!(sig::<two_ints_then_ptr>(), "21");
    assert_eq!(sig::<tail_padding>(), "22");
    // `[u64; 0]` aligns the struct to 8: a byte, then 7 bytes of padding.
    assert_eq!(sig::<hole>(), "2");
    assert_eq!(sig::<aligned_byte>(), "2000");
    assert_eq!(sig::<after_aligned>(), "20001000");
    assert_eq!(sig::<empty>(), "");
    assert_eq!(sig::<bools_and_chars>(), "222");
    assert_eq!(sig::<pointers>(), "111111111");
    assert_eq!(sig::<holder>(), "21");
    // `a` in byte 0, `p` in bytes 1..9, `b` in bytes 9..11.
    assert_eq!(sig::<packed_pointer>(), "33");
    // `a` in 0..4, `p` in 4..12, `b` in 12..16.
    assert_eq!(sig::<packed4>(), "33");
    // h: 1..17, its "2" over granules 0 and 1, its "1" over 1 and 2.
    assert_eq!(sig::<packed_holder>(), "231");
    // x: 0..4, h: 8..24, t: 24..40, n: 40..72.
    assert_eq!(sig::<nested>(), "221222121");
    // a: 0..4, b: 4..10, c: 12..24.
    assert_eq!(sig::<nested_data>(), "222");
    assert_eq!(sig::<data_12>(), "22");
    assert_eq!(sig::<ptr_or_int>(), "3");
    // small | big | h: "2" | "222" | "21".
    assert_eq!(sig::<wide>(), "232");
    // a: 0..1, u: 8..16, w: 16..40.
    assert_eq!(sig::<with_unions>(), "23232");
    // a: 0..9, b: 16..32, c: 32..64, d: 64..72, e: 72..108 (4-aligned) and padding to 112.
    assert_eq!(sig::<arrays>(), "22112121122222");
    // a: 0..4, b: 8..16, c: 16..32, d: 32..40.
    assert_eq!(sig::<wrappers>(), "21212");
    assert_eq!(sig::<with_foreign>(), "-");
    // No signature for `Foreign`, but none is needed for none of it.
    assert_eq!(sig::<with_flexible_foreign>(), "21");
    assert_eq!(sig::<too_big>(), "-");
    assert_eq!(sig::<largest>().len(), 1024);
    assert!(sig::<largest>().ends_with("21"));
    assert_eq!(sig::<contains_too_big>(), "2");
    // Rust orders the fields as it likes: one pointer, and data, at their offsets.
    let s = sig::<not_repr_c>();
    assert!(s.matches('1').count() == 1 && s.contains('2'), "{s}");
}

#[test]
fn signatures_of_primitives_pointers_and_arrays() {
    assert_eq!(sig::<u8>(), "2");
    assert_eq!(sig::<u128>(), "22");
    assert_eq!(sig::<bool>(), "2");
    assert_eq!(sig::<UintPtr>(), "1");
    assert_eq!(sig::<()>(), "");
    assert_eq!(sig::<c_void>(), "-");
    assert_eq!(sig::<*mut c_void>(), "1");
    assert_eq!(sig::<Option<NonNull<u8>>>(), "1");
    assert_eq!(sig::<Option<&'static u8>>(), "1");
    assert_eq!(sig::<AtomicPtr<u8>>(), "1");
    assert_eq!(sig::<[u8; 17]>(), "222");
    assert_eq!(sig::<[[i16; 5]; 2]>(), "222");
    assert_eq!(sig::<[*mut u8; 3]>(), "111");
    assert_eq!(sig::<[holder; 2]>(), "2121");
    assert_eq!(sig::<[data_12; 2]>(), "222");
    assert_eq!(sig::<[u8; MAX_SIZE]>().len(), 1024);
    assert_eq!(sig::<[u8; MAX_SIZE + 1]>(), "-");
    assert_eq!(sig::<[Foreign; 1]>(), "-");
    assert_eq!(sig::<[Foreign; 0]>(), "");
    assert_eq!(sig::<ManuallyDrop<holder>>(), "21");
    assert_eq!(sig::<Cell<[*const u8; 2]>>(), "11");
    assert!(<ptr_then_data as AllocType>::SHAPE.has_pointer());
    assert!(<tail_padding as AllocType>::SHAPE.is_data_only());
    assert_eq!(
        <holder as AllocType>::SHAPE,
        Shape::EMPTY
            .or_at(0, &Shape::data(4), 4)
            .or_at(8, &Shape::pointer(), 8)
            .sized(16)
    );
}

#[test]
fn kpart_type_signatures_are_constants_of_their_own_length() {
    // `FIELD_SIGNATURE` is the exact-length constant the macro makes; `SIGNATURE` passes it on.
    const NESTED: Option<&CStr> = <nested as AllocType>::FIELD_SIGNATURE;
    const SIGNATURE: *const core::ffi::c_char = signature_of::<nested>();
    assert_eq!(NESTED.unwrap().to_bytes_with_nul(), b"221222121\0");
    assert_eq!(SIGNATURE, NESTED.unwrap().as_ptr());
    assert!(<with_foreign as AllocType>::FIELD_SIGNATURE.is_none());
    assert!(<with_foreign as AllocType>::SIGNATURE.is_none());
    assert_eq!(
        <empty as AllocType>::FIELD_SIGNATURE
            .unwrap()
            .to_bytes_with_nul(),
        b"\0"
    );
    // Others have none: `SIGNATURE` points into the promoted `SHAPE_STATIC`.
    assert!(<[u8; 4] as AllocType>::FIELD_SIGNATURE.is_none());
    assert_eq!(
        signature_of::<[u8; 4]>(),
        <[u8; 4] as AllocType>::SHAPE_STATIC.as_c_ptr()
    );
}

// ---------------------------------------------------------------------------------------------
// The cross-language check.

/// The generator's seed: change it to explore other types.
const SEED: u64 = 0x6b70_6172_745f_5348;
/// Named records to generate.
const RECORDS: usize = 320;

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A C scalar: its Rust type and C spellings.
struct Prim {
    rust: &'static str,
    spellings: &'static [&'static str],
}

const PRIMS: &[Prim] = &[
    Prim {
        rust: "u8",
        spellings: &["unsigned char", "uint8_t", "u8"],
    },
    Prim {
        rust: "i8",
        spellings: &["signed char", "int8_t"],
    },
    Prim {
        rust: "u16",
        spellings: &["unsigned short", "uint16_t"],
    },
    Prim {
        rust: "i16",
        spellings: &["short", "int16_t"],
    },
    Prim {
        rust: "u32",
        spellings: &["unsigned int", "uint32_t", "u32"],
    },
    Prim {
        rust: "i32",
        spellings: &["int", "int32_t"],
    },
    Prim {
        rust: "u64",
        spellings: &["unsigned long long", "u64"],
    },
    Prim {
        rust: "i64",
        spellings: &["long long", "int64_t"],
    },
    Prim {
        rust: "usize",
        spellings: &["unsigned long", "size_t"],
    },
    Prim {
        rust: "isize",
        spellings: &["long", "ssize_t", "intptr_t"],
    },
    Prim {
        rust: "bool",
        spellings: &["_Bool", "bool"],
    },
    Prim {
        rust: "u128",
        spellings: &["unsigned __int128"],
    },
    Prim {
        rust: "i128",
        spellings: &["__int128"],
    },
    Prim {
        rust: "CChar",
        spellings: &["char"],
    },
    Prim {
        rust: "UintPtr",
        spellings: &["uintptr_t"],
    },
];

const C_PRELUDE: &str = "\
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
";

#[derive(Clone, Debug)]
enum Ty {
    /// `PRIMS[.0]`, spelled `PRIMS[.0].spellings[.1]` in C.
    Prim(usize, usize),
    /// `void`: only pointed to or returned.
    Void,
    Record(usize),
    Alias(usize),
    /// A pointer; `.1`: to const.
    Ptr(Box<Ty>, bool),
    Array(Box<Ty>, usize),
    /// A pointer to a function: return type, parameters.
    Fn(Box<Ty>, Vec<Ty>),
}

struct Field {
    name: String,
    ty: Ty,
    /// An anonymous record defined in place (C only; Rust names it).
    inline: Option<usize>,
    /// A transparent Rust wrapper (`ManuallyDrop`...).
    wrapper: Option<&'static str>,
}

struct Record {
    name: String,
    union: bool,
    /// `typedef struct { ... } name;`
    anon_typedef: bool,
    /// Defined in place in another record's member list.
    inline: bool,
    /// `aligned(N)` / `align(N)`.
    align: Option<usize>,
    /// `packed` (structs whose fields are scalars, pointers and arrays of them only).
    packed: bool,
    fields: Vec<Field>,
}

struct Alias {
    name: String,
    target: Ty,
}

enum Def {
    Record(usize),
    Alias(usize),
}

struct Gen {
    rng: Rng,
    records: Vec<Record>,
    aliases: Vec<Alias>,
    defs: Vec<Def>,
    /// Records defined so far (usable as members).
    defined: Vec<usize>,
    /// Writing a packed record in Rust.
    in_packed: bool,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen {
            rng: Rng(seed),
            records: Vec::new(),
            aliases: Vec::new(),
            defs: Vec::new(),
            defined: Vec::new(),
            in_packed: false,
        }
    }

    fn prim(&mut self) -> Ty {
        let p = self.rng.below(PRIMS.len());
        let s = self.rng.below(PRIMS[p].spellings.len());
        Ty::Prim(p, s)
    }

    /// A leaf type: a primitive, a defined record, a typedef; `flat`: primitives only.
    fn leaf(&mut self, flat: bool) -> Ty {
        if flat {
            return self.prim();
        }
        let ty = match self.rng.below(10) {
            0..=4 => return self.prim(),
            5..=7 if !self.defined.is_empty() => Ty::Record(*self.rng.pick(&self.defined.clone())),
            8 | 9 if !self.aliases.is_empty() => Ty::Alias(self.rng.below(self.aliases.len())),
            _ => return self.prim(),
        };
        // Keep records small enough for arrays of them to stay small.
        if self.approx_size(&ty) > 1024 {
            self.prim()
        } else {
            ty
        }
    }

    /// About the size of a type (no padding): enough to keep the generated types small.
    fn approx_size(&self, ty: &Ty) -> usize {
        match ty {
            Ty::Prim(p, _) => match PRIMS[*p].rust {
                "u8" | "i8" | "bool" | "CChar" => 1,
                "u16" | "i16" => 2,
                "u32" | "i32" => 4,
                "u128" | "i128" => 16,
                _ => 8,
            },
            Ty::Void => 1,
            Ty::Ptr(..) | Ty::Fn(..) => 8,
            Ty::Array(element, len) => self.approx_size(element) * len,
            Ty::Alias(a) => self.approx_size(&self.aliases[*a].target),
            Ty::Record(r) => {
                let record = &self.records[*r];
                let sizes = record.fields.iter().map(|f| self.approx_size(&f.ty));
                if record.union {
                    sizes.max().unwrap_or(0)
                } else {
                    sizes.sum()
                }
            }
        }
    }

    /// A member type; `flat`: no records or typedefs by value (packed records).
    fn value(&mut self, depth: usize, flat: bool) -> Ty {
        if depth == 0 {
            return self.leaf(flat);
        }
        match self.rng.below(20) {
            0..=8 => self.leaf(flat),
            9..=12 => self.pointer(depth - 1),
            13..=17 => {
                let element = self.value(depth - 1, flat);
                let mut len = match self.rng.below(20) {
                    0 => 0,
                    1 => 16 + self.rng.below(40),
                    _ => 1 + self.rng.below(6),
                };
                while len > 1 && self.approx_size(&element) * len > 2048 {
                    len /= 2;
                }
                Ty::Array(Box::new(element), len)
            }
            _ => self.function(depth - 1),
        }
    }

    fn pointer(&mut self, depth: usize) -> Ty {
        let pointee = match self.rng.below(6) {
            0 => Ty::Void,
            1 => {
                let tagged: Vec<usize> = (0..self.records.len())
                    .filter(|&i| !self.records[i].anon_typedef && !self.records[i].inline)
                    .collect();
                Ty::Record(*self.rng.pick(&tagged))
            }
            _ => self.value(depth.min(1), false),
        };
        Ty::Ptr(Box::new(pointee), self.rng.percent(35))
    }

    fn function(&mut self, depth: usize) -> Ty {
        let ret = if self.rng.percent(40) {
            Ty::Void
        } else if self.rng.percent(50) {
            self.prim()
        } else {
            self.pointer(depth.min(1))
        };
        let params = (0..self.rng.below(4)).map(|_| self.prim()).collect();
        Ty::Fn(Box::new(ret), params)
    }

    fn fields(&mut self, nesting: usize, flat: bool) -> Vec<Field> {
        let count = match self.rng.below(12) {
            0 => 0,
            1 => 6 + self.rng.below(8),
            _ => 1 + self.rng.below(5),
        };
        (0..count)
            .map(|i| {
                let name = format!("f{i}");
                let wrapper = self.rng.percent(10).then(|| {
                    *self
                        .rng
                        .pick(&["ManuallyDrop", "MaybeUninit", "Cell", "UnsafeCell"])
                });
                if !flat && nesting < 2 && self.rng.percent(6) {
                    let r = self.records.len();
                    let union = self.rng.percent(40);
                    self.records.push(Record {
                        name: format!("kshin{r}"),
                        union,
                        anon_typedef: false,
                        inline: true,
                        align: None,
                        packed: false,
                        fields: Vec::new(),
                    });
                    let mut fields = self.fields(nesting + 1, false);
                    if union && fields.is_empty() {
                        fields.push(self.one_field());
                    }
                    self.records[r].fields = fields;
                    Field {
                        name,
                        ty: Ty::Record(r),
                        inline: Some(r),
                        wrapper,
                    }
                } else {
                    Field {
                        name,
                        ty: self.value(3, flat),
                        inline: None,
                        wrapper,
                    }
                }
            })
            .collect()
    }

    fn one_field(&mut self) -> Field {
        Field {
            name: "f0".to_string(),
            ty: self.value(2, false),
            inline: None,
            wrapper: None,
        }
    }

    fn generate(&mut self) {
        // Record shells first, so that pointers may reach records defined later.
        for i in 0..RECORDS {
            let union = self.rng.percent(30);
            let packed = !union && self.rng.percent(8);
            let align = (!packed && self.rng.percent(8)).then(|| *self.rng.pick(&[8, 16, 32, 64]));
            self.records.push(Record {
                name: format!("ksh{i}{}", if union { "u" } else { "s" }),
                union,
                anon_typedef: self.rng.percent(12),
                inline: false,
                align,
                packed,
                fields: Vec::new(),
            });
        }
        for i in 0..RECORDS {
            if self.rng.percent(20) {
                let target = self.value(2, false);
                self.aliases.push(Alias {
                    name: format!("ksht{}", self.aliases.len()),
                    target,
                });
                self.defs.push(Def::Alias(self.aliases.len() - 1));
            }
            let packed = self.records[i].packed;
            let mut fields = if i % 97 == 50 {
                // Larger than 8 KiB.
                vec![Field {
                    name: "big".to_string(),
                    ty: Ty::Array(Box::new(self.prim()), 8200 + self.rng.below(100)),
                    inline: None,
                    wrapper: None,
                }]
            } else {
                self.fields(0, packed)
            };
            if self.records[i].union && fields.is_empty() {
                fields.push(self.one_field());
            }
            self.records[i].fields = fields;
            self.defs.push(Def::Record(i));
            // Members by value: not the records over 8 KiB (their arrays would be huge), nor
            // the packed ones, whose pointers at unaligned offsets the two sides see differently
            // when they are nested at an offset that is not a multiple of 8 (see `packed_holder`).
            if i % 97 != 50 && !packed {
                self.defined.push(i);
            }
        }
        // `uintptr_t` through typedefs, in arrays, in unions with data.
        let uintptr = Ty::Prim(PRIMS.len() - 1, 0);
        let int = Ty::Prim(5, 0);
        let uptr = self.alias_of("kshfix_uptr", uintptr.clone());
        let uptr2 = self.alias_of("kshfix_uptr2", uptr.clone());
        let uarr = self.alias_of("kshfix_uarr", Ty::Array(Box::new(uintptr.clone()), 3));
        for (k, (union, tys)) in [
            (false, vec![int.clone(), uptr2.clone()]),
            (
                false,
                vec![Ty::Array(Box::new(uptr.clone()), 2), int.clone()],
            ),
            (false, vec![int.clone(), uarr.clone()]),
            (true, vec![int.clone(), uptr.clone()]),
            (true, vec![Ty::Prim(0, 0), Ty::Array(Box::new(uptr2), 2)]),
        ]
        .into_iter()
        .enumerate()
        {
            let fields = tys
                .into_iter()
                .enumerate()
                .map(|(i, ty)| Field {
                    name: format!("f{i}"),
                    ty,
                    inline: None,
                    wrapper: None,
                })
                .collect();
            self.records.push(Record {
                name: format!("kshfix{k}"),
                union,
                anon_typedef: false,
                inline: false,
                align: None,
                packed: false,
                fields,
            });
            self.defs.push(Def::Record(self.records.len() - 1));
        }
    }

    fn alias_of(&mut self, name: &str, target: Ty) -> Ty {
        self.aliases.push(Alias {
            name: name.to_string(),
            target,
        });
        self.defs.push(Def::Alias(self.aliases.len() - 1));
        Ty::Alias(self.aliases.len() - 1)
    }

    /// The C declaration of `inner` (a name, or empty) with type `ty`, `const` if `konst`.
    fn c_decl(&self, ty: &Ty, konst: bool, inner: &str) -> String {
        let q = if konst { "const " } else { "" };
        let sep = if inner.is_empty() { "" } else { " " };
        match ty {
            Ty::Prim(p, s) => format!("{q}{}{sep}{inner}", PRIMS[*p].spellings[*s]),
            Ty::Void => format!("{q}void{sep}{inner}"),
            Ty::Record(r) => {
                let record = &self.records[*r];
                let name = if record.anon_typedef {
                    record.name.clone()
                } else {
                    let kw = if record.union { "union" } else { "struct" };
                    format!("{kw} {}", record.name)
                };
                format!("{q}{name}{sep}{inner}")
            }
            Ty::Alias(a) => format!("{q}{}{sep}{inner}", self.aliases[*a].name),
            Ty::Ptr(pointee, pointee_const) => {
                let mut d = format!("*{q}{inner}");
                if matches!(**pointee, Ty::Array(..)) {
                    d = format!("({d})");
                }
                self.c_decl(pointee, *pointee_const, &d)
            }
            Ty::Array(element, len) => self.c_decl(element, konst, &format!("{inner}[{len}]")),
            Ty::Fn(ret, params) => {
                let params = if params.is_empty() {
                    "void".to_string()
                } else {
                    params
                        .iter()
                        .map(|p| self.c_decl(p, false, ""))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                self.c_decl(ret, false, &format!("(*{q}{inner})({params})"))
            }
        }
    }

    fn c_attributes(&self, r: usize) -> String {
        let record = &self.records[r];
        match (record.packed, record.align) {
            (true, _) => " __attribute__((packed))".to_string(),
            (false, Some(n)) => format!(" __attribute__((aligned({n})))"),
            (false, None) => String::new(),
        }
    }

    fn c_record_body(&self, r: usize, indent: usize) -> String {
        let pad = "    ".repeat(indent + 1);
        let mut out = String::new();
        for field in &self.records[r].fields {
            match field.inline {
                Some(inner) => {
                    let kw = if self.records[inner].union {
                        "union"
                    } else {
                        "struct"
                    };
                    let body = self.c_record_body(inner, indent + 1);
                    let _ = writeln!(out, "{pad}{kw} {{\n{body}{pad}}} {};", field.name);
                }
                None => {
                    let _ = writeln!(out, "{pad}{};", self.c_decl(&field.ty, false, &field.name));
                }
            }
        }
        out
    }

    fn c_source(&self) -> String {
        let mut out = String::from(C_PRELUDE);
        for record in &self.records {
            if !record.inline && !record.anon_typedef {
                let kw = if record.union { "union" } else { "struct" };
                let _ = writeln!(out, "{kw} {};", record.name);
            }
        }
        for def in &self.defs {
            match def {
                Def::Alias(a) => {
                    let alias = &self.aliases[*a];
                    let _ = writeln!(
                        out,
                        "typedef {};",
                        self.c_decl(&alias.target, false, &alias.name)
                    );
                }
                Def::Record(r) => {
                    let record = &self.records[*r];
                    let kw = if record.union { "union" } else { "struct" };
                    let attrs = self.c_attributes(*r);
                    let body = self.c_record_body(*r, 0);
                    if record.anon_typedef {
                        let _ = writeln!(out, "typedef {kw}{attrs} {{\n{body}}} {};", record.name);
                    } else {
                        let _ = writeln!(out, "{kw}{attrs} {} {{\n{body}}};", record.name);
                    }
                }
            }
        }
        out
    }

    /// A Rust spelling of `ty`; equivalent spellings are picked at random.
    fn rust_ty(&mut self, ty: &Ty) -> String {
        match ty {
            Ty::Prim(p, _) => PRIMS[*p].rust.to_string(),
            Ty::Void => self.rng.pick(&["c_void", "()"]).to_string(),
            Ty::Record(r) => self.records[*r].name.clone(),
            Ty::Alias(a) => self.aliases[*a].name.clone(),
            Ty::Ptr(pointee, pointee_const) => {
                let t = self.rust_ty(pointee);
                let forms: &[&str] = if *pointee_const {
                    &["*const T", "&'static T", "Option<&'static T>"]
                } else if self.in_packed {
                    // `AtomicPtr` is `align(8)`, which a packed struct cannot hold.
                    &[
                        "*mut T",
                        "&'static mut T",
                        "NonNull<T>",
                        "Option<NonNull<T>>",
                        "Option<&'static mut T>",
                    ]
                } else {
                    &[
                        "*mut T",
                        "&'static mut T",
                        "NonNull<T>",
                        "Option<NonNull<T>>",
                        "Option<&'static mut T>",
                        "AtomicPtr<T>",
                    ]
                };
                self.rng.pick(forms).replace('T', &t)
            }
            Ty::Array(element, len) => format!("[{}; {len}]", self.rust_ty(element)),
            Ty::Fn(ret, params) => {
                let params: Vec<String> = params.iter().map(|p| self.rust_ty(p)).collect();
                let ret = match **ret {
                    Ty::Void => String::new(),
                    _ => format!(" -> {}", self.rust_ty(ret)),
                };
                let f = format!("fn({}){ret}", params.join(", "));
                match self.rng.below(4) {
                    0 => format!("Option<unsafe extern \"C\" {f}>"),
                    1 => format!("Option<extern \"C\" {f}>"),
                    2 => format!("unsafe extern \"C\" {f}"),
                    _ => format!("extern \"C\" {f}"),
                }
            }
        }
    }

    fn rust_record(&mut self, r: usize, out: &mut String) {
        let union = self.records[r].union;
        let fields = std::mem::take(&mut self.records[r].fields);
        let mut body = String::new();
        self.in_packed = self.records[r].packed;
        for field in &fields {
            if let Some(inner) = field.inline {
                self.rust_record(inner, out);
            }
            let mut ty = self.rust_ty(&field.ty);
            if let Some(wrapper) = field.wrapper {
                ty = format!("{wrapper}<{ty}>");
            }
            if union {
                ty = format!("ManuallyDrop<{ty}>");
            }
            let _ = writeln!(body, "        {}: {ty},", field.name);
        }
        self.records[r].fields = fields;
        let record = &self.records[r];
        let repr = match (record.packed, record.align) {
            (true, _) => "C, packed".to_string(),
            (false, Some(n)) => format!("C, align({n})"),
            (false, None) => "C".to_string(),
        };
        let kw = if union { "union" } else { "struct" };
        let _ = writeln!(
            out,
            "kpart_type! {{\n    #[repr({repr})]\n    pub {kw} {} {{\n{body}    }}\n}}",
            record.name
        );
    }

    fn rust_source(&mut self, alloc_token_rs: &Path, rebound_rs: &Path) -> String {
        let mut out = format!(
            "#![allow(warnings)]\n\
             #[path = {:?}]\n\
             mod alloc_token;\n\
             #[path = {:?}]\n\
             mod rebound;\n\
             use alloc_token::{{kpart_type, signature_of, AllocType, CChar, UintPtr}};\n\
             use core::cell::{{Cell, UnsafeCell}};\n\
             use core::ffi::{{c_void, CStr}};\n\
             use core::mem::{{ManuallyDrop, MaybeUninit}};\n\
             use core::ptr::NonNull;\n\
             use core::sync::atomic::AtomicPtr;\n\n\
             fn row<T: AllocType>(name: &str) {{\n\
             \x20   let shape = T::SHAPE;\n\
             \x20   let c = signature_of::<T>();\n\
             \x20   if shape.is_none() {{\n\
             \x20       assert!(c.is_null() && T::FIELD_SIGNATURE.is_none());\n\
             \x20       println!(\"{{name}}\\t{{}}\\t-\", core::mem::size_of::<T>());\n\
             \x20   }} else {{\n\
             \x20       let c = unsafe {{ CStr::from_ptr(c) }};\n\
             \x20       assert_eq!(c.to_bytes(), shape.as_bytes());\n\
             \x20       assert_eq!(T::FIELD_SIGNATURE, Some(c));\n\
             \x20       println!(\"{{name}}\\t{{}}\\t{{}}\", core::mem::size_of::<T>(), shape.as_str());\n\
             \x20   }}\n\
             }}\n\n",
            alloc_token_rs.display().to_string(),
            rebound_rs.display().to_string()
        );
        for r in 0..self.records.len() {
            if !self.records[r].inline {
                self.rust_record(r, &mut out);
            }
        }
        for a in 0..self.aliases.len() {
            let target = self.aliases[a].target.clone();
            let ty = self.rust_ty(&target);
            let _ = writeln!(out, "type {} = {ty};", self.aliases[a].name);
        }
        out.push_str("\nfn main() {\n");
        for record in &self.records {
            if !record.inline {
                let _ = writeln!(out, "    row::<{0}>(\"{0}\");", record.name);
            }
        }
        out.push_str("}\n");
        out
    }

    /// The C definition of a record, for reports.
    fn c_def(&self, r: usize) -> String {
        let record = &self.records[r];
        let kw = if record.union { "union" } else { "struct" };
        format!(
            "{kw}{} {} {{\n{}}};\n",
            self.c_attributes(r),
            record.name,
            self.c_record_body(r, 0)
        )
    }
}

fn run(command: &mut Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    if !output.status.success() {
        panic!(
            "{what} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output
}

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
        .canonicalize()
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `name -> (size, signature or "-")`, from lines `name<TAB>size<TAB>signature`.
fn parse_rows(text: &str, what: &str) -> HashMap<String, (usize, String)> {
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 3, "{what}: bad line {line:?}");
            let size = fields[1]
                .parse()
                .unwrap_or_else(|_| panic!("{what}: bad size in {line:?}"));
            (fields[0].to_string(), (size, fields[2].to_string()))
        })
        .collect()
}

#[test]
fn rust_signatures_match_kpart_shape_on_random_c_types() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("shape");
    std::fs::create_dir_all(&dir).unwrap();
    let mut gen = Gen::new(SEED);
    gen.generate();

    let c_file = dir.join("types.c");
    std::fs::write(&c_file, gen.c_source()).unwrap();
    let rs_file = dir.join("types.rs");
    let bin = dir.join("types");
    let rust_source = gen.rust_source(
        &repo_file("rust/abi/alloc_token.rs"),
        &repo_file("rust/abi/rebound.rs"),
    );
    std::fs::write(&rs_file, rust_source).unwrap();
    run(
        Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string()))
            .args([
                "--edition",
                "2021",
                "-C",
                "opt-level=0",
                "-C",
                "debuginfo=0",
                "-o",
            ])
            .arg(&bin)
            .arg(&rs_file),
        "rustc on the generated Rust types",
    );
    let rust = parse_rows(
        &String::from_utf8(run(&mut Command::new(&bin), "the generated Rust program").stdout)
            .unwrap(),
        "Rust",
    );

    let tool = repo_file("scripts/kpart-shape");
    let c = parse_rows(
        &String::from_utf8(
            run(
                Command::new(&tool).arg("--signatures").arg(&c_file),
                "scripts/kpart-shape --signatures",
            )
            .stdout,
        )
        .unwrap(),
        "kpart-shape",
    );

    let mut report = String::new();
    let mut mismatches = 0;
    let (mut compared, mut none, mut pointers, mut mixed) = (0, 0, 0, 0);
    for (r, record) in gen.records.iter().enumerate() {
        if record.inline {
            continue;
        }
        let (rust_size, rust_sig) = &rust[&record.name];
        let Some((c_size, c_sig)) = c.get(&record.name) else {
            mismatches += 1;
            let _ = writeln!(report, "{}: kpart-shape has no layout", record.name);
            continue;
        };
        compared += 1;
        let expected = if *c_size > MAX_SIZE { "-" } else { c_sig };
        none += usize::from(rust_sig == "-");
        pointers += usize::from(rust_sig.contains(['1', '3']));
        mixed += usize::from(rust_sig.contains('3'));
        if rust_size != c_size || rust_sig != expected {
            mismatches += 1;
            if mismatches <= 30 {
                let _ = writeln!(
                    report,
                    "{}: C {c_size} {c_sig:?}, Rust {rust_size} {rust_sig:?}\n{}",
                    record.name,
                    gen.c_def(r)
                );
            }
        }
    }
    assert!(
        mismatches == 0,
        "{mismatches} of {compared} records differ:\n{report}"
    );
    assert!(compared >= 300, "only {compared} records compared");
    assert!(none >= 3, "only {none} records without a signature");
    assert!(
        pointers >= 100 && mixed >= 10,
        "{pointers} with pointers, {mixed} with '3'"
    );
    eprintln!(
        "{compared} records agree with kpart-shape ({pointers} with pointers, {mixed} with '3', \
         {none} over 8 KiB)"
    );
}
