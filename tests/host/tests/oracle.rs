// SPDX-License-Identifier: GPL-2.0

//! Clang as the oracle for `rust/abi/alloc_token.rs`.
//!
//! A seeded generator makes several hundred random C types (structs and unions with distinct
//! names, nested and anonymous records, arrays, function pointers, `uintptr_t` members, typedef
//! chains, primitives in their many spellings, pointers to all of them) and the same types in
//! Rust (`kpart_type!` and the `AllocType` impls). `clang-22` compiles the C file once per bound
//! and mode, folding `__builtin_infer_alloc_token(sizeof(T))` of every type into a constant, and
//! once with `-fsanitize=alloc-token` to read the name and pointer flag it gives each type; host
//! `rustc` compiles the Rust program, which computes the same tokens in constants. Every token,
//! name and pointer flag must be equal, bit for bit. `KPART_CLANG` overrides the compiler.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use kpart_host::alloc_token::{can_rebound, rebound, TokenMode, UNBOUNDED};

/// The generator's seed: change it to explore other types.
const SEED: u64 = 0x6b70_6172_745f_0001;
/// Named records (structs and unions) to generate.
const RECORDS: usize = 260;
/// Random non-record types to allocate, besides records, typedefs and primitives.
const EXTRA_TYPES: usize = 380;
/// The longest canonical name the generator lets through (`TypeName` holds 256 bytes).
const MAX_NAME: usize = 200;

/// How Clang is asked for the mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClangMode {
    /// No mode flag: Clang's default.
    Default,
    /// `-Xclang -falloc-token-mode=typehash`.
    TypeHash,
    /// `-Xclang -falloc-token-mode=typehashpointersplit`.
    Split,
}

impl ClangMode {
    fn token_mode(self) -> TokenMode {
        match self {
            ClangMode::TypeHash => TokenMode::TypeHash,
            ClangMode::Default | ClangMode::Split => TokenMode::TypeHashPointerSplit,
        }
    }
}

/// One compilation: `-falloc-token-max` (none: unbounded) and mode.
#[derive(Clone, Copy, Debug)]
struct Config {
    max: Option<u64>,
    mode: ClangMode,
}

impl Config {
    fn max(&self) -> u64 {
        self.max.unwrap_or(UNBOUNDED)
    }

    fn describe(&self) -> String {
        let max = self.max.map_or("none".to_string(), |m| m.to_string());
        format!("max={max} mode={:?}", self.mode)
    }
}

fn configs() -> Vec<Config> {
    let mut configs = Vec::new();
    for max in [
        None,
        Some(1),
        Some(2),
        Some(4),
        Some(8),
        Some(16),
        Some(32),
        Some(64),
        Some(256),
    ] {
        for mode in [ClangMode::TypeHash, ClangMode::Split] {
            configs.push(Config { max, mode });
        }
    }
    for max in [None, Some(2), Some(16), Some(64), Some(256)] {
        configs.push(Config {
            max,
            mode: ClangMode::Default,
        });
    }
    configs
}

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

    fn suffix(&mut self, len: usize) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
        (0..len).map(|_| *self.pick(CHARS) as char).collect()
    }
}

/// A C scalar and its Rust counterpart.
struct Prim {
    rust: &'static str,
    canonical: &'static str,
    spellings: &'static [&'static str],
}

/// The kernel's view: `u64` is `unsigned long long`, `long` is `isize` (x86_64 LP64, glibc).
const PRIMS: &[Prim] = &[
    Prim {
        rust: "u8",
        canonical: "unsigned char",
        spellings: &["unsigned char", "uint8_t", "u8", "char unsigned"],
    },
    Prim {
        rust: "i8",
        canonical: "signed char",
        spellings: &["signed char", "int8_t", "s8"],
    },
    Prim {
        rust: "u16",
        canonical: "unsigned short",
        spellings: &[
            "unsigned short",
            "unsigned short int",
            "short unsigned",
            "uint16_t",
            "u16",
        ],
    },
    Prim {
        rust: "i16",
        canonical: "short",
        spellings: &["short", "short int", "signed short", "int16_t", "s16"],
    },
    Prim {
        rust: "u32",
        canonical: "unsigned int",
        spellings: &["unsigned int", "unsigned", "uint32_t", "u32"],
    },
    Prim {
        rust: "i32",
        canonical: "int",
        spellings: &["int", "signed int", "signed", "int32_t", "s32"],
    },
    Prim {
        rust: "u64",
        canonical: "unsigned long long",
        spellings: &[
            "unsigned long long",
            "unsigned long long int",
            "long long unsigned",
            "u64",
        ],
    },
    Prim {
        rust: "i64",
        canonical: "long long",
        spellings: &["long long", "long long int", "signed long long", "s64"],
    },
    Prim {
        rust: "usize",
        canonical: "unsigned long",
        spellings: &["unsigned long", "unsigned long int", "size_t", "uint64_t"],
    },
    Prim {
        rust: "isize",
        canonical: "long",
        spellings: &[
            "long",
            "long int",
            "signed long",
            "ssize_t",
            "int64_t",
            "intptr_t",
            "ptrdiff_t",
        ],
    },
    Prim {
        rust: "bool",
        canonical: "_Bool",
        spellings: &["_Bool", "bool"],
    },
    Prim {
        rust: "u128",
        canonical: "unsigned __int128",
        spellings: &["unsigned __int128", "__uint128_t"],
    },
    Prim {
        rust: "i128",
        canonical: "__int128",
        spellings: &["__int128", "signed __int128", "__int128_t"],
    },
    Prim {
        rust: "CChar",
        canonical: "char",
        spellings: &["char"],
    },
    Prim {
        rust: "UintPtr",
        canonical: "unsigned long",
        spellings: &["uintptr_t"],
    },
];

