// SPDX-License-Identifier: GPL-2.0

//! Declaring KUnit suites and checks from Rust.
//!
//! The 6.12 `kernel` crate can run Rust doctests under KUnit but has no way
//! to declare a suite in a module. [`kunit_suite!`] builds the C structures
//! KUnit expects (`struct kunit_case[]`, `struct kunit_suite`) as statics and
//! puts a pointer to the suite in the module's `.kunit_test_suites` section,
//! exactly where C's `kunit_test_suites()` puts it: loading the module runs
//! the suite, and its results appear in the kernel log and in
//! `/sys/kernel/debug/kunit/<suite>/results`.
//!
//! # Examples
//!
//! ```ignore
//! fn adds() {
//!     kunit_expect_eq!(1 + 1, 2);
//! }
//!
//! fn needs_typed_mode() {
//!     if !typed() {
//!         return kunit_support::skip(c"kpart is in random mode");
//!     }
//!     kunit_expect!(true, "never fails");
//! }
//!
//! kunit_suite!(ARITHMETIC, "kpart_arithmetic", [adds, needs_typed_mode]);
//! ```
//!
//! A case is a plain `fn()`; the checks find the running test through
//! `kunit_get_current_test()`, as the `kernel` crate's own `kunit_assert!`.

use core::ffi::CStr;
use core::fmt;
use kernel::bindings;
use kernel::ffi::{c_char, c_void};

/// A `struct kunit_case` for the case table of a suite.
pub(crate) const fn case(
    name: &'static CStr,
    run: unsafe extern "C" fn(*mut bindings::kunit),
) -> bindings::kunit_case {
    // SAFETY: All-zero is a valid `struct kunit_case` (no name, no function:
    // the table terminator), as C's `{}` initialiser.
    let mut case: bindings::kunit_case = unsafe { core::mem::zeroed() };
    case.run_case = Some(run);
    case.name = name.as_ptr().cast();
    case
}

/// The all-zero `struct kunit_case` that ends a case table.
pub(crate) const fn end_of_cases() -> bindings::kunit_case {
    // SAFETY: All-zero is a valid `struct kunit_case`, as for `case`.
    unsafe { core::mem::zeroed() }
}

/// A `struct kunit_suite` named `name` running the cases at `cases`.
pub(crate) const fn suite(
    name: &'static CStr,
    cases: *mut bindings::kunit_case,
) -> bindings::kunit_suite {
    // SAFETY: All-zero is a valid `struct kunit_suite` (no hooks, empty name
    // and status), as C's `{}` initialiser.
    let mut suite: bindings::kunit_suite = unsafe { core::mem::zeroed() };
    let bytes = name.to_bytes();
    // Keep room for the NUL terminator; a longer name fails to compile.
    assert!(bytes.len() < suite.name.len(), "KUnit suite name too long");
    let mut i = 0;
    while i < bytes.len() {
        suite.name[i] = bytes[i] as c_char;
        i += 1;
    }
    suite.test_cases = cases;
    suite
}

/// Declares a KUnit suite: `kunit_suite!(STATIC_NAME, "suite_name", [case, ...]);`
///
/// Each case is a `fn()` in scope; its KUnit name is its Rust name.
#[macro_export]
macro_rules! kunit_suite {
    ($ident:ident, $name:literal, [$($case:ident),+ $(,)?]) => {
        #[allow(non_snake_case)]
        mod $ident {
            use kernel::bindings;

            static mut CASES: [bindings::kunit_case; [$(stringify!($case)),+].len() + 1] = [
                $($crate::kunit_support::case(
                    // SAFETY: `concat!` adds exactly one NUL, at the end.
                    unsafe {
                        core::ffi::CStr::from_bytes_with_nul_unchecked(
                            concat!(stringify!($case), "\0").as_bytes(),
                        )
                    },
                    {
                        unsafe extern "C" fn run(_test: *mut bindings::kunit) {
                            super::$case()
                        }
                        run
                    },
                ),)+
                $crate::kunit_support::end_of_cases(),
            ];

            static mut SUITE: bindings::kunit_suite = $crate::kunit_support::suite(
                // SAFETY: `concat!` adds exactly one NUL, at the end.
                unsafe { core::ffi::CStr::from_bytes_with_nul_unchecked(concat!($name, "\0").as_bytes()) },
                // Only the address is taken; KUnit alone accesses the table.
                (&raw mut CASES).cast(),
            );

            /// The suite, where the module loader finds it.
            #[used]
            #[link_section = ".kunit_test_suites"]
            static mut ENTRY: *mut bindings::kunit_suite = &raw mut SUITE;
        }
    };
}

/// Reports a failed expectation at `file`:`line` to the running KUnit test
/// (the case goes on, and fails at its end).
pub(crate) fn fail(file: &'static CStr, line: u32, args: fmt::Arguments<'_>) {
    // SAFETY: Always safe to call; NULL outside a KUnit test.
    let test = unsafe { bindings::kunit_get_current_test() };
    if test.is_null() {
        kernel::pr_err!("kpart_kunit: check failed outside a test: {}\n", args);
        return;
    }
    let loc = bindings::kunit_loc {
        line: line as i32,
        file: file.as_ptr().cast(),
    };
    let assert = bindings::kunit_fail_assert {
        assert: bindings::kunit_assert {},
    };
    // SAFETY: `test` is the running test; `loc`, `assert` and `args` outlive
    // the call, which formats the message (`%pA` prints `fmt::Arguments`)
    // before returning.
    unsafe {
        bindings::__kunit_do_failed_assertion(
            test,
            &loc,
            bindings::kunit_assert_type_KUNIT_EXPECTATION,
            &assert.assert,
            Some(bindings::kunit_fail_assert_format),
            c"%pA".as_ptr().cast(),
            &args as *const fmt::Arguments<'_> as *const c_void,
        );
    }
}

/// Marks the running test as skipped, with `reason`; the caller returns.
pub(crate) fn skip(reason: &CStr) {
    // SAFETY: Always safe to call; NULL outside a KUnit test.
    let test = unsafe { bindings::kunit_get_current_test() };
    if test.is_null() {
        return;
    }
    // SAFETY: `test` is the running test, which only this thread writes.
    let test = unsafe { &mut *test };
    test.status = bindings::kunit_status_KUNIT_SKIPPED;
    let reason = reason.to_bytes();
    let len = reason.len().min(test.status_comment.len() - 1);
    for (dst, src) in test.status_comment.iter_mut().zip(&reason[..len]) {
        *dst = *src as c_char;
    }
    test.status_comment[len] = 0;
}

/// Expects `cond` to hold; otherwise reports the condition or the message.
#[macro_export]
macro_rules! kunit_expect {
    ($cond:expr $(,)?) => {
        $crate::kunit_expect!($cond, "expected {}", stringify!($cond))
    };
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            $crate::kunit_support::fail(
                // SAFETY: `concat!` adds exactly one NUL, at the end.
                unsafe { core::ffi::CStr::from_bytes_with_nul_unchecked(concat!(file!(), "\0").as_bytes()) },
                line!(),
                format_args!($($msg)+),
            );
        }
    };
}

/// Expects `left == right`; otherwise reports both values.
#[macro_export]
macro_rules! kunit_expect_eq {
    ($left:expr, $right:expr $(,)?) => {{
        let (left, right) = (&$left, &$right);
        $crate::kunit_expect!(
            *left == *right,
            "expected {} == {}: {:?} != {:?}",
            stringify!($left),
            stringify!($right),
            left,
            right
        );
    }};
}
