// SPDX-License-Identifier: GPL-2.0

//! `include/kpart.h` refuses callers built with the wrong token flags by
//! comparing the token of a probe type with a constant: check the constant
//! against kpart's own computation (which the oracle checks against Clang).

use kpart_host::alloc_token::{token_of, AllocType, TokenMode};

struct Probe;

impl AllocType for Probe {
    const C_NAME: &'static str = "kpart_token_probe";
    const HAS_POINTER: bool = true;
}

#[test]
fn header_probe_constant_is_the_bound_2_63_token() {
    let header = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../include/kpart.h"
    ))
    .expect("include/kpart.h");
    let line = header
        .lines()
        .find(|l| l.contains("sizeof(struct kpart_token_probe)) =="))
        .expect("the probe assertion");
    // The constant is on the line after the comparison.
    let at = header.find(line).expect("the line") + line.len();
    let value = header[at..]
        .trim_start()
        .split(|c: char| c == ',' || c.is_whitespace())
        .next()
        .and_then(|v| {
            u64::from_str_radix(v.trim_start_matches("0x").trim_end_matches("ULL"), 16).ok()
        })
        .expect("a hexadecimal constant");
    let bound = 1u64 << 63;
    assert_eq!(
        value,
        token_of::<Probe>(bound, TokenMode::TypeHashPointerSplit)
    );
    assert!(header.contains(&format!("whose token is {value:#x} with")));
    // The bound the header names is the one the token has, and the typed
    // table's is 64.
    assert!(header.contains("#define KPART_TOKEN_BOUND 9223372036854775808ULL"));
    assert!(header.contains("#define KPART_TOKEN_MAX 64"));
}