const C_PRELUDE: &str = "\
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

/* The kernel's fixed-size types. */
typedef unsigned char u8;
typedef signed char s8;
typedef unsigned short u16;
typedef short s16;
typedef unsigned int u32;
typedef int s32;
typedef unsigned long long u64;
typedef long long s64;
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
    defined: bool,
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
    /// Generate pointer-free types only (by the generator's own reckoning).
    pointer_free: bool,
    records: Vec<Record>,
    aliases: Vec<Alias>,
    defs: Vec<Def>,
    /// Allocated types.
    allocs: Vec<Ty>,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen {
            rng: Rng(seed),
            pointer_free: false,
            records: Vec::new(),
            aliases: Vec::new(),
            defs: Vec::new(),
            allocs: Vec::new(),
        }
    }

    fn prim(&mut self) -> Ty {
        let count = if self.pointer_free {
            PRIMS.len() - 1
        } else {
            PRIMS.len()
        };
        let p = self.rng.below(count);
        let s = self.rng.below(PRIMS[p].spellings.len());
        Ty::Prim(p, s)
    }

    fn defined_record(&mut self) -> Option<Ty> {
        let defined: Vec<usize> = (0..self.records.len())
            .filter(|&i| self.records[i].defined && !self.records[i].inline)
            .filter(|&i| !self.pointer_free || !self.holds_pointer(&Ty::Record(i)))
            .collect();
        (!defined.is_empty()).then(|| Ty::Record(*self.rng.pick(&defined)))
    }

    fn alias(&mut self, allow_array: bool) -> Option<Ty> {
        let usable: Vec<usize> = (0..self.aliases.len())
            .filter(|&i| allow_array || !self.is_array(&self.aliases[i].target))
            .filter(|&i| !self.pointer_free || !self.holds_pointer(&Ty::Alias(i)))
            .collect();
        (!usable.is_empty()).then(|| Ty::Alias(*self.rng.pick(&usable)))
    }

    fn is_array(&self, ty: &Ty) -> bool {
        match ty {
            Ty::Array(..) => true,
            Ty::Alias(a) => self.is_array(&self.aliases[*a].target),
            _ => false,
        }
    }

    /// Whether a type holds a pointer; only steers the generator (Clang is the judge).
    fn holds_pointer(&self, ty: &Ty) -> bool {
        match ty {
            Ty::Prim(p, _) => PRIMS[*p].rust == "UintPtr",
            Ty::Void => false,
            Ty::Record(r) => self.records[*r]
                .fields
                .iter()
                .any(|f| self.holds_pointer(&f.ty)),
            Ty::Alias(a) => self.holds_pointer(&self.aliases[*a].target),
            Ty::Ptr(..) | Ty::Fn(..) => true,
            Ty::Array(element, _) => self.holds_pointer(element),
        }
    }

    /// A leaf type: a primitive, a defined record, a typedef.
    fn leaf(&mut self, allow_array: bool) -> Ty {
        match self.rng.below(10) {
            0..=4 => self.prim(),
            5..=7 => self.defined_record().unwrap_or_else(|| self.prim()),
            _ => self.alias(allow_array).unwrap_or_else(|| self.prim()),
        }
    }

    /// A complete object type.
    fn value(&mut self, depth: usize) -> Ty {
        if depth == 0 {
            return self.leaf(true);
        }
        match self.rng.below(20) {
            0..=7 => self.leaf(true),
            8..=12 if self.pointer_free => self.leaf(true),
            8..=12 => self.pointer(depth - 1),
            13..=16 => {
                let len = match self.rng.below(20) {
                    0 => 0,
                    1 => 16 + self.rng.below(50),
                    _ => 1 + self.rng.below(8),
                };
                Ty::Array(Box::new(self.value(depth - 1)), len)
            }
            _ if self.pointer_free => self.leaf(true),
            _ => self.function(depth - 1),
        }
    }

    fn pointer(&mut self, depth: usize) -> Ty {
        let pointee = match self.rng.below(12) {
            0 => Ty::Void,
            1 => {
                // Any tagged record, defined yet or not.
                let tagged: Vec<usize> = (0..self.records.len())
                    .filter(|&i| !self.records[i].anon_typedef && !self.records[i].inline)
                    .collect();
                Ty::Record(*self.rng.pick(&tagged))
            }
            _ => self.value(depth),
        };
        Ty::Ptr(Box::new(pointee), self.rng.percent(35))
    }

    /// A type a function takes or returns (no arrays).
    fn param(&mut self, depth: usize) -> Ty {
        if depth == 0 {
            return self.leaf(false);
        }
        match self.rng.below(10) {
            0..=4 => self.leaf(false),
            5..=8 => self.pointer(depth - 1),
            _ => self.function(depth - 1),
        }
    }

    fn function(&mut self, depth: usize) -> Ty {
        let ret = if self.rng.percent(35) {
            Ty::Void
        } else {
            self.param(depth)
        };
        let params = (0..self.rng.below(5)).map(|_| self.param(depth)).collect();
        Ty::Fn(Box::new(ret), params)
    }

    fn add_alias(&mut self) {
        let name = format!("kt{}_{}", self.aliases.len(), {
            let len = self.rng.below(12);
            self.rng.suffix(len)
        });
        let target = loop {
            let t = self.value(3);
            if self.canonical_len(&t) <= MAX_NAME {
                break t;
            }
        };
        self.aliases.push(Alias { name, target });
        self.defs.push(Def::Alias(self.aliases.len() - 1));
    }

    fn fields(&mut self, nesting: usize) -> Vec<Field> {
        let count = match self.rng.below(12) {
            0 => 0,
            1 => 6 + self.rng.below(6),
            _ => 1 + self.rng.below(5),
        };
        (0..count)
            .map(|i| {
                let name = format!("f{i}");
                let wrapper = if self.rng.percent(10) {
                    Some(
                        *self
                            .rng
                            .pick(&["ManuallyDrop", "MaybeUninit", "Cell", "UnsafeCell"]),
                    )
                } else {
                    None
                };
                if nesting < 2 && self.rng.percent(8) {
                    let r = self.records.len();
                    let union = self.rng.percent(40);
                    self.records.push(Record {
                        name: format!("kin{r}"),
                        union,
                        anon_typedef: false,
                        inline: true,
                        defined: false,
                        fields: Vec::new(),
                    });
                    let mut fields = self.fields(nesting + 1);
                    if union && fields.is_empty() {
                        fields.push(self.one_field());
                    }
                    self.records[r].fields = fields;
                    self.records[r].defined = true;
                    Field {
                        name,
                        ty: Ty::Record(r),
                        inline: Some(r),
                        wrapper,
                    }
                } else {
                    Field {
                        name,
                        ty: self.value(3),
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
            ty: self.value(2),
            inline: None,
            wrapper: None,
        }
    }

    fn generate(&mut self) {
        // Record shells first, so that pointers may reach records defined later.
        for i in 0..RECORDS {
            let union = self.rng.percent(35);
            let len = match self.rng.below(10) {
                0 => 40 + self.rng.below(40),
                1 => 0,
                _ => 1 + self.rng.below(16),
            };
            let name = format!(
                "k{i}{}{}",
                if union { "u" } else { "s" },
                self.rng.suffix(len)
            );
            let anon_typedef = self.rng.percent(15);
            self.records.push(Record {
                name,
                union,
                anon_typedef,
                inline: false,
                defined: false,
                fields: Vec::new(),
            });
        }
        for i in 0..RECORDS {
            if self.rng.percent(35) {
                self.pointer_free = self.rng.percent(40);
                self.add_alias();
            }
            self.pointer_free = self.rng.percent(45);
            let mut fields = self.fields(0);
            if self.records[i].union && fields.is_empty() {
                fields.push(self.one_field());
            }
            self.records[i].fields = fields;
            self.records[i].defined = true;
            self.defs.push(Def::Record(i));
        }
        self.pointer_free = false;
        self.add_fixed_cases();

        // Allocated types: every primitive spelling, records, typedefs, random types.
        for (p, prim) in PRIMS.iter().enumerate() {
            for s in 0..prim.spellings.len() {
                self.allocs.push(Ty::Prim(p, s));
            }
        }
        self.allocs.push(Ty::Ptr(Box::new(Ty::Void), false));
        self.allocs.push(Ty::Ptr(Box::new(Ty::Void), true));
        self.allocs.push(Ty::Fn(Box::new(Ty::Void), Vec::new()));
        for r in 0..self.records.len() {
            if !self.records[r].inline {
                self.allocs.push(Ty::Record(r));
            }
        }
        for a in 0..self.aliases.len() {
            self.allocs.push(Ty::Alias(a));
        }
        let mut extra = 0;
        while extra < EXTRA_TYPES {
            let depth = 1 + self.rng.below(4);
            self.pointer_free = self.rng.percent(30);
            let ty = match self.rng.below(4) {
                0 => self.pointer(depth),
                1 => self.function(depth.min(2)),
                _ => self.value(depth),
            };
            if self.canonical_len(&ty) <= MAX_NAME {
                self.allocs.push(ty);
                extra += 1;
            }
        }
    }

    /// Hand-picked records and types around Clang's `uintptr_t` rule, anonymous typedefs and
    /// empty records.
    fn add_fixed_cases(&mut self) {
        let uintptr = Ty::Prim(PRIMS.len() - 1, 0);
        let int = Ty::Prim(5, 0);
        let array = |ty: &Ty, len: usize| Ty::Array(Box::new(ty.clone()), len);
        let mut alias = |name: &str, target: Ty| {
            self.aliases.push(Alias {
                name: name.to_string(),
                target,
            });
            self.defs.push(Def::Alias(self.aliases.len() - 1));
            Ty::Alias(self.aliases.len() - 1)
        };
        let uptr = alias("ktfix_uptr", uintptr.clone());
        let uptr2 = alias("ktfix_uptr2", uptr.clone());
        let uarr = alias("ktfix_uarr", array(&uintptr, 4));
        // (union, typedef of an anonymous record, fields)
        let cases = [
            (false, false, vec![array(&uintptr, 4)]),
            (false, false, vec![uptr2.clone()]),
            (false, false, vec![array(&uptr2, 2)]),
            (false, false, vec![uarr.clone()]),
            (false, false, vec![array(&array(&uptr, 2), 3)]),
            (true, false, vec![int.clone(), uptr.clone()]),
            (true, false, vec![int.clone(), array(&uptr, 1)]),
            (false, true, vec![int.clone()]),
            (true, true, vec![uintptr.clone()]),
            (false, false, vec![]),
            (false, true, vec![]),
        ];
        for (k, (union, anon_typedef, tys)) in cases.into_iter().enumerate() {
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
                name: format!("kfix{k}"),
                union,
                anon_typedef,
                inline: false,
                defined: true,
                fields,
            });
            self.defs.push(Def::Record(self.records.len() - 1));
        }
        for ty in [
            uptr2.clone(),
            array(&uptr2, 3),
            array(&uarr, 2),
            Ty::Ptr(Box::new(uarr), true),
        ] {
            self.allocs.push(ty);
        }
    }

    /// The C base name of a named type.
    fn c_base(&self, ty: &Ty, canonical: bool) -> String {
        match ty {
            Ty::Prim(p, _) if canonical => PRIMS[*p].canonical.to_string(),
            Ty::Prim(p, s) => PRIMS[*p].spellings[*s].to_string(),
            Ty::Void => "void".to_string(),
            Ty::Record(r) => {
                let record = &self.records[*r];
                if canonical || record.anon_typedef {
                    record.name.clone()
                } else {
                    format!(
                        "{} {}",
                        if record.union { "union" } else { "struct" },
                        record.name
                    )
                }
            }
            Ty::Alias(a) => self.aliases[*a].name.clone(),
            _ => unreachable!(),
        }
    }

    /// The C declaration of `inner` (a name, or empty for a type name) with type `ty`,
    /// `const`-qualified if `konst`. `canonical`: typedefs resolved, no tag keywords.
    fn c_decl(&self, ty: &Ty, konst: bool, inner: &str, canonical: bool) -> String {
        let q = if konst { "const " } else { "" };
        match ty {
            Ty::Alias(a) if canonical => self.c_decl(&self.aliases[*a].target, konst, inner, true),
            Ty::Prim(..) | Ty::Void | Ty::Record(_) | Ty::Alias(_) => {
                let sep = if inner.is_empty() { "" } else { " " };
                format!("{q}{}{sep}{inner}", self.c_base(ty, canonical))
            }
            Ty::Ptr(pointee, pointee_const) => {
                let mut d = format!("*{q}{inner}");
                if matches!(**pointee, Ty::Array(..)) {
                    d = format!("({d})");
                }
                self.c_decl(pointee, *pointee_const, &d, canonical)
            }
            Ty::Array(element, len) => {
                self.c_decl(element, konst, &format!("{inner}[{len}]"), canonical)
            }
            Ty::Fn(ret, params) => {
                let params = if params.is_empty() {
                    "void".to_string()
                } else {
                    params
                        .iter()
                        .map(|p| self.c_decl(p, false, "", canonical))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                self.c_decl(ret, false, &format!("(*{q}{inner})({params})"), canonical)
            }
        }
    }

    fn canonical_len(&self, ty: &Ty) -> usize {
        self.c_decl(ty, false, "", true).len()
    }

    fn c_record_body(&self, r: usize, indent: usize) -> String {
        let record = &self.records[r];
        let pad = "    ".repeat(indent + 1);
        let mut out = String::new();
        for field in &record.fields {
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
                    let _ = writeln!(
                        out,
                        "{pad}{};",
                        self.c_decl(&field.ty, false, &field.name, false)
                    );
                }
            }
        }
        out
    }

    fn c_def(&self, def: &Def) -> String {
        match def {
            Def::Alias(a) => {
                let alias = &self.aliases[*a];
                format!(
                    "typedef {};\n",
                    self.c_decl(&alias.target, false, &alias.name, false)
                )
            }
            Def::Record(r) => {
                let record = &self.records[*r];
                let kw = if record.union { "union" } else { "struct" };
                let body = self.c_record_body(*r, 0);
                if record.anon_typedef {
                    format!("typedef {kw} {{\n{body}}} {};\n", record.name)
                } else {
                    format!("{kw} {} {{\n{body}}};\n", record.name)
                }
            }
        }
    }

    fn c_source(&self) -> String {
        let mut out = String::from(C_PRELUDE);
        out.push('\n');
        for record in &self.records {
            if !record.inline && !record.anon_typedef {
                let kw = if record.union { "union" } else { "struct" };
                let _ = writeln!(out, "{kw} {};", record.name);
            }
        }
        out.push('\n');
        for def in &self.defs {
            out.push_str(&self.c_def(def));
        }
        out.push_str("\n#ifdef KP_NAMES\n");
        for (i, ty) in self.allocs.iter().enumerate() {
            let _ = writeln!(
                out,
                "void *kp_f{i}(void) {{ return malloc(sizeof({})); }}",
                self.c_decl(ty, false, "", false)
            );
        }
        out.push_str("#else\n");
        for (i, ty) in self.allocs.iter().enumerate() {
            let _ = writeln!(
                out,
                "const unsigned long long kp_t{i} = __builtin_infer_alloc_token(sizeof({}));",
                self.c_decl(ty, false, "", false)
            );
        }
        out.push_str("#endif\n");
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
                    Ty::Void if self.rng.percent(70) => String::new(),
                    Ty::Void => " -> ()".to_string(),
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
        let name = self.records[r].name.clone();
        let fields = std::mem::take(&mut self.records[r].fields);
        let mut body = String::new();
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
            let attr = match self.rng.below(8) {
                0 => "        /// A field.\n",
                1 => "        #[allow(unused)]\n",
                _ => "",
            };
            let vis = self.rng.pick(&["pub ", "", "pub(crate) "]);
            let _ = writeln!(body, "{attr}        {vis}{}: {ty},", field.name);
        }
        self.records[r].fields = fields;
        let attrs = match self.rng.below(4) {
            0 => "    /// A record.\n    #[repr(C)]\n",
            1 => "    #[repr(C)]\n    #[allow(dead_code)]\n",
            _ => "    #[repr(C)]\n",
        };
        let vis = self.rng.pick(&["pub ", "", "pub(crate) "]);
        let kw = if union { "union" } else { "struct" };
        let _ = writeln!(
            out,
            "kpart_type! {{\n{attrs}    {vis}{kw} {name} {{\n{body}    }}\n}}"
        );
    }

    fn rust_source(&mut self, alloc_token_rs: &Path, configs: &[Config]) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "#![allow(warnings)]\n\
             #[path = {:?}]\n\
             mod alloc_token;\n\
             #[path = {:?}]\n\
             mod rebound;\n\
             use alloc_token::{{kpart_type, AllocType, CChar, TokenMode, TypeName, UintPtr}};\n\
             use core::cell::{{Cell, UnsafeCell}};\n\
             use core::ffi::c_void;\n\
             use core::mem::{{ManuallyDrop, MaybeUninit}};\n\
             use core::ptr::NonNull;\n\
             use core::sync::atomic::AtomicPtr;\n",
            alloc_token_rs.display().to_string(),
            rebound_rs().display().to_string()
        );
        let _ = writeln!(out, "const K: usize = {};", configs.len());
        out.push_str("const CONFIGS: [(u64, TokenMode); K] = [\n");
        for c in configs {
            let _ = writeln!(
                out,
                "    ({}, TokenMode::{:?}),",
                c.max(),
                c.mode.token_mode()
            );
        }
        out.push_str(
            "];\n\n\
             const fn row<T: AllocType>() -> (TypeName, bool, [u64; K]) {\n\
             \x20   let mut tokens = [0u64; K];\n\
             \x20   let mut i = 0;\n\
             \x20   while i < K {\n\
             \x20       tokens[i] = alloc_token::token_of::<T>(CONFIGS[i].0, CONFIGS[i].1);\n\
             \x20       i += 1;\n\
             \x20   }\n\
             \x20   (T::NAME, T::HAS_POINTER, tokens)\n\
             }\n\n",
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
        let _ = writeln!(
            out,
            "\nstatic ROWS: [(TypeName, bool, [u64; K]); {}] = [",
            self.allocs.len()
        );
        let allocs = self.allocs.clone();
        for ty in &allocs {
            let _ = writeln!(out, "    row::<{}>(),", self.rust_ty(ty));
        }
        out.push_str(
            "];\n\n\
             fn main() {\n\
             \x20   for (i, (name, pointer, tokens)) in ROWS.iter().enumerate() {\n\
             \x20       print!(\"{i}\\t{}\", *pointer as u8);\n\
             \x20       for t in tokens {\n\
             \x20           print!(\"\\t{t}\");\n\
             \x20       }\n\
             \x20       println!(\"\\t{name}\");\n\
             \x20   }\n\
             }\n",
        );
        out
    }
}

