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
fn header_probe_constant_is_the_bound_64_token() {
    let header =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../include/kpart.h"))
            .expect("include/kpart.h");
    let line = header
        .lines()
        .find(|l| l.contains("sizeof(struct kpart_token_probe)) =="))
        .expect("the probe assertion");
    let value: u64 = line
        .split("==")
        .nth(1)
        .and_then(|v| v.trim().trim_end_matches(',').trim().parse().ok())
        .expect("a decimal constant");
    assert_eq!(
        value,
        token_of::<Probe>(64, TokenMode::TypeHashPointerSplit)
    );
    assert!(header.contains(&format!("whose token is {value} with")));
    // The bound the header names is the one kpart reduces from.
    assert!(header.contains("#define KPART_TOKEN_MAX 64"));
}
