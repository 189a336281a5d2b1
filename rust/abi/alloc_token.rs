// SPDX-License-Identifier: GPL-2.0

//! Clang allocation tokens (`__builtin_infer_alloc_token`), computed in Rust.
//!
//! Clang 22 gives a C allocation such as `kmalloc(sizeof(struct foo), GFP_KERNEL)` a token: the
//! SipHash-2-4 of the allocated type's canonical name, reduced to the bound set with
//! `-falloc-token-max=N`. In the default mode, `typehashpointersplit`, types that hold a pointer
//! get the upper half of the range. This module computes the same token for a Rust type, at
//! compile time, so that a Rust type and its C counterpart land in the same partition.
//!
//! A type describes itself through [`AllocType`]: how Clang prints it ([`CType`]) and whether it
//! holds a pointer. This file implements the trait for the primitives, raw pointers, references,
//! `NonNull`, arrays and C function pointers; the `kpart_type!` macro defines structs and unions
//! that implement it.
//!
//! A type also has a layout signature for shape mode, [`AllocType::SHAPE`] (see [`shape`]):
//! computed here for the primitives, pointers and arrays, derived from the fields by
//! `kpart_type!`.
//!
//! A crate that includes this file includes `rebound.rs` beside it, as a sibling module;
//! `shape.rs` beside it is this file's own child module, [`shape`]. One that includes it as a
//! private module and uses only part of it may need `#[allow(dead_code, unreachable_pub)]` on the
//! `mod` item.
//!
//! # Clang's rules
//!
//! Checked against `clang-22` by the host tests (`kpart-host`), on random types:
//!
//! - The name is the canonical type, printed without tag keyword: `struct foo` is `foo`, typedefs
//!   are resolved (the kernel's `u64` is `unsigned long long`, `size_t` and `uintptr_t` are
//!   `unsigned long`), a typedef of an anonymous struct prints as the typedef (`atomic_t`),
//!   `_Bool` is `_Bool` (before C23, which prints `bool`) and `char` is neither `signed char`
//!   nor `unsigned char`.
//! - Pointers: one space before the first star, none between stars, qualifiers after a star with
//!   a space only when more follows: `char *`, `char **`, `foo *`, `const unsigned char *`,
//!   `const foo *const *`.
//! - Arrays: no space before the bounds: `unsigned char[16]`, `foo[3][4]`, `char *[4]`; a pointer
//!   to an array is `char (*)[4]`.
//! - Function pointers: `void (*)(void)`, `int (*)(int, char *)`, `int *(*)(void)`,
//!   `void (*[3])(void)`, `void (*(*)(void))(int)`; parameters are separated by `", "`.
//! - The pointer flag: any pointer, function pointers included; a typedef named `uintptr_t`
//!   anywhere in a typedef chain (`uintptr_t` itself prints as `unsigned long`); a struct or union
//!   with a member that holds one; an array whose element holds one once typedefs are resolved,
//!   so `uintptr_t[4]` does not (see [`AllocType::CANONICAL_HAS_POINTER`]).
//! - Flags: `-falloc-token-max=N` (0 or absent: `2^64 - 1`, [`UNBOUNDED`]). The mode has no driver
//!   flag: `-Xclang -falloc-token-mode=typehash` (the default is `typehashpointersplit`).
//!
//! # Re-bounding
//!
//! For a power of two `P <= 64` and any hash `h`, `(h % 32) % (P / 2) == h % (P / 2)`, since
//! `P / 2` divides 32. So a `typehashpointersplit` token `t` computed with
//! `-falloc-token-max=64` (`h % 32`, plus 32 with a pointer) becomes exactly the token of
//! `-falloc-token-max=P` as `(t % 32) % (P / 2) + (t >= 32 ? P / 2 : 0)` (0 for `P == 1`); in
//! `typehash` mode it is `t % P`. [`rebound`] does this for any powers of two, and the host tests
//! check it against Clang compiled with both bounds. The unbounded token cannot be re-bounded:
//! `2^64 - 1` is not a power of two, and `h % (2^63 - 1)` does not determine `h % 32`.
//!
//! This file uses `core` only: it is compiled in the kpart kernel module and, through `#[path]`,
//! in the host crate `kpart-host`.

use core::cell::{Cell, UnsafeCell};
use core::ffi::{c_char, c_void, CStr};
use core::fmt;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::ptr::NonNull;
use core::sync::atomic::AtomicPtr;

#[path = "shape.rs"]
pub mod shape;

use shape::Shape;

/// The 16-byte key of Clang's `getStableSipHash`.
pub const SIPHASH_KEY: [u8; 16] = [
    0xb5, 0xd4, 0xc9, 0xeb, 0x79, 0x10, 0x4a, 0x79, 0x6f, 0xec, 0x8b, 0x1b, 0x42, 0x87, 0x81, 0xd4,
];

/// The bound without `-falloc-token-max` (or with `-falloc-token-max=0`): `2^64 - 1`.
pub const UNBOUNDED: u64 = u64::MAX;

/// Reads `count <= 8` bytes from `bytes[start..]` as a little-endian integer.
const fn read_le(bytes: &[u8], start: usize, count: usize) -> u64 {
    let mut value = 0u64;
    let mut i = 0;
    while i < count {
        value |= (bytes[start + i] as u64) << (8 * i);
        i += 1;
    }
    value
}

/// `rounds` SipRounds.
const fn sip_rounds(mut v: [u64; 4], rounds: usize) -> [u64; 4] {
    let mut round = 0;
    while round < rounds {
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13);
        v[1] ^= v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16);
        v[3] ^= v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21);
        v[3] ^= v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17);
        v[1] ^= v[2];
        v[2] = v[2].rotate_left(32);
        round += 1;
    }
    v
}