/// What one side says about one allocated type.
#[derive(Clone, Debug, Default)]
struct Facts {
    name: String,
    pointer: bool,
    tokens: Vec<u64>,
}

struct Oracle {
    configs: Vec<Config>,
    /// The C type of each allocation, as written in `sizeof`.
    c_types: Vec<String>,
    /// The C definition behind a record or typedef allocation.
    c_defs: Vec<Option<String>>,
    clang: Vec<Facts>,
    rust: Vec<Facts>,
}

fn clang() -> String {
    std::env::var("KPART_CLANG").unwrap_or_else(|_| "clang-22".to_string())
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

fn check_clang() {
    let clang = clang();
    let version = Command::new(&clang).arg("--version").output();
    match version {
        Ok(out) if out.status.success() => {}
        _ => panic!(
            "the Clang oracle needs `{clang}` (Clang 22, with __builtin_infer_alloc_token) on \
             PATH, or KPART_CLANG naming it; it was not found"
        ),
    }
}

fn work_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oracle");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn alloc_token_rs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../rust/abi/alloc_token.rs")
        .canonicalize()
        .expect("rust/abi/alloc_token.rs")
}

/// `rust/abi/rebound.rs`, which `alloc_token.rs` takes as a sibling module.
fn rebound_rs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../rust/abi/rebound.rs")
        .canonicalize()
        .expect("rust/abi/rebound.rs")
}

