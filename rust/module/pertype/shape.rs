// SPDX-License-Identifier: GPL-2.0

//! Shape mode: types grouped by their layout signature, as XNU's kalloc_type
//! groups them (`include/kpart_shape.h`, `Documentation/shape.rst`).
//!
//! [`ShapeTable`] loads the signature table at init, checks every field of
//! it, and gives each signature group a cache of its size class for this
//! load. Shape mode routes through pertype mode's [`TypeRegistry`], whose
//! keys here name families of caches rather than types:
//!
//! - a zone: the cache of one size class that some signature groups, or one
//!   single type, share; its types are allocated there at the size of their
//!   class;
//! - the data heap: every type without a pointer, at any size;
//! - the variable heaps: a type allocated at a size class other than its
//!   own (arrays, flexible arrays), one heap for arrays of pointers and one
//!   for the rest;
//! - the unsigned heap: pointer-holding types kpart has no signature for,
//!   and raw buffers (Clang inferred no type).
//!
//! A type's signature is the table's (C types, and Rust types that mirror
//! a C type: the token is the same), else the one its Rust definition gives
//! at compile time (`kpart_type!`), which joins a table type of the same
//! signature and size class, or a zone chosen by a keyed hash of it.
//!
//! Which zone a group gets depends on the per-load seed, which never leaves
//! kpart: every zone's cache is made at load, so the first allocation of a
//! type shows nobody where it went.
//!
//! [`TypeRegistry`]: super::TypeRegistry

use crate::c_parts;
use crate::partition::{BUCKET, GOLDEN_RATIO_64, TOKEN_BOUND};
use crate::ro_pages::RoPages;
use crate::size_class;
use core::mem::{offset_of, size_of};
use kernel::alloc::KVec;
use kernel::bindings;
use kernel::ffi::{c_char, c_long, c_uint, c_ulong, c_void};
use kernel::prelude::*;
use kernel::str::CStr;

// The table's format, as bindgen reads `include/kpart_shape.h` at build
// time (`Kbuild`), and the kernel types it names.
#[allow(unused_imports)]
use kernel::ffi;
#[rustfmt::skip]
#[path = "../../../include/kpart_shape_generated.rs"]
mod format;

/// The largest `shape_budget=`.
pub(crate) const MAX_BUDGET: u32 = 1024;

/// Size classes the table knows: kpart's, 8 bytes to 8 KiB.
const CLASSES: usize = format::KPART_SHAPE_CLASSES as usize;
const _: () = assert!(CLASSES == size_class::COUNT);

/// Caches every size class gets, whatever its groups.
const MIN_ZONES: usize = 2;

/// Registry keys of shape mode: above every token, and apart from pertype
/// mode's buckets (`BUCKET | bucket`).
const FAMILY: u64 = BUCKET | 1 << 40;
/// The data heap's key.
pub(crate) const DATA: u64 = FAMILY | 1 << 20;
/// The variable heap of arrays of pointers.
pub(crate) const VAR_POINTERS: u64 = DATA + 1;
/// The variable heap of other arrays of pointer-holding types.
pub(crate) const VAR: u64 = DATA + 2;
/// The heap of pointer-holding types without a signature, and raw buffers.
pub(crate) const UNSIGNED: u64 = DATA + 3;
/// The heaps, whose caches are made as their allocations come.
pub(crate) const HEAPS: [u64; 4] = [DATA, VAR_POINTERS, VAR, UNSIGNED];

/// The key of zone `zone`.
fn zone_key(zone: u32) -> u64 {
    FAMILY | zone as u64
}

/// Whether `key` is one of shape mode's.
pub(crate) fn is_shape_key(key: u64) -> bool {
    key & FAMILY == FAMILY
}

/// The number of zone `key` (a shape key below [`DATA`]), for cache names.
pub(crate) fn zone_number(key: u64) -> u64 {
    key & 0xf_ffff
}

/// An entry of the loaded table, in read-only pages: three words.
///
/// Word 0 is the token; word 1 the zone (low half) and the signature's
/// offset in the signature bytes (high half); word 2 the signature's length
/// in granules (bits 0..16), the size class (16..24) and [`POINTER`] and
/// [`DATA_ONLY`] (24..32).
const ENTRY_WORDS: usize = 3;
/// Clang's pointer flag in a token of bound [`TOKEN_BOUND`].
const POINTER_FLAG: u64 = TOKEN_BOUND >> 1;
/// The type is itself a pointer.
const POINTER: u64 = 1;
/// The type holds no pointer: not in its signature, nor by Clang's flag.
const DATA_ONLY: u64 = 2;

