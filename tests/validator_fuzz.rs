//! Property tests: the validator never panics and never overflows its stack, whatever it is
//! given. Each case runs on a thread with a 2 MiB stack, the size of a tokio worker's, so a
//! recursion bomb that slipped past the nesting scan would abort the test process.
//!
//! `PROPTEST_CASES` sets the number of cases (CI runs the default 256 per property).

mod common;

use proptest::prelude::*;
use pyexec::models::TierChoice;

const FRAGMENTS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    "-",
    "+",
    "*",
    "**",
    "not ",
    "lambda ",
    "if ",
    "else ",
    "await ",
    "yield ",
    "x",
    "eval",
    "__class__",
    "'s'",
    "f'{",
    "}'",
    "\"\"\"",
    "\\\n",
    "\n",
    "    ",
    "\t",
    "#",
    "import os",
    "from . import *",
    "def f(",
    "class A:",
    "match x:\n    case ",
    "0x1f",
    "1e9",
    "@",
    "=",
    ":=",
    "\u{ff45}",
    "\u{0}",
    "\r\n",
];

fn validate_on_small_stack(source: Vec<u8>) {
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let validator = common::validator();
            let result = validator.validate_bytes(&source, TierChoice::Auto);
            // A verdict is always complete: rejected code says why.
            assert!(result.valid || !result.findings.is_empty());
        })
        .expect("spawn");
    handle.join().expect("validator panicked");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(source in proptest::collection::vec(any::<u8>(), 0..4096)) {
        validate_on_small_stack(source);
    }

    #[test]
    fn token_soup_never_panics(parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..400)) {
        validate_on_small_stack(parts.concat().into_bytes());
    }

    #[test]
    fn repeated_nesting_never_overflows(
        open in proptest::sample::select(FRAGMENTS),
        close in proptest::sample::select(FRAGMENTS),
        count in 1usize..20_000,
    ) {
        let source = format!("x = {}1{}", open.repeat(count), close.repeat(count));
        validate_on_small_stack(source.into_bytes());
    }
}

#[test]
fn known_recursion_bombs_are_rejected_not_crashed() {
    let bombs = [
        format!("x = {}1", "-".repeat(200_000)),
        format!("x = {}1{}", "(".repeat(100_000), ")".repeat(100_000)),
        format!("x = {}1", "not ".repeat(100_000)),
        format!("x = a{}", "*a".repeat(200_000)),
        format!("x = a{}", ".b".repeat(200_000)),
        format!("x = f{}", "()".repeat(200_000)),
        format!("x = a{}", " \\\n+ a".repeat(100_000)),
        format!("x = {}1", "lambda: ".repeat(100_000)),
        format!("x = 1{}", " if 1 else 1".repeat(50_000)),
        format!("x = 2{}", "**2".repeat(100_000)),
        (0..2000)
            .map(|d| format!("{}if x:\n", " ".repeat(d)))
            .collect::<String>()
            + &" ".repeat(2000)
            + "pass\n",
    ];
    for bomb in bombs {
        validate_on_small_stack(bomb.into_bytes());
    }
}