/// Compiles the C file for one config and reads `kp_t<i>`.
fn clang_tokens(c_file: &Path, config: &Config, count: usize) -> Vec<u64> {
    let mut cmd = Command::new(clang());
    cmd.args(["-std=gnu11", "-S", "-emit-llvm", "-o", "-"]);
    if let Some(max) = config.max {
        cmd.arg(format!("-falloc-token-max={max}"));
    }
    match config.mode {
        ClangMode::Default => {}
        ClangMode::TypeHash => {
            cmd.args(["-Xclang", "-falloc-token-mode=typehash"]);
        }
        ClangMode::Split => {
            cmd.args(["-Xclang", "-falloc-token-mode=typehashpointersplit"]);
        }
    }
    cmd.arg(c_file);
    let ir = String::from_utf8(run(&mut cmd, &config.describe()).stdout).unwrap();
    let mut tokens = vec![None; count];
    for line in ir.lines() {
        let Some(rest) = line.strip_prefix("@kp_t") else {
            continue;
        };
        let (index, rest) = rest.split_once(" = ").unwrap();
        let value = rest
            .split("i64 ")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap();
        let value = value.trim().parse::<i64>().unwrap() as u64;
        tokens[index.parse::<usize>().unwrap()] = Some(value);
    }
    tokens
        .into_iter()
        .enumerate()
        .map(|(i, t)| t.unwrap_or_else(|| panic!("no kp_t{i} in Clang's output")))
        .collect()
}