/// A type's place, as [`ShapeTable::family`] finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Family {
    /// The registry key of its caches.
    pub(crate) key: u64,
    /// Whether a call site may keep the family's descriptor: true unless the
    /// allocation is of a variable heap, whose descriptor serves other
    /// classes than the site's type's own.
    pub(crate) keep: bool,
}

/// Shape mode's signature table for this load, and each group's zone.
///
/// # Invariants
///
/// `pages` holds `types` entries of [`ENTRY_WORDS`] words, sorted by token
/// with unique tokens, then `sig_bytes` signature bytes, each '0'..'3'; an
/// entry's signature lies within them and its zone is below `zones`.
/// `first[c]..first[c] + count[c]` are size class `c`'s zones, at least
/// one; the single types' zones follow all of them.
/// Nothing writes the pages after [`ShapeTable::load`].
pub(crate) struct ShapeTable {
    pages: RoPages,
    types: usize,
    sig_bytes: usize,
    first: [u32; CLASSES],
    count: [u32; CLASSES],
    zones: u32,
    singles: u32,
    groups: u32,
    seed: u64,
}

/// A bad table: one log line, `EINVAL`.
macro_rules! bad {
    ($name:expr, $($arg:tt)*) => {{
        pr_err!("shape_table={}: {}\n", $name, format_args!($($arg)*));
        return Err(EINVAL);
    }};
}

/// splitmix64: the per-load shuffles' generator, seeded with kpart's seed.
struct Shuffle(u64);

impl Shuffle {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (not zero).
    fn below(&mut self, n: usize) -> usize {
        ((self.next() as u128 * n as u128) >> 64) as usize
    }

    /// Shuffles `v` (Fisher-Yates).
    fn shuffle(&mut self, v: &mut [u32]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// The caches of each size class from `budget` and the classes' group
/// counts: `(group caches per class, single-type caches)`. 3/10 of the
/// budget go to single types, the rest to groups in proportion to each
/// class's count, at least [`MIN_ZONES`] and at most one per group in a class
/// that has groups (`scripts/shape/groups.py` splits the same way); a class
/// without groups gets [`MIN_ZONES`], for the Rust types the table lacks.
pub(crate) fn split(budget: u32, groups: &[u32; CLASSES]) -> ([u32; CLASSES], u32) {
    let singles = budget * 3 / 10;
    let for_groups = (budget - singles) as u64;
    let total: u64 = groups.iter().map(|&n| n as u64).sum();
    let mut count = [MIN_ZONES as u32; CLASSES];
    for (c, &n) in groups.iter().enumerate() {
        if n > 0 {
            let share = (for_groups * n as u64 / total) as u32;
            count[c] = share.max(MIN_ZONES as u32).min(n);
        }
    }
    (count, singles)
}

fn le16(b: &[u8], at: usize) -> u64 {
    u16::from_le_bytes([b[at], b[at + 1]]) as u64
}

fn le32(b: &[u8], at: usize) -> u64 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as u64
}

fn le64(b: &[u8], at: usize) -> u64 {
    le32(b, at) | le32(b, at + 4) << 32
}

/// The NUL-padded string of `field`, without its padding.
fn padded(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&c| c == 0).unwrap_or(field.len());
    &field[..end]
}

/// Whether `sig` holds a pointer granule.
fn has_pointer(sig: &[u8]) -> bool {
    sig.iter().any(|&c| c == b'1' || c == b'3')
}

/// The size class of a type of `granules` 8-byte granules.
fn class_of_granules(granules: usize) -> Option<usize> {
    size_class::index(granules.checked_mul(8)?)
}

/// A keyed hash of a signature, for the zone of one the table lacks.
fn sig_hash(sig: &[u8], seed: u64) -> u64 {
    let mut h = seed ^ 0xcbf2_9ce4_8422_2325;
    for &c in sig {
        h = (h ^ c as u64).wrapping_mul(0x0100_0000_01b3);
    }
    h.wrapping_mul(GOLDEN_RATIO_64)
}