/// SipHash-2-4 of `data` with `key`, the 64-bit result read as little-endian.
///
/// # Examples
///
/// ```
/// # use kpart_host::alloc_token;
/// // The reference vector of the SipHash paper: key 00..0f, message 00..0e.
/// let key = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
/// let data = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
/// assert_eq!(alloc_token::siphash_2_4(&key, &data), 0xa129_ca61_49be_45e5);
/// ```
pub const fn siphash_2_4(key: &[u8; 16], data: &[u8]) -> u64 {
    let k0 = read_le(key, 0, 8);
    let k1 = read_le(key, 8, 8);
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];
    let tail = data.len() % 8;
    let blocks_end = data.len() - tail;
    let mut i = 0;
    while i < blocks_end {
        let m = read_le(data, i, 8);
        v[3] ^= m;
        v = sip_rounds(v, 2);
        v[0] ^= m;
        i += 8;
    }
    let last = ((data.len() as u64) << 56) | read_le(data, blocks_end, tail);
    v[3] ^= last;
    v = sip_rounds(v, 2);
    v[0] ^= last;
    v[2] ^= 0xff;
    v = sip_rounds(v, 4);
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// The hash of a canonical C type name, as Clang computes it (before reduction).
///
/// # Examples
///
/// ```
/// # use kpart_host::alloc_token::{self, TokenMode};
/// let hash = alloc_token::type_hash(b"unsigned char");
/// let token = alloc_token::reduce(hash, false, 256, TokenMode::TypeHashPointerSplit);
/// assert_eq!(token, 32);
/// ```
pub const fn type_hash(name: &[u8]) -> u64 {
    siphash_2_4(&SIPHASH_KEY, name)
}

/// How a hash becomes a token (`-falloc-token-mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenMode {
    /// `typehash`: `hash % max`.
    TypeHash,
    /// `typehashpointersplit`, Clang's default: pointer-free types get `hash % (max / 2)`,
    /// pointer-holding types `max / 2` more.
    TypeHashPointerSplit,
}

/// Whether two byte strings are equal, in a `const fn`.
const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl TokenMode {
    /// The mode's name in `-falloc-token-mode=`.
    pub const fn name(self) -> &'static str {
        match self {
            TokenMode::TypeHash => "typehash",
            TokenMode::TypeHashPointerSplit => "typehashpointersplit",
        }
    }

    /// Parses a name of [`TokenMode::name`].
    pub const fn parse(name: &[u8]) -> Option<TokenMode> {
        if bytes_eq(name, b"typehash") {
            Some(TokenMode::TypeHash)
        } else if bytes_eq(name, b"typehashpointersplit") {
            Some(TokenMode::TypeHashPointerSplit)
        } else {
            None
        }
    }
}

/// Reduces a [`type_hash`] to a token, as Clang does with `-falloc-token-max=max`.
///
/// `max` is [`UNBOUNDED`] (or 0) without `-falloc-token-max`. With `max == 1` the split mode
/// gives 0.
///
/// # Examples
///
/// ```
/// # use kpart_host::alloc_token::{self, TokenMode};
/// let split = TokenMode::TypeHashPointerSplit;
/// // `struct holder { int a; void *p; }`
/// let hash = alloc_token::type_hash(b"holder");
/// assert_eq!(alloc_token::reduce(hash, true, 16, split), 10);
/// assert_eq!(alloc_token::reduce(hash, true, 2, split), 1);
/// assert_eq!(alloc_token::reduce(hash, true, 1, split), 0);
/// ```
pub const fn reduce(hash: u64, has_pointer: bool, max: u64, mode: TokenMode) -> u64 {
    let max = if max == 0 { UNBOUNDED } else { max };
    match mode {
        TokenMode::TypeHash => hash % max,
        TokenMode::TypeHashPointerSplit => {
            if max == 1 {
                return 0;
            }
            let half = max / 2;
            hash % half + if has_pointer { half } else { 0 }
        }
    }
}

/// Whether [`rebound`] from `from_max` to `to_max` is exact: both are powers of two and
/// `to_max <= from_max`.
pub const fn can_rebound(from_max: u64, to_max: u64) -> bool {
    from_max.is_power_of_two() && to_max.is_power_of_two() && to_max <= from_max
}

/// Turns a token Clang computed with `-falloc-token-max=from_max` into the token it computes
/// with `-falloc-token-max=to_max`.
///
/// Exact when [`can_rebound`]`(from_max, to_max)`; otherwise the result is in `0..to_max` (or 0)
/// but need not be Clang's.
///
/// # Examples
///
/// ```
/// # use kpart_host::alloc_token::{self, TokenMode};
/// let split = TokenMode::TypeHashPointerSplit;
/// let hash = alloc_token::type_hash(b"holder");
/// let t64 = alloc_token::reduce(hash, true, 64, split);
/// for p in [1, 2, 4, 8, 16, 32, 64] {
///     let expected = alloc_token::reduce(hash, true, p, split);
///     assert_eq!(alloc_token::rebound(t64, 64, p, split), expected);
/// }
/// ```
pub const fn rebound(token: u64, from_max: u64, to_max: u64, mode: TokenMode) -> u64 {
    if to_max == 0 {
        return token;
    }
    match mode {
        TokenMode::TypeHash => token % to_max,
        TokenMode::TypeHashPointerSplit => super::rebound::split(token, from_max, to_max),
    }
}

/// The capacity of a [`TypeName`], in bytes.
const NAME_CAPACITY: usize = 256;

/// A C type name built at compile time: a fixed-capacity byte buffer holding UTF-8.
///
/// Names of generic types (`"unsigned char *"`, `"foo[4]"`) are built in `const fn`s, where
/// `concat!` cannot help. Growing past [`TypeName::CAPACITY`] panics, which in a constant is a
/// compile error.
///
/// # Examples
///
/// ```
/// # use kpart_host::alloc_token::TypeName;
/// const NAME: TypeName = TypeName::new("unsigned char")
///     .push_str("[")
///     .push_decimal(16)
///     .push_str("]");
/// assert_eq!(NAME.as_str(), "unsigned char[16]");
/// assert_eq!(NAME.len(), 17);
/// ```
#[derive(Clone, Copy)]
pub struct TypeName {
    bytes: [u8; NAME_CAPACITY],
    len: usize,
}

impl TypeName {
    /// The longest name, in bytes.
    pub const CAPACITY: usize = NAME_CAPACITY;

    /// The empty name.
    pub const fn empty() -> TypeName {
        TypeName {
            bytes: [0; NAME_CAPACITY],
            len: 0,
        }
    }

    /// A name holding `s`.
    pub const fn new(s: &str) -> TypeName {
        TypeName::empty().push_str(s)
    }