/// Compiles the C file with `-fsanitize=alloc-token` and reads each `malloc`'s
/// `!alloc_token` metadata: the name and pointer flag Clang hashes.
fn clang_names(c_file: &Path, count: usize) -> Vec<(String, bool)> {
    let mut cmd = Command::new(clang());
    cmd.args([
        "-std=gnu11",
        "-DKP_NAMES",
        "-fsanitize=alloc-token",
        "-Xclang",
        "-disable-llvm-passes",
        "-S",
        "-emit-llvm",
        "-o",
        "-",
    ]);
    cmd.arg(c_file);
    let ir = String::from_utf8(run(&mut cmd, "names").stdout).unwrap();
    let mut metadata = std::collections::HashMap::new();
    for line in ir.lines() {
        if let Some(rest) = line.strip_prefix('!') {
            if let Some((id, value)) = rest.split_once(" = !{!\"") {
                if let Some((name, flag)) = value.rsplit_once("\", i1 ") {
                    metadata.insert(id.to_string(), (name.to_string(), flag.starts_with("true")));
                }
            }
        }
    }
    let mut names = vec![None; count];
    let mut current = None;
    for line in ir.lines() {
        if let Some(rest) = line.strip_prefix("define dso_local ptr @kp_f") {
            current = Some(rest.split('(').next().unwrap().parse::<usize>().unwrap());
        } else if let (Some(i), Some(pos)) = (current, line.find("!alloc_token !")) {
            let id: String = line[pos + 14..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            names[i] = Some(metadata[&id].clone());
            current = None;
        }
    }
    names
        .into_iter()
        .enumerate()
        .map(|(i, n)| n.unwrap_or_else(|| panic!("Clang inferred no type for allocation {i}")))
        .collect()
}

fn build_oracle() -> Oracle {
    check_clang();
    let dir = work_dir();
    let configs = configs();
    let mut gen = Gen::new(SEED);
    gen.generate();
    let count = gen.allocs.len();

    let c_file = dir.join("types.c");
    std::fs::write(&c_file, gen.c_source()).unwrap();
    let c_types: Vec<String> = gen
        .allocs
        .iter()
        .map(|t| gen.c_decl(t, false, "", false))
        .collect();
    let c_defs = gen
        .allocs
        .iter()
        .map(|t| match t {
            Ty::Record(r) => Some(gen.c_def(&Def::Record(*r))),
            Ty::Alias(a) => Some(gen.c_def(&Def::Alias(*a))),
            _ => None,
        })
        .collect();

    let rs_file = dir.join("types.rs");
    let bin = dir.join("types");
    std::fs::write(&rs_file, gen.rust_source(&alloc_token_rs(), &configs)).unwrap();
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
    let rust_out =
        String::from_utf8(run(&mut Command::new(&bin), "generated Rust program").stdout).unwrap();
    let rust: Vec<Facts> = rust_out
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), configs.len() + 3, "bad line {line:?}");
            Facts {
                name: fields[fields.len() - 1].to_string(),
                pointer: fields[1] == "1",
                tokens: fields[2..fields.len() - 1]
                    .iter()
                    .map(|t| t.parse().unwrap())
                    .collect(),
            }
        })
        .collect();
    assert_eq!(rust.len(), count);

    let names = clang_names(&c_file, count);
    let mut clang: Vec<Facts> = names
        .into_iter()
        .map(|(name, pointer)| Facts {
            name,
            pointer,
            tokens: Vec::new(),
        })
        .collect();
    for config in &configs {
        for (facts, token) in clang.iter_mut().zip(clang_tokens(&c_file, config, count)) {
            facts.tokens.push(token);
        }
    }
    Oracle {
        configs,
        c_types,
        c_defs,
        clang,
        rust,
    }
}