impl ShapeTable {
    /// Loads the table `name` from the firmware search path, checks it
    /// against this kernel and its format, and assigns its groups to
    /// `budget`'s zones with `seed`.
    pub(crate) fn load(name: &CStr, budget: u32, seed: u64) -> Result<ShapeTable> {
        let mut data: *mut c_void = core::ptr::null_mut();
        let mut size = 0usize;
        // SAFETY: `name` is NUL-terminated; `data` and `size` are valid for
        // writes.
        let err = unsafe { c_parts::kpart_shape_fetch(name.as_char_ptr(), &mut data, &mut size) };
        if err != 0 {
            return Err(Error::from_errno(err));
        }
        // SAFETY: On success `data` holds `size` bytes, ours until freed.
        let bytes = unsafe { core::slice::from_raw_parts(data.cast::<u8>(), size) };
        let table = Self::parse(name, bytes, budget, seed);
        // SAFETY: `data` came from `kpart_shape_fetch` and `bytes` is not
        // used any more.
        unsafe { c_parts::kpart_shape_free(data) };
        table
    }

    /// Checks and reads the table `bytes` (see [`ShapeTable::load`]).
    fn parse(name: &CStr, bytes: &[u8], budget: u32, seed: u64) -> Result<ShapeTable> {
        type Header = format::kpart_shape_header;
        type Type = format::kpart_shape_type;
        const HEADER: usize = size_of::<Header>();
        const TYPE: usize = size_of::<Type>();
        const _: () = assert!(HEADER == 208 && TYPE == 24);
        let name = name.to_str().unwrap_or("?");
        if bytes.len() < HEADER {
            bad!(name, "{} bytes: shorter than the header", bytes.len());
        }
        if bytes[..8] != format::KPART_SHAPE_MAGIC[..8] {
            bad!(name, "not a signature table (no magic)");
        }
        let version = le32(bytes, offset_of!(Header, version));
        if version != format::KPART_SHAPE_VERSION as u64 {
            bad!(
                name,
                "version {}, kpart reads {}",
                version,
                format::KPART_SHAPE_VERSION
            );
        }
        let (mut release, mut build): (*const c_char, *const c_char) =
            (core::ptr::null(), core::ptr::null());
        // SAFETY: Both pointers are valid for writes.
        unsafe { c_parts::kpart_shape_kernel(&mut release, &mut build) };
        // SAFETY: utsname's release is NUL-terminated and lives as long as
        // the kernel.
        let release = unsafe { CStr::from_char_ptr(release) };
        // SAFETY: So is its version.
        let build = unsafe { CStr::from_char_ptr(build) };
        let at = offset_of!(Header, release);
        let table_release = padded(&bytes[at..at + 68]);
        let at = offset_of!(Header, build);
        let table_build = padded(&bytes[at..at + 68]);
        if table_release != release.as_bytes() || table_build != build.as_bytes() {
            bad!(
                name,
                "made for kernel {} ({}), not this one, {} ({})",
                core::str::from_utf8(table_release).unwrap_or("?"),
                core::str::from_utf8(table_build).unwrap_or("?"),
                release.to_str().unwrap_or("?"),
                build.to_str().unwrap_or("?")
            );
        }
        let types = le32(bytes, offset_of!(Header, types)) as usize;
        let sig_bytes = le32(bytes, offset_of!(Header, sig_bytes)) as usize;
        if types > format::KPART_SHAPE_MAX_TYPES as usize {
            bad!(
                name,
                "{} types, more than {}",
                types,
                format::KPART_SHAPE_MAX_TYPES
            );
        }
        if bytes.len() != HEADER + types * TYPE + sig_bytes {
            bad!(
                name,
                "{} bytes, but its header says {} types and {} signature bytes",
                bytes.len(),
                types,
                sig_bytes
            );
        }
        let mut groups = [0u32; CLASSES];
        for (c, n) in groups.iter_mut().enumerate() {
            let v = le32(bytes, offset_of!(Header, groups) + 4 * c);
            if v > format::KPART_SHAPE_MAX_TYPES as u64 {
                bad!(name, "size class {}: {} groups", c, v);
            }
            *n = v as u32;
        }
        let sigs = &bytes[HEADER + types * TYPE..];
        if let Some(i) = sigs.iter().position(|c| !(b'0'..=b'3').contains(c)) {
            bad!(name, "signature byte {} is not a digit 0 to 3", i);
        }
        // Check every entry before using any.
        let mut last = None;
        let mut used = [0u32; CLASSES];
        for i in 0..types {
            let e = HEADER + i * TYPE;
            let token = le64(bytes, e + offset_of!(Type, token));
            let size = le32(bytes, e + offset_of!(Type, size)) as usize;
            let sig_offset = le32(bytes, e + offset_of!(Type, sig_offset)) as usize;
            let sig_len = le16(bytes, e + offset_of!(Type, sig_len)) as usize;
            let group = le16(bytes, e + offset_of!(Type, group)) as u32;
            let class = bytes[e + offset_of!(Type, class)] as usize;
            let flags = bytes[e + offset_of!(Type, flags)];
            let reserved = le16(bytes, e + offset_of!(Type, reserved));
            if token >= TOKEN_BOUND || last.is_some_and(|l| token <= l) {
                bad!(name, "type {}: token {:#x} out of order or range", i, token);
            }
            last = Some(token);
            if size == 0 || size_class::index(size) != Some(class) || class >= CLASSES {
                bad!(
                    name,
                    "type {} ({:#x}): size {} and class {} disagree",
                    i,
                    token,
                    size,
                    class
                );
            }
            if sig_len != size.div_ceil(8) || sig_offset + sig_len > sig_bytes {
                bad!(name, "type {} ({:#x}): bad signature span", i, token);
            }
            if group >= groups[class] {
                bad!(
                    name,
                    "type {} ({:#x}): group {} of {}",
                    i,
                    token,
                    group,
                    groups[class]
                );
            }
            if flags & !(format::KPART_SHAPE_POINTER as u8) != 0 || reserved != 0 {
                bad!(name, "type {} ({:#x}): unknown flags", i, token);
            }
            used[class] = used[class].max(group + 1);
        }
        if used != groups {
            bad!(name, "a size class has groups no type is in");
        }
        if budget == 0 || budget > MAX_BUDGET {
            bad!(
                name,
                "shape_budget={}: must be from 1 to {}",
                budget,
                MAX_BUDGET
            );
        }

        let (count, singles_wanted) = split(budget, &groups);
        let mut first = [0u32; CLASSES];
        let mut zones = 0u32;
        for c in 0..CLASSES {
            first[c] = zones;
            zones += count[c];
        }
        let mut rng = Shuffle(seed);
        // Per class, the groups in a random order, dealt round the class's
        // zones.
        let mut zone_of_group: KVec<KVec<u32>> = KVec::new();
        for c in 0..CLASSES {
            let mut order = KVec::with_capacity(groups[c] as usize, GFP_KERNEL)?;
            for g in 0..groups[c] {
                order.push(g, GFP_KERNEL)?;
            }
            rng.shuffle(&mut order);
            let mut zone = KVec::from_elem(0u32, groups[c] as usize, GFP_KERNEL)?;
            for (position, &g) in order.iter().enumerate() {
                zone[g as usize] = first[c] + position as u32 % count[c];
            }
            zone_of_group.push(zone, GFP_KERNEL)?;
        }
        // Single types: chosen at random among the pointer-holding ones.
        let mut candidates = KVec::new();
        for i in 0..types {
            let e = HEADER + i * TYPE;
            let off = le32(bytes, e + offset_of!(Type, sig_offset)) as usize;
            let len = le16(bytes, e + offset_of!(Type, sig_len)) as usize;
            if has_pointer(&sigs[off..off + len]) {
                candidates.push(i as u32, GFP_KERNEL)?;
            }
        }
        rng.shuffle(&mut candidates);
        let singles = singles_wanted.min(candidates.len() as u32);
        let mut single_zone = KVec::from_elem(u32::MAX, types, GFP_KERNEL)?;
        for (n, &i) in candidates.iter().take(singles as usize).enumerate() {
            single_zone[i as usize] = zones + n as u32;
        }

        let words = types * ENTRY_WORDS + sig_bytes.div_ceil(8);
        let pages = RoPages::new(words.max(1) * 8)?;
        let store = |word: usize, value: u64| {
            // SAFETY: `word` is below `words`, inside the pages, 8-aligned;
            // nothing reads them yet.
            unsafe { pages.store(pages.at(word * 8).cast(), value) };
        };
        for i in 0..types {
            let e = HEADER + i * TYPE;
            let token = le64(bytes, e + offset_of!(Type, token));
            let sig_offset = le32(bytes, e + offset_of!(Type, sig_offset));
            let sig_len = le16(bytes, e + offset_of!(Type, sig_len));
            let group = le16(bytes, e + offset_of!(Type, group)) as usize;
            let class = bytes[e + offset_of!(Type, class)] as usize;
            let flags = bytes[e + offset_of!(Type, flags)] as u64;
            let sig = &sigs[sig_offset as usize..(sig_offset + sig_len) as usize];
            let zone = match single_zone[i] {
                u32::MAX => zone_of_group[class][group],
                z => z,
            };
            let mut bits = flags & POINTER;
            // Clang's pointer flag also sees pointers in a flexible array,
            // which the signature (of the fixed part) does not.
            if !has_pointer(sig) && token & POINTER_FLAG == 0 {
                bits |= DATA_ONLY;
            }
            store(i * ENTRY_WORDS, token);
            store(i * ENTRY_WORDS + 1, zone as u64 | sig_offset << 32);
            store(
                i * ENTRY_WORDS + 2,
                sig_len | (class as u64) << 16 | bits << 24,
            );
        }
        for (w, chunk) in sigs.chunks(8).enumerate() {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            store(types * ENTRY_WORDS + w, u64::from_le_bytes(word));
        }
        // INVARIANT: the entries were checked above, and are written sorted
        // with their zones below `zones + singles`; every class has at least
        // one zone (`split`).
        Ok(ShapeTable {
            pages,
            types,
            sig_bytes,
            first,
            count,
            zones: zones + singles,
            singles,
            groups: groups.iter().sum(),
            seed: rng.next(),
        })
    }