    /// Appends raw bytes; callers keep the contents UTF-8.
    const fn push_bytes(mut self, bytes: &[u8]) -> TypeName {
        if bytes.len() > NAME_CAPACITY - self.len {
            panic!("C type name longer than TypeName::CAPACITY");
        }
        let mut i = 0;
        while i < bytes.len() {
            self.bytes[self.len + i] = bytes[i];
            i += 1;
        }
        self.len += bytes.len();
        self
    }

    /// Appends `s`.
    pub const fn push_str(self, s: &str) -> TypeName {
        self.push_bytes(s.as_bytes())
    }

    /// Appends another name.
    pub const fn push_name(self, other: &TypeName) -> TypeName {
        self.push_bytes(other.as_bytes())
    }

    /// Appends `value` in decimal.
    pub const fn push_decimal(mut self, value: u64) -> TypeName {
        let mut digits = [0u8; 20];
        let mut count = 0;
        let mut rest = value;
        loop {
            digits[count] = b'0' + (rest % 10) as u8;
            count += 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        while count > 0 {
            count -= 1;
            self = self.push_bytes(&[digits[count]]);
        }
        self
    }

    /// The length in bytes.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the name is empty.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The name's bytes: what Clang hashes.
    pub const fn as_bytes(&self) -> &[u8] {
        self.bytes.split_at(self.len).0
    }

    /// The name.
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.as_bytes()) {
            Ok(s) => s,
            // Only whole `&str`s and ASCII digits are ever appended.
            Err(_) => panic!("TypeName holds invalid UTF-8"),
        }
    }

    /// Whether the name is `s`.
    pub const fn eq_str(&self, s: &str) -> bool {
        bytes_eq(self.as_bytes(), s.as_bytes())
    }
}

impl PartialEq for TypeName {
    fn eq(&self, other: &TypeName) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for TypeName {}

impl fmt::Debug for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How Clang prints a C type, kept in the two parts that Clang's type printer emits around a
/// declarator, so that pointers, arrays and function pointers can be composed.
///
/// For `char (*)[4]` the part before the declarator is `char (*` and the part after it `)[4]`.
///
/// # Examples
///
/// ```
/// # use kpart_host::alloc_token::CType;
/// const FOO: CType = CType::named("foo");
/// const ROW: CType = CType::array_of(FOO, 4);
/// assert_eq!(CType::pointer_to(ROW, true).name().as_str(), "const foo (*)[4]");
/// const INT: CType = CType::named("int");
/// const CB: CType = CType::function_pointer(INT, &[CType::pointer_to(FOO, false)]);
/// assert_eq!(CB.name().as_str(), "int (*)(foo *)");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct CType {
    /// What Clang prints before the declarator when there is none, without qualifiers.
    before: TypeName,
    /// What Clang prints after the declarator.
    after: TypeName,
    /// Whether qualifiers come before the type (`const int`), not after it (`int *const`).
    prefix_qualifiers: bool,
    /// Whether the type is an array (a pointer to it needs parentheses).
    is_array: bool,
}

impl CType {
    /// A type that Clang prints as a single name: a builtin (`unsigned int`), a struct or union
    /// (`foo` for `struct foo`), an enum, or a typedef of an anonymous struct.
    pub const fn named(name: &str) -> CType {
        if name.is_empty() {
            panic!("AllocType: set C_NAME or C_TYPE");
        }
        CType {
            before: TypeName::new(name),
            after: TypeName::empty(),
            prefix_qualifiers: true,
            is_array: false,
        }
    }

    /// A pointer to `pointee`, to a `const` one if `pointee_const`.
    pub const fn pointer_to(pointee: CType, pointee_const: bool) -> CType {
        let mut before = pointee.before_declarator(true, pointee_const);
        let mut after = TypeName::empty();
        if pointee.is_array {
            before = before.push_str("(");
            after = after.push_str(")");
        }
        CType {
            before: before.push_str("*"),
            after: after.push_name(&pointee.after),
            prefix_qualifiers: false,
            is_array: false,
        }
    }

    /// An array of `len` `element`s.
    pub const fn array_of(element: CType, len: usize) -> CType {
        CType {
            before: element.before,
            after: TypeName::new("[")
                .push_decimal(len as u64)
                .push_str("]")
                .push_name(&element.after),
            prefix_qualifiers: element.prefix_qualifiers,
            is_array: true,
        }
    }

    /// A pointer to a function returning `ret` (`void` for none) and taking `params`.
    pub const fn function_pointer(ret: CType, params: &[CType]) -> CType {
        let mut after = TypeName::new(")(");
        if params.is_empty() {
            after = after.push_str("void");
        }
        let mut i = 0;
        while i < params.len() {
            if i > 0 {
                after = after.push_str(", ");
            }
            after = after.push_name(&params[i].name());
            i += 1;
        }
        CType {
            before: ret.before_declarator(true, false).push_str("(*"),
            after: after.push_str(")").push_name(&ret.after),
            prefix_qualifiers: false,
            is_array: false,
        }
    }

    /// What Clang prints before a declarator (`declarator`) or before nothing, with the type
    /// `const`-qualified if `qualified_const`.
    const fn before_declarator(&self, declarator: bool, qualified_const: bool) -> TypeName {
        let mut out = TypeName::empty();
        if self.prefix_qualifiers {
            if qualified_const {
                out = out.push_str("const ");
            }
            out = out.push_name(&self.before);
            if declarator {
                out = out.push_str(" ");
            }
        } else {
            out = out.push_name(&self.before);
            if qualified_const {
                out = out.push_str(if declarator { "const " } else { "const" });
            }
        }
        out
    }

    /// The name Clang prints for the type: what its token hashes.
    pub const fn name(&self) -> TypeName {
        self.before.push_name(&self.after)
    }
}