fn oracle() -> &'static Oracle {
    static ORACLE: OnceLock<Oracle> = OnceLock::new();
    ORACLE.get_or_init(build_oracle)
}

#[test]
fn rust_tokens_names_and_pointer_flags_match_clang() {
    let oracle = oracle();
    let mut report = String::new();
    let mut mismatches = 0;
    let mut distinct = std::collections::HashSet::new();
    for (i, (c, r)) in oracle.clang.iter().zip(&oracle.rust).enumerate() {
        distinct.insert(c.name.clone());
        let mut problems = Vec::new();
        if c.name != r.name {
            problems.push(format!("name: clang {:?}, rust {:?}", c.name, r.name));
        }
        if c.pointer != r.pointer {
            problems.push(format!("pointer: clang {}, rust {}", c.pointer, r.pointer));
        }
        for (k, config) in oracle.configs.iter().enumerate() {
            if c.tokens[k] != r.tokens[k] {
                problems.push(format!(
                    "{}: clang {}, rust {}",
                    config.describe(),
                    c.tokens[k],
                    r.tokens[k]
                ));
            }
        }
        if !problems.is_empty() {
            mismatches += 1;
            if mismatches <= 40 {
                let _ = writeln!(report, "type {i}: sizeof({})", oracle.c_types[i]);
                if let Some(def) = &oracle.c_defs[i] {
                    let _ = write!(report, "{def}");
                }
                for p in problems {
                    let _ = writeln!(report, "    {p}");
                }
            }
        }
    }
    assert!(
        oracle.clang.len() >= 500,
        "only {} types",
        oracle.clang.len()
    );
    assert!(
        distinct.len() >= 500,
        "only {} distinct names",
        distinct.len()
    );
    assert!(
        mismatches == 0,
        "{mismatches} of {} types differ from Clang:\n{report}",
        oracle.clang.len()
    );
    let pointers = oracle.clang.iter().filter(|c| c.pointer).count();
    eprintln!(
        "{} types ({} distinct names, {} pointer-holding) x {} configurations agree with Clang",
        oracle.clang.len(),
        distinct.len(),
        pointers,
        oracle.configs.len()
    );
}