    /// Word `w` of the table.
    fn word(&self, w: usize) -> u64 {
        // SAFETY: Callers pass a word inside the pages (type invariant),
        // which nothing writes any more.
        unsafe { self.pages.at(w * 8).cast::<u64>().read() }
    }

    /// The signature bytes.
    fn sigs(&self) -> &[u8] {
        // SAFETY: The signature bytes follow the entries (type invariant) and
        // are never written again.
        unsafe {
            core::slice::from_raw_parts(self.pages.at(self.types * ENTRY_WORDS * 8), self.sig_bytes)
        }
    }

    /// Entry `i`: (token, zone, signature, class, bits).
    fn entry(&self, i: usize) -> (u64, u32, &[u8], usize, u64) {
        let w1 = self.word(i * ENTRY_WORDS + 1);
        let w2 = self.word(i * ENTRY_WORDS + 2);
        let off = (w1 >> 32) as usize;
        let len = (w2 & 0xffff) as usize;
        (
            self.word(i * ENTRY_WORDS),
            w1 as u32,
            &self.sigs()[off..off + len],
            (w2 >> 16 & 0xff) as usize,
            w2 >> 24 & 0xff,
        )
    }

    /// The table's entry of `token`.
    fn find(&self, token: u64) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.types);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.word(mid * ENTRY_WORDS).cmp(&token) {
                core::cmp::Ordering::Less => lo = mid + 1,
                core::cmp::Ordering::Greater => hi = mid,
                core::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// The zone of a signature `sig` of size class `class` that the table may
    /// not have: that of a table type with the same signature and class, or
    /// one of the class's zones by a keyed hash of the signature.
    fn zone_of_signature(&self, sig: &[u8], class: usize) -> u32 {
        for i in 0..self.types {
            let (_, zone, s, c, _) = self.entry(i);
            if c == class && s == sig && zone < self.first_single() {
                return zone;
            }
        }
        let pick = ((sig_hash(sig, self.seed) as u128 * self.count[class] as u128) >> 64) as u32;
        self.first[class] + pick
    }

    /// The first single type's zone.
    fn first_single(&self) -> u32 {
        self.zones - self.singles
    }

    /// Where an allocation of size class `class` of the type with token
    /// `token` goes, with `shape` the signature its Rust definition gives,
    /// if any.
    pub(crate) fn family(&self, token: u64, class: usize, shape: Option<&[u8]>) -> Family {
        let keep = |key| Family { key, keep: true };
        if token == 0 {
            return keep(UNSIGNED);
        }
        let (sig_class, pointer, data_only, zone) = match self.find(token) {
            Some(i) => {
                let (_, zone, _, c, bits) = self.entry(i);
                (c, bits & POINTER != 0, bits & DATA_ONLY != 0, zone)
            }
            None => match shape.filter(|s| !s.is_empty()) {
                Some(sig) => {
                    let Some(c) = class_of_granules(sig.len()) else {
                        return keep(UNSIGNED);
                    };
                    let data_only = !has_pointer(sig) && token & POINTER_FLAG == 0;
                    (c, sig == b"1", data_only, self.zone_of_signature(sig, c))
                }
                // No signature: by Clang's pointer flag.
                None if token & POINTER_FLAG == 0 => return keep(DATA),
                None => return keep(UNSIGNED),
            },
        };
        if data_only {
            keep(DATA)
        } else if class != sig_class {
            Family {
                key: if pointer { VAR_POINTERS } else { VAR },
                keep: false,
            }
        } else {
            keep(zone_key(zone))
        }
    }

    /// Every zone's key and size class, for the caches made at load.
    pub(crate) fn zones(&self) -> impl Iterator<Item = (u64, usize)> + '_ {
        let groups = (0..CLASSES)
            .flat_map(move |c| (self.first[c]..self.first[c] + self.count[c]).map(move |z| (z, c)));
        let singles = (0..self.types).filter_map(move |i| {
            let (_, zone, _, c, _) = self.entry(i);
            (zone >= self.first_single()).then_some((zone, c))
        });
        Iterator::chain(groups, singles).map(|(z, c)| (zone_key(z), c))
    }

    /// The number of zones (group and single-type caches per matrix).
    pub(crate) fn zone_count(&self) -> u32 {
        self.zones
    }

    /// The number of signature groups in the table.
    pub(crate) fn groups(&self) -> u32 {
        self.groups
    }

    /// The number of types in the table.
    pub(crate) fn types(&self) -> usize {
        self.types
    }

    /// The number of single-type zones.
    pub(crate) fn singles(&self) -> u32 {
        self.singles
    }

    /// The zone of the table's type `token`, for tests and debugfs.
    pub(crate) fn zone_of(&self, token: u64) -> Option<u32> {
        self.find(token).map(|i| self.entry(i).1)
    }
}

