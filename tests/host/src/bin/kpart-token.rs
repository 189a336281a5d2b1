// SPDX-License-Identifier: GPL-2.0

//! `kpart-token`: prints the allocation token Clang 22 gives a C type.
//!
//! ```text
//! kpart-token [--max N] [--mode typehash|typehashpointersplit] [--pointer] TYPE_NAME
//! kpart-token [--max N] [--mode typehash|typehashpointersplit] [--pointer] --stdin
//! ```
//!
//! `TYPE_NAME` is Clang's canonical name of the type (`holder` for `struct holder`,
//! `unsigned char *`, `void (*)(void)`); several words are joined with single spaces.
//! `--pointer` says that the type holds a pointer. Without `--max` the token is unbounded (as
//! without `-falloc-token-max`; `--max 0` is the same); the mode defaults to Clang's,
//! `typehashpointersplit`. The decimal token goes to standard output; bad usage exits with 2.
//! `--stdin`: one `TYPE_NAME` a line from standard input, one token a line out, in order.

use kpart_host::alloc_token::{reduce, type_hash, TokenMode, UNBOUNDED};
use std::io::{BufRead, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: kpart-token [--max N] [--mode typehash|typehashpointersplit] \
                     [--pointer] TYPE_NAME|--stdin";

/// What to compute.
struct Request {
    max: u64,
    mode: TokenMode,
    pointer: bool,
    /// `None`: the names come from standard input.
    name: Option<String>,
}

/// Parses a bound: decimal or `0x` hexadecimal.
fn parse_max(value: &str) -> Result<u64, String> {
    let parsed = match value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => value.parse(),
    };
    parsed.map_err(|_| format!("bad --max value '{value}'"))
}

/// Parses a mode name.
fn parse_mode(value: &str) -> Result<TokenMode, String> {
    TokenMode::parse(value.as_bytes())
        .ok_or_else(|| format!("bad --mode value '{value}' (typehash or typehashpointersplit)"))
}

/// Parses the arguments; `Ok(None)` asks for help.
fn parse(args: Vec<String>) -> Result<Option<Request>, String> {
    let mut max = UNBOUNDED;
    let mut mode = TokenMode::TypeHashPointerSplit;
    let mut pointer = false;
    let mut stdin = false;
    let mut words = Vec::new();
    let mut args = args.into_iter();
    let mut options = true;
    while let Some(arg) = args.next() {
        if !options || !arg.starts_with('-') {
            words.push(arg);
            continue;
        }
        let (option, inline) = match arg.split_once('=') {
            Some((option, value)) => (option.to_string(), Some(value.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{option} needs a value"))
        };
        match option.as_str() {
            "--" if inline.is_none() => options = false,
            "-h" | "--help" if inline.is_none() => return Ok(None),
            "--pointer" if inline.is_none() => pointer = true,
            "--stdin" if inline.is_none() => stdin = true,
            "--max" => max = parse_max(&value()?)?,
            "--mode" => mode = parse_mode(&value()?)?,
            _ => return Err(format!("unknown option '{arg}'")),
        }
    }
    if stdin {
        if !words.is_empty() {
            return Err("--stdin takes no TYPE_NAME".to_string());
        }
        return Ok(Some(Request {
            max,
            mode,
            pointer,
            name: None,
        }));
    }
    if words.is_empty() {
        return Err("missing TYPE_NAME".to_string());
    }
    let name = words.join(" ");
    if name.is_empty() {
        return Err("empty TYPE_NAME".to_string());
    }
    Ok(Some(Request {
        max,
        mode,
        pointer,
        name: Some(name),
    }))
}

fn main() -> ExitCode {
    let args: Result<Vec<String>, _> = std::env::args_os()
        .skip(1)
        .map(|a| a.into_string())
        .collect();
    let request = match args
        .map_err(|_| "arguments must be UTF-8".to_string())
        .and_then(parse)
    {
        Ok(Some(request)) => request,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("kpart-token: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let token = |name: &str| {
        reduce(
            type_hash(name.as_bytes()),
            request.pointer,
            request.max,
            request.mode,
        )
    };
    let Some(name) = &request.name else {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else {
                eprintln!("kpart-token: standard input must be UTF-8");
                return ExitCode::from(2);
            };
            if writeln!(out, "{}", token(&line)).is_err() {
                return ExitCode::FAILURE;
            }
        }
        return if out.flush().is_ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    };
    println!("{}", token(name));
    ExitCode::SUCCESS
}