/// A type with a Clang allocation token: how Clang names it and whether it holds a pointer.
///
/// Named types set [`AllocType::C_NAME`] and [`AllocType::HAS_POINTER`]; composed ones
/// (pointers, arrays, function pointers) set [`AllocType::C_TYPE`] instead of a name. The
/// remaining items are derived and must not be overridden. The `kpart_type!` macro implements the
/// trait for structs and unions (deriving the pointer flag from the fields) and for types defined
/// elsewhere.
///
/// # Examples
///
/// ```
/// # use kpart_host::alloc_token::{self, AllocType, TokenMode, UintPtr};
/// assert_eq!(<*const u8 as AllocType>::NAME.as_str(), "const unsigned char *");
/// assert_eq!(<[*mut u8; 4] as AllocType>::NAME.as_str(), "unsigned char *[4]");
/// assert!(<Option<unsafe extern "C" fn(i32)> as AllocType>::HAS_POINTER);
/// assert!(<UintPtr as AllocType>::HAS_POINTER);
/// assert!(!<[UintPtr; 2] as AllocType>::HAS_POINTER);
///
/// const T: u64 = alloc_token::token_of::<u8>(256, TokenMode::TypeHashPointerSplit);
/// assert_eq!(T, 32);
/// ```
pub trait AllocType {
    /// The C name of a named type: a builtin, a struct or union (without `struct`), an enum, a
    /// typedef of an anonymous struct.
    const C_NAME: &'static str = "";

    /// How Clang prints the type; by default the type named [`AllocType::C_NAME`].
    const C_TYPE: CType = CType::named(Self::C_NAME);

    /// Whether Clang considers the type pointer-holding: a pointer, `uintptr_t`, a struct or
    /// union with such a member, an array of such elements.
    const HAS_POINTER: bool;

    /// Whether the type holds a pointer once typedefs are resolved: what Clang checks for the
    /// elements of an array. It differs from [`AllocType::HAS_POINTER`] only for `uintptr_t`
    /// ([`UintPtr`]).
    const CANONICAL_HAS_POINTER: bool = Self::HAS_POINTER;

    /// Clang's canonical name of the type.
    const NAME: TypeName = Self::C_TYPE.name();

    /// The hash of [`AllocType::NAME`].
    const HASH: u64 = type_hash(Self::NAME.as_bytes());

    /// Pertype mode: where the module that allocates the type keeps its descriptor of the
    /// type's caches (a `struct kpart_type *`, kpart fills it), as C keeps one per call site.
    /// [`kpart_type!`] gives every type it declares a static of its own, which starts as
    /// [`AllocType::UNRESOLVED`]; `None`: the module's slots shared by token.
    const SLOT: Option<&'static core::sync::atomic::AtomicPtr<core::ffi::c_void>> = None;

    /// The descriptor a slot starts with: [`UNRESOLVED_DESCRIPTOR`], which has no cache.
    const UNRESOLVED: *mut core::ffi::c_void =
        core::ptr::addr_of!(UNRESOLVED_DESCRIPTOR).cast_mut().cast();

    /// Set by `kpart_type!` only: the signature it derives from a struct's or union's fields,
    /// as a C string of exactly its length, or `None` for no signature. [`AllocType::SHAPE`]
    /// and [`AllocType::SIGNATURE`] read it.
    ///
    /// It is a C string rather than a [`Shape`] so that the macro's expansion needs no path to
    /// [`Shape`] at its call site (it computes the signature with [`Shape`]'s methods).
    const FIELD_SIGNATURE: Option<&'static CStr> = None;

    /// The type's layout signature for shape mode (see [`shape`]): one digit per 8-byte granule,
    /// `'0'` padding, `'1'` pointer, `'2'` data, `'3'` both.
    ///
    /// The primitives are data (`u8` is `"2"`, `u128` `"22"`), pointers of every kind `"1"`, and
    /// so is [`UintPtr`], as C's signatures take any `uintptr_t` (arrays of them included, which
    /// Clang's token does not count as pointers, see [`AllocType::CANONICAL_HAS_POINTER`]).
    /// Arrays repeat their element, transparent wrappers are their content, and `kpart_type!`
    /// structs and unions combine their fields at their offsets.
    ///
    /// By default, and so for the types of `kpart_type!(impl ...)` such as the kernel's
    /// `bindings::` structs, [`Shape::NONE`]: their signature comes from the table C builds from
    /// the kernel's debug information. A struct with a field that has none has none (a
    /// zero-length array `[T; 0]` has the empty signature, whatever `T`), as has a type larger
    /// than 8 KiB. `c_void` has none, `()` the empty signature.
    const SHAPE: Shape = Shape::from_c_str(Self::FIELD_SIGNATURE);

    /// [`AllocType::SHAPE`] in static memory (a constant promoted to a `'static`, of
    /// [`Shape`]'s full size, about 1 KiB, for each type whose signature is read through it).
    const SHAPE_STATIC: &'static Shape = &Self::SHAPE;

    /// The signature for C, in static memory: `None` for [`Shape::NONE`]. `kpart_type!` types
    /// have a constant of exactly the signature's length; other types use
    /// [`AllocType::SHAPE_STATIC`]. [`signature_of`] makes it a `const char *`.
    const SIGNATURE: Option<&'static CStr> = match Self::FIELD_SIGNATURE {
        Some(signature) => Some(signature),
        None => Self::SHAPE_STATIC.as_c_str(),
    };
}

/// `T`'s layout signature as a NUL-terminated `const char *` in static memory, for kpart's C
/// API: NULL when `T` has none ([`AllocType::SIGNATURE`]). Usable in constants.
///
/// # Examples
///
/// ```
/// # use kpart_host::alloc_token::{self, AllocType};
/// # use core::ffi::CStr;
/// const P: *const core::ffi::c_char = alloc_token::signature_of::<[*mut u8; 2]>();
/// // SAFETY: `signature_of` returns NULL or a NUL-terminated string in static memory.
/// assert_eq!(unsafe { CStr::from_ptr(P) }.to_bytes(), b"11");
/// assert!(alloc_token::signature_of::<core::ffi::c_void>().is_null());
/// ```
pub const fn signature_of<T: AllocType>() -> *const c_char {
    match T::SIGNATURE {
        Some(signature) => signature.as_ptr(),
        None => core::ptr::null(),
    }
}

/// A descriptor of a type's caches (C's `struct kpart_type`, at most this size) that has no
/// cache: every pointer NULL. A slot that holds it sends the type's first allocation to kpart,
/// out of line, which points the slot to the type's own descriptor; the in-line path needs no
/// NULL test of the slot, as C's call sites start with `KPART_SITE_INIT`. Immutable: in
/// read-only memory.
pub static UNRESOLVED_DESCRIPTOR: [u64; 64] = [0; 64];