/// The signature a Rust user passed, valid for the call.
///
/// # Safety
///
/// `shape` is NULL or a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn shape_arg<'a>(shape: *const c_char) -> Option<&'a [u8]> {
    if shape.is_null() {
        return None;
    }
    // SAFETY: A non-NULL `shape` is NUL-terminated and valid for `'a` (the
    // caller's guarantee).
    let s = unsafe { CStr::from_char_ptr(shape) }.as_bytes();
    (s.len() <= format::KPART_SHAPE_MAX_GRANULES as usize
        && s.iter().all(|c| (b'0'..=b'3').contains(c)))
    .then_some(s)
}

/// The zone of the table's type `token` in this load, and whether it is a
/// single type's: `-ENOENT` outside shape mode and for a token the table
/// lacks (`include/kpart.h`).
///
/// # Safety
///
/// `single` is NULL or valid for writes.
#[no_mangle]
pub(crate) unsafe extern "C" fn kpart_shape_zone(token: c_ulong, single: *mut bool) -> c_long {
    let Some(table) = crate::state::state().and_then(|k| k.shape()) else {
        return -(bindings::ENOENT as c_long);
    };
    let Some(zone) = table.zone_of(token as u64) else {
        return -(bindings::ENOENT as c_long);
    };
    if !single.is_null() {
        // SAFETY: A non-NULL `single` is valid for writes (the caller's
        // guarantee).
        unsafe { single.write(zone >= table.first_single()) };
    }
    zone as c_long
}

/// Fills `view` with the table's type number `index` and its zone in this
/// load, for debugfs; false past the last, and outside shape mode.
///
/// # Safety
///
/// `view` is valid for writes.
#[no_mangle]
pub(crate) unsafe extern "C" fn kpart_shape_get(
    index: c_uint,
    view: *mut c_parts::kpart_shape_view,
) -> bool {
    let Some(table) = crate::state::state().and_then(|k| k.shape()) else {
        return false;
    };
    if index as usize >= table.types {
        return false;
    }
    let (token, zone, sig, class, bits) = table.entry(index as usize);
    let value = c_parts::kpart_shape_view {
        token,
        zone,
        single: zone >= table.first_single(),
        data_only: bits & DATA_ONLY != 0,
        size: size_class::SIZES[class] as c_uint,
        signature: sig.as_ptr().cast(),
        sig_len: sig.len() as c_uint,
    };
    // SAFETY: The caller passes a `view` valid for writes.
    unsafe { view.write(value) };
    true
}

// The declarations in the headers have these definitions' types: an array of
// the two does not compile otherwise.
const _: () = {
    let _ = [crate::kpart_bindings::kpart_shape_zone, kpart_shape_zone];
    let _ = [c_parts::kpart_shape_get, kpart_shape_get];
};