#[test]
fn clang_default_mode_is_typehashpointersplit() {
    let oracle = oracle();
    for (k, config) in oracle.configs.iter().enumerate() {
        if config.mode != ClangMode::Default {
            continue;
        }
        let split = oracle
            .configs
            .iter()
            .position(|c| c.mode == ClangMode::Split && c.max == config.max)
            .unwrap();
        for c in &oracle.clang {
            assert_eq!(c.tokens[k], c.tokens[split], "{}", c.name);
        }
    }
}

#[test]
fn tokens_bounded_by_a_power_of_two_rebound_to_smaller_ones_as_clang_computes_them() {
    let oracle = oracle();
    let mut checked = 0;
    for (from, from_config) in oracle.configs.iter().enumerate() {
        for (to, to_config) in oracle.configs.iter().enumerate() {
            if from_config.mode == ClangMode::Default
                || to_config.mode != from_config.mode
                || !can_rebound(from_config.max(), to_config.max())
            {
                continue;
            }
            let mode = from_config.mode.token_mode();
            for c in &oracle.clang {
                assert_eq!(
                    rebound(c.tokens[from], from_config.max(), to_config.max(), mode),
                    c.tokens[to],
                    "{}: {} -> {}",
                    c.name,
                    from_config.describe(),
                    to_config.describe()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 0);

    // From the unbounded token, the same reduction is wrong for some types.
    let unbounded = oracle
        .configs
        .iter()
        .position(|c| c.max.is_none() && c.mode == ClangMode::Split)
        .unwrap();
    let max64 = oracle
        .configs
        .iter()
        .position(|c| c.max == Some(64) && c.mode == ClangMode::Split)
        .unwrap();
    let wrong = oracle
        .clang
        .iter()
        .filter(|c| {
            let t = c.tokens[unbounded];
            let half = UNBOUNDED / 2;
            let naive = (t % half) % 32 + if t >= half { 32 } else { 0 };
            naive != c.tokens[max64]
        })
        .count();
    assert!(wrong > 0);
}

#[test]
fn kpart_token_cli_matches_clang() {
    let oracle = oracle();
    let bin = env!("CARGO_BIN_EXE_kpart-token");
    let step = (oracle.clang.len() / 30).max(1);
    for c in oracle.clang.iter().step_by(step) {
        for (k, config) in oracle.configs.iter().enumerate().step_by(3) {
            let mut cmd = Command::new(bin);
            if let Some(max) = config.max {
                cmd.args(["--max", &max.to_string()]);
            }
            if config.mode != ClangMode::Default {
                cmd.args(["--mode", config.mode.token_mode().name()]);
            }
            if c.pointer {
                cmd.arg("--pointer");
            }
            cmd.arg(&c.name);
            let out = run(&mut cmd, "kpart-token");
            let printed = String::from_utf8(out.stdout).unwrap();
            assert_eq!(
                printed.trim(),
                c.tokens[k].to_string(),
                "kpart-token for {:?} ({})",
                c.name,
                config.describe()
            );
        }
    }
    for bad in [
        &["--max", "x", "a"][..],
        &[],
        &["--mode", "random", "a"],
        &["--what", "a"],
        &["--max"],
    ] {
        let status = Command::new(bin).args(bad).output().unwrap();
        assert_eq!(status.status.code(), Some(2), "kpart-token {bad:?}");
        assert!(!status.stderr.is_empty());
    }
}

#[test]
fn a_name_longer_than_type_name_capacity_is_a_compile_error() {
    let dir = work_dir();
    let src = dir.join("too_long.rs");
    let name = format!("k{}", "x".repeat(300));
    std::fs::write(
        &src,
        format!(
            "#![allow(warnings)]\n\
             #[path = {:?}]\n\
             mod alloc_token;\n\
             #[path = {:?}]\n\
             mod rebound;\n\
             use alloc_token::{{kpart_type, AllocType}};\n\
             kpart_type! {{\n    #[repr(C)]\n    struct {name} {{ a: i32 }}\n}}\n\
             const TOKEN: u64 = <*mut {name} as AllocType>::HASH;\n\
             fn main() {{}}\n",
            alloc_token_rs().display().to_string(),
            rebound_rs().display().to_string()
        ),
    )
    .unwrap();
    let out = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string()))
        .args([
            "--edition",
            "2021",
            "--emit=metadata",
            "--crate-type=lib",
            "-o",
        ])
        .arg(dir.join("too_long.rmeta"))
        .arg(&src)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "compiled a {}-byte name", name.len());
    assert!(
        stderr.contains("C type name longer than TypeName::CAPACITY"),
        "unexpected error:\n{stderr}"
    );
}