/// `T`'s token with bound `max` ([`UNBOUNDED`] for none) in `mode`, as Clang computes it for
/// `__builtin_infer_alloc_token(sizeof(T))`. Usable in constants.
///
/// # Examples
///
/// ```
/// # use kpart_host::alloc_token::{self, TokenMode, UNBOUNDED};
/// const T: u64 = alloc_token::token_of::<*mut u8>(64, TokenMode::TypeHashPointerSplit);
/// assert!(T >= 32);
/// assert_eq!(
///     alloc_token::token_of::<i32>(UNBOUNDED, TokenMode::TypeHashPointerSplit),
///     2689373973731826898,
/// );
/// ```
pub const fn token_of<T: AllocType>(max: u64, mode: TokenMode) -> u64 {
    reduce(T::HASH, T::HAS_POINTER, max, mode)
}

/// C's `uintptr_t`: an integer that Clang treats as a pointer.
///
/// It prints as `unsigned long` and holds a pointer, except as an array element, where Clang
/// sees through the typedef: `uintptr_t[4]` is pointer-free.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UintPtr(
    /// The value.
    pub usize,
);

/// C's plain `char`, which Clang names `char`: Rust's `c_char` is `u8` (`unsigned char`) or
/// `i8` (`signed char`).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CChar(
    /// The value.
    pub u8,
);

impl AllocType for UintPtr {
    const C_NAME: &'static str = "unsigned long";
    const HAS_POINTER: bool = true;
    const CANONICAL_HAS_POINTER: bool = false;
    const SHAPE: Shape = Shape::pointer();
}

/// Implements [`AllocType`] for pointer-free named types: data, or the given shape.
macro_rules! impl_named {
    ($($ty:ty => $name:literal $(, shape = $shape:expr)?);* $(;)?) => {
        $(
            impl AllocType for $ty {
                const C_NAME: &'static str = $name;
                const HAS_POINTER: bool = false;
                const SHAPE: Shape = impl_named!(@shape $ty $(, $shape)?);
            }
        )*
    };
    (@shape $ty:ty) => {
        Shape::data(core::mem::size_of::<$ty>())
    };
    (@shape $ty:ty, $shape:expr) => {
        $shape
    };
}

// The kernel's C types: `u64` is `unsigned long long`, `long` and `size_t` are `isize` and
// `usize` (as in the kernel's `ffi` crate).
// `()`: no bytes, the empty signature (`kpart_type!` starts from it). `c_void`: no C object has
// it as a member, no signature.
impl_named! {
    u8 => "unsigned char";
    i8 => "signed char";
    u16 => "unsigned short";
    i16 => "short";
    u32 => "unsigned int";
    i32 => "int";
    u64 => "unsigned long long";
    i64 => "long long";
    usize => "unsigned long";
    isize => "long";
    u128 => "unsigned __int128";
    i128 => "__int128";
    bool => "_Bool";
    CChar => "char";
    () => "void", shape = Shape::EMPTY;
    c_void => "void", shape = Shape::NONE;
}

/// Implements [`AllocType`] for pointer types: `[generics] type => pointee is const;`.
macro_rules! impl_pointers {
    ($([$($generics:tt)*] $ty:ty => $pointee_const:literal;)*) => {
        $(
            impl<$($generics)*> AllocType for $ty {
                const C_TYPE: CType = CType::pointer_to(T::C_TYPE, $pointee_const);
                const HAS_POINTER: bool = true;
                const SHAPE: Shape = Shape::pointer();
            }
        )*
    };
}

impl_pointers! {
    [T: AllocType] *mut T => false;
    [T: AllocType] *const T => true;
    ['a, T: AllocType] &'a mut T => false;
    ['a, T: AllocType] &'a T => true;
    [T: AllocType] NonNull<T> => false;
    [T: AllocType] Option<NonNull<T>> => false;
    ['a, T: AllocType] Option<&'a mut T> => false;
    ['a, T: AllocType] Option<&'a T> => true;
    [T: AllocType] AtomicPtr<T> => false;
}

impl<T: AllocType, const N: usize> AllocType for [T; N] {
    const C_TYPE: CType = CType::array_of(T::C_TYPE, N);
    const HAS_POINTER: bool = T::CANONICAL_HAS_POINTER;
    const SHAPE: Shape = Shape::repeat(&T::SHAPE, core::mem::size_of::<T>(), N);
}

/// Implements [`AllocType`] for `repr(transparent)` wrappers: the same C type.
macro_rules! impl_transparent {
    ($($wrapper:ident),*) => {
        $(
            impl<T: AllocType> AllocType for $wrapper<T> {
                const C_TYPE: CType = T::C_TYPE;
                const HAS_POINTER: bool = T::HAS_POINTER;
                const CANONICAL_HAS_POINTER: bool = T::CANONICAL_HAS_POINTER;
                const SHAPE: Shape = T::SHAPE;
            }
        )*
    };
}

impl_transparent!(ManuallyDrop, MaybeUninit, Cell, UnsafeCell);

/// Implements [`AllocType`] for C function pointers with the given parameters, as bindgen emits
/// them (`Option<unsafe extern "C" fn(..) -> R>`) and without `Option` or `unsafe`.
macro_rules! impl_function_pointers {
    ($($param:ident),*) => {
        impl_function_pointers!(@one [Option<unsafe extern "C" fn($($param),*) -> R>] $($param),*);
        impl_function_pointers!(@one [Option<extern "C" fn($($param),*) -> R>] $($param),*);
        impl_function_pointers!(@one [unsafe extern "C" fn($($param),*) -> R] $($param),*);
        impl_function_pointers!(@one [extern "C" fn($($param),*) -> R] $($param),*);
    };
    (@one [$ty:ty] $($param:ident),*) => {
        impl<R: AllocType $(, $param: AllocType)*> AllocType for $ty {
            const C_TYPE: CType = CType::function_pointer(R::C_TYPE, &[$($param::C_TYPE),*]);
            const HAS_POINTER: bool = true;
            const SHAPE: Shape = Shape::pointer();
        }
    };
}

impl_function_pointers!();
impl_function_pointers!(A);
impl_function_pointers!(A, B);
impl_function_pointers!(A, B, C);
impl_function_pointers!(A, B, C, D);

/// Defines a struct or union that implements [`AllocType`], or implements it for a type defined
/// elsewhere.
///
/// A defined type's C name is its identifier (a C `struct foo` is named `foo`) and it holds a
/// pointer when one of its fields does (`<FieldType as AllocType>::HAS_POINTER`), so every field
/// type must implement [`AllocType`]. Attributes and visibilities are kept; generics are not
/// supported.
///
/// A defined type's layout signature for shape mode, [`AllocType::SHAPE`], combines the fields'
/// signatures at their offsets (`core::mem::offset_of!`, so any `repr` is laid out as the
/// compiler lays it out; all at 0 in a union) and pads it to the type's size; it is
/// [`Shape::NONE`] if a field type has none or the type is larger than 8 KiB. The signature is
/// computed when the type is declared, into a constant of exactly its length that
/// [`AllocType::SIGNATURE`] points to.
///
/// For a type defined elsewhere, such as a bindgen struct, the C name and the pointer flag are
/// given, `kpart_type!(impl bindings::file as "file", has_pointer = EXPR);` (add
/// `canonical_has_pointer = EXPR` for a `uintptr_t`-like typedef); its signature is
/// [`Shape::NONE`]: C's table has it.
///
/// The expansion names the trait as plain `AllocType`, so the trait must be in scope where the
/// macro is used; no other path of this module is needed. The macro is visible in the including
/// crate as `alloc_token::kpart_type` (a module that wraps this file can pass it on with
/// `pub(crate) use alloc_token::kpart_type;`), so the usual import is
/// `use path::to::alloc_token::{kpart_type, AllocType};`.
///
/// # Examples
///
/// ```
/// # #[path = "../abi/alloc_token.rs"]
/// # mod alloc_token;
/// # #[path = "../abi/rebound.rs"]
/// # mod rebound;
/// # mod bindings { pub struct file; }
/// use alloc_token::{kpart_type, token_of, AllocType, TokenMode};
///
/// kpart_type! {
///     /// A C `struct holder { int a; unsigned char *p; }`.
///     #[repr(C)]
///     pub struct holder {
///         pub a: i32,
///         pub p: *mut u8,
///     }
/// }
///
/// kpart_type! {
///     #[repr(C)]
///     union un {
///         a: isize,
///         b: u32,
///     }
/// }
///
/// kpart_type!(impl bindings::file as "file", has_pointer = true);
///
/// # fn main() {
/// assert!(<holder as AllocType>::HAS_POINTER);
/// assert!(!<un as AllocType>::HAS_POINTER);
/// assert_eq!(<holder as AllocType>::SHAPE.as_str(), "21");
/// assert_eq!(<un as AllocType>::SIGNATURE.unwrap().to_bytes(), b"2");
/// assert!(<bindings::file as AllocType>::SHAPE.is_none());
/// assert_eq!(token_of::<holder>(256, TokenMode::TypeHashPointerSplit), 250);
/// # }
/// ```
#[allow(unused_macros)]
macro_rules! kpart_type {
    (impl $ty:ty as $name:expr, has_pointer = $has_pointer:expr
        $(, canonical_has_pointer = $canonical:expr)? $(,)?) => {
        impl AllocType for $ty {
            const C_NAME: &'static str = $name;
            const HAS_POINTER: bool = $has_pointer;
            $(const CANONICAL_HAS_POINTER: bool = $canonical;)?
            const SLOT: Option<&'static core::sync::atomic::AtomicPtr<core::ffi::c_void>> = {
                static SLOT: core::sync::atomic::AtomicPtr<core::ffi::c_void> =
                    core::sync::atomic::AtomicPtr::new(<$ty as AllocType>::UNRESOLVED);
                Some(&SLOT)
            };
        }
    };
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_attr:meta])* $field_vis:vis $field:ident : $field_ty:ty),* $(,)?
        }
    ) => {
        $(#[$attr])*
        $vis struct $name {
            $($(#[$field_attr])* $field_vis $field: $field_ty,)*
        }

        impl AllocType for $name {
            const C_NAME: &'static str = stringify!($name);
            const HAS_POINTER: bool = false $(|| <$field_ty as AllocType>::HAS_POINTER)*;
            const SLOT: Option<&'static core::sync::atomic::AtomicPtr<core::ffi::c_void>> = {
                static SLOT: core::sync::atomic::AtomicPtr<core::ffi::c_void> =
                    core::sync::atomic::AtomicPtr::new(<$name as AllocType>::UNRESOLVED);
                Some(&SLOT)
            };
            const FIELD_SIGNATURE: Option<&'static core::ffi::CStr> = {
                // Each field's signature at the field's offset (0 in a union), from `()`'s
                // empty signature (which needs no path to `Shape` here), padded to the type's
                // size; `None` for no signature. It is evaluated twice, for its length and for
                // its digits, into a constant of exactly that length.
                const LEN: usize = <() as AllocType>::SHAPE
                    $(.or_at(
                        core::mem::offset_of!($name, $field),
                        &<$field_ty as AllocType>::SHAPE,
                        core::mem::size_of::<$field_ty>(),
                    ))*
                    .sized(core::mem::size_of::<$name>())
                    .c_len();
                const DIGITS: [u8; LEN] = <() as AllocType>::SHAPE
                    $(.or_at(
                        core::mem::offset_of!($name, $field),
                        &<$field_ty as AllocType>::SHAPE,
                        core::mem::size_of::<$field_ty>(),
                    ))*
                    .sized(core::mem::size_of::<$name>())
                    .c_bytes::<LEN>();
                // No digits (`LEN == 0`): no signature.
                match core::ffi::CStr::from_bytes_with_nul(&DIGITS) {
                    Ok(signature) => Some(signature),
                    Err(_) => None,
                }
            };
        }
    };
    (
        $(#[$attr:meta])*
        $vis:vis union $name:ident {
            $($(#[$field_attr:meta])* $field_vis:vis $field:ident : $field_ty:ty),* $(,)?
        }
    ) => {
        $(#[$attr])*
        $vis union $name {
            $($(#[$field_attr])* $field_vis $field: $field_ty,)*
        }

        impl AllocType for $name {
            const C_NAME: &'static str = stringify!($name);
            const HAS_POINTER: bool = false $(|| <$field_ty as AllocType>::HAS_POINTER)*;
            const SLOT: Option<&'static core::sync::atomic::AtomicPtr<core::ffi::c_void>> = {
                static SLOT: core::sync::atomic::AtomicPtr<core::ffi::c_void> =
                    core::sync::atomic::AtomicPtr::new(<$name as AllocType>::UNRESOLVED);
                Some(&SLOT)
            };
            const FIELD_SIGNATURE: Option<&'static core::ffi::CStr> = {
                // Each field's signature at the field's offset (0 in a union), from `()`'s
                // empty signature (which needs no path to `Shape` here), padded to the type's
                // size; `None` for no signature. It is evaluated twice, for its length and for
                // its digits, into a constant of exactly that length.
                const LEN: usize = <() as AllocType>::SHAPE
                    $(.or_at(
                        core::mem::offset_of!($name, $field),
                        &<$field_ty as AllocType>::SHAPE,
                        core::mem::size_of::<$field_ty>(),
                    ))*
                    .sized(core::mem::size_of::<$name>())
                    .c_len();
                const DIGITS: [u8; LEN] = <() as AllocType>::SHAPE
                    $(.or_at(
                        core::mem::offset_of!($name, $field),
                        &<$field_ty as AllocType>::SHAPE,
                        core::mem::size_of::<$field_ty>(),
                    ))*
                    .sized(core::mem::size_of::<$name>())
                    .c_bytes::<LEN>();
                // No digits (`LEN == 0`): no signature.
                match core::ffi::CStr::from_bytes_with_nul(&DIGITS) {
                    Ok(signature) => Some(signature),
                    Err(_) => None,
                }
            };
        }
    };
}

#[allow(unused_imports)]
pub(crate) use kpart_type;

// Signatures of the primitives, checked where the module is built.
const _: () = assert!(<*mut u8 as AllocType>::SHAPE.eq(&Shape::from_digits("1")));
const _: () = assert!(<Option<extern "C" fn()> as AllocType>::SHAPE.eq(&Shape::pointer()));
const _: () = assert!(<[u32; 3] as AllocType>::SHAPE.eq(&Shape::from_digits("22")));
const _: () = assert!(<[UintPtr; 2] as AllocType>::SHAPE.eq(&Shape::from_digits("11")));
const _: () = assert!(<u128 as AllocType>::SHAPE.eq(&Shape::from_digits("22")));
const _: () = assert!(<c_void as AllocType>::SHAPE.is_none());
const _: () = assert!(<() as AllocType>::SHAPE.eq(&Shape::EMPTY));
const _: () = assert!(<[u8; shape::MAX_SIZE + 1] as AllocType>::SHAPE.is_none());

#[cfg(test)]
#[allow(dead_code, non_camel_case_types)]
mod tests {
    use super::*;

    const SPLIT: TokenMode = TokenMode::TypeHashPointerSplit;

    // The C types of the test vectors, as Rust types.
    kpart_type! {
        #[repr(C)]
        struct plain {
            a: i32,
            b: isize,
        }
    }
    kpart_type! {
        #[repr(C)]
        struct holder {
            a: i32,
            p: *mut c_void,
        }
    }
    kpart_type! {
        #[repr(C)]
        struct nested {
            h: holder,
            x: i32,
        }
    }
    kpart_type! {
        #[repr(C)]
        struct arr {
            buf: [CChar; 16],
        }
    }
    kpart_type! {
        #[repr(C)]
        struct fnp {
            cb: Option<unsafe extern "C" fn()>,
        }
    }
    kpart_type! {
        #[repr(C)]
        struct upt {
            v: UintPtr,
        }
    }
    kpart_type! {
        #[repr(C)]
        union un {
            a: isize,
            s: *mut CChar,
        }
    }
    kpart_type! {
        /// Documented, with attributes and visibilities.
        #[repr(C)]
        #[derive(Clone, Copy)]
        pub(crate) struct outer {
            /// A field.
            pub x: i32,
            pub(crate) y: [UintPtr; 2],
        }
    }

    struct Foreign;
    kpart_type!(impl Foreign as "file", has_pointer = true);
    struct ForeignInt;
    kpart_type!(impl ForeignInt as "unsigned long", has_pointer = true,
        canonical_has_pointer = false);

    /// Tokens for no max, max 2, 16 and 256 (`typehashpointersplit`).
    fn tokens<T: AllocType>() -> [u64; 4] {
        [UNBOUNDED, 2, 16, 256].map(|max| token_of::<T>(max, SPLIT))
    }

    #[test]
    fn clang_test_vectors() {
        assert_eq!(tokens::<plain>(), [7243129338094550113, 0, 0, 96]);
        assert_eq!(tokens::<holder>(), [14189533944029155449, 1, 10, 250]);
        assert_eq!(tokens::<nested>(), [12647340379630359298, 1, 11, 131]);
        assert_eq!(tokens::<arr>(), [4873535775694363555, 0, 2, 34]);
        assert_eq!(tokens::<fnp>(), [17872772513091290747, 1, 11, 251]);
        assert_eq!(tokens::<upt>(), [18095523673662299379, 1, 12, 244]);
        assert_eq!(tokens::<un>(), [16439141602777351143, 1, 8, 232]);
        assert_eq!(tokens::<u8>(), [5988873160543934240, 0, 0, 32]);
        assert_eq!(tokens::<*mut CChar>(), [11473864704255292954, 1, 11, 155]);
        assert_eq!(tokens::<i32>(), [2689373973731826898, 0, 2, 82]);
        assert_eq!(tokens::<usize>(), [8130767713587971326, 0, 6, 126]);
    }

    #[test]
    fn siphash_reference_vectors() {
        let key: [u8; 16] = core::array::from_fn(|i| i as u8);
        let data: [u8; 64] = core::array::from_fn(|i| i as u8);
        assert_eq!(siphash_2_4(&key, &data[..0]), 0x726f_db47_dd0e_0e31);
        assert_eq!(siphash_2_4(&key, &data[..1]), 0x74f8_39c5_93dc_67fd);
        assert_eq!(siphash_2_4(&key, &data[..15]), 0xa129_ca61_49be_45e5);
    }

    #[test]
    fn names_and_pointer_flags_as_clang_prints_them() {
        fn check<T: AllocType>(name: &str, has_pointer: bool) {
            assert_eq!(T::NAME.as_str(), name);
            assert_eq!(T::HAS_POINTER, has_pointer, "{name}");
        }
        type Cb = Option<unsafe extern "C" fn()>;
        check::<*const u8>("const unsigned char *", true);
        check::<*mut *mut CChar>("char **", true);
        check::<*mut plain>("plain *", true);
        check::<&plain>("const plain *", true);
        check::<Option<&mut plain>>("plain *", true);
        check::<NonNull<c_void>>("void *", true);
        check::<[u8; 16]>("unsigned char[16]", false);
        check::<[[plain; 4]; 3]>("plain[3][4]", false);
        check::<Cb>("void (*)(void)", true);
        check::<extern "C" fn(i32, *mut CChar) -> i32>("int (*)(int, char *)", true);
        check::<UintPtr>("unsigned long", true);
        check::<[UintPtr; 4]>("unsigned long[4]", false);
        check::<[[UintPtr; 3]; 2]>("unsigned long[2][3]", false);
        check::<*mut UintPtr>("unsigned long *", true);
        check::<i128>("__int128", false);
        check::<u128>("unsigned __int128", false);
        check::<bool>("_Bool", false);
        check::<*const *const plain>("const plain *const *", true);
        check::<Option<unsafe extern "C" fn(*mut c_void, *const c_void, usize) -> *mut c_void>>(
            "void *(*)(void *, const void *, unsigned long)",
            true,
        );
        check::<[*mut CChar; 4]>("char *[4]", true);
        check::<*mut [CChar; 4]>("char (*)[4]", true);
        check::<*mut Cb>("void (**)(void)", true);
        check::<[Cb; 3]>("void (*[3])(void)", true);
        check::<*const [CChar; 4]>("const char (*)[4]", true);
        check::<*const [*mut CChar; 4]>("char *const (*)[4]", true);
        check::<*const Cb>("void (*const *)(void)", true);
        check::<extern "C" fn() -> Option<extern "C" fn(i32)>>("void (*(*)(void))(int)", true);
        check::<*const [[CChar; 5]; 4]>("const char (*)[4][5]", true);
        check::<*mut *mut [i32; 4]>("int (**)[4]", true);
        check::<*mut [*mut [i32; 5]; 4]>("int (*(*)[4])[5]", true);
        check::<Option<unsafe extern "C" fn(outer, *const outer) -> *mut outer>>(
            "outer *(*)(outer, const outer *)",
            true,
        );
        check::<*mut [Cb; 3]>("void (*(*)[3])(void)", true);
        check::<*const *const *const CChar>("const char *const *const *", true);
        check::<extern "C" fn() -> *mut i32>("int *(*)(void)", true);
        check::<ManuallyDrop<UintPtr>>("unsigned long", true);
        check::<[ManuallyDrop<UintPtr>; 1]>("unsigned long[1]", false);
        check::<outer>("outer", false);
        check::<Foreign>("file", true);
        check::<[ForeignInt; 2]>("unsigned long[2]", false);
        check::<Option<&[Foreign; 2]>>("const file (*)[2]", true);
    }

    #[test]
    fn type_name_builder() {
        const N: TypeName = TypeName::new("a").push_decimal(0).push_decimal(u64::MAX);
        assert_eq!(N.as_str(), "a018446744073709551615");
        assert!(N.eq_str("a018446744073709551615"));
        assert!(!N.eq_str("a0"));
        assert!(TypeName::empty().is_empty());
        assert_eq!(TypeName::new("x"), TypeName::empty().push_str("x"));
        let mut full = TypeName::empty();
        for _ in 0..TypeName::CAPACITY {
            full = full.push_str("x");
        }
        assert_eq!(full.len(), TypeName::CAPACITY);
        let overflow = std::panic::catch_unwind(|| full.push_str("y"));
        assert!(overflow.is_err());
    }

    #[test]
    fn modes() {
        for mode in [TokenMode::TypeHash, SPLIT] {
            assert_eq!(TokenMode::parse(mode.name().as_bytes()), Some(mode));
        }
        assert_eq!(TokenMode::parse(b"random"), None);
        let h = type_hash(b"holder");
        assert_eq!(reduce(h, true, 0, SPLIT), reduce(h, true, UNBOUNDED, SPLIT));
        assert_eq!(reduce(h, true, UNBOUNDED, TokenMode::TypeHash), h);
        assert_eq!(reduce(u64::MAX, false, UNBOUNDED, TokenMode::TypeHash), 0);
        assert_eq!(reduce(h, true, 1, SPLIT), 0);
        assert_eq!(reduce(h, false, 3, SPLIT), 0);
        assert_eq!(reduce(h, true, 3, SPLIT), 1);
    }

    #[test]
    fn tokens_bounded_by_64_rebound_to_every_smaller_power_of_two() {
        // `(h % 32) % (P / 2) == h % (P / 2)` for power-of-two `P <= 64`.
        let mut h: u64 = 0x0123_4567_89ab_cdef;
        for _ in 0..20_000 {
            h ^= h << 13;
            h ^= h >> 7;
            h ^= h << 17;
            for p in [2u64, 4, 8, 16, 32, 64] {
                assert_eq!((h % 32) % (p / 2), h % (p / 2));
            }
            for pointer in [false, true] {
                for mode in [TokenMode::TypeHash, SPLIT] {
                    let t64 = reduce(h, pointer, 64, mode);
                    for p in [1u64, 2, 4, 8, 16, 32, 64] {
                        assert!(can_rebound(64, p));
                        assert_eq!(rebound(t64, 64, p, mode), reduce(h, pointer, p, mode));
                    }
                }
            }
        }
        assert!(!can_rebound(UNBOUNDED, 64));
        assert!(!can_rebound(48, 16));
        assert!(!can_rebound(16, 32));
    }
}
