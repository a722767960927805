//! Panics logged like every other error: one JSON line through `tracing`, in the span
//! the panic happened in (so with the request id, trace id, role and operation of the
//! request), with the panic's message, where it happened and a backtrace. Services install
//! this hook; what keeps a panicking request from taking anything else down is
//! `http::catch_panic` (the request is answered 500) and tokio, which confines a panic to
//! its task.

use std::backtrace::Backtrace;
use std::cell::Cell;
use std::panic::PanicHookInfo;

thread_local! {
    /// Set while this thread logs a panic: a panic inside the logging itself is printed
    /// plainly instead of looping.
    static IN_HOOK: Cell<bool> = const { Cell::new(false) };
}

/// Replaces the default panic hook (a plain text print) with one that logs.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(log_panic));
}

fn log_panic(info: &PanicHookInfo<'_>) {
    let message = info
        .payload_as_str()
        .unwrap_or("(a panic payload that is not text)");
    let location = info
        .location()
        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
        .unwrap_or_default();
    let backtrace = Backtrace::force_capture();
    if IN_HOOK.with(|flag| flag.replace(true)) {
        eprintln!("panic while logging a panic: {message} at {location}\n{backtrace}");
        return;
    }
    let thread = std::thread::current();
    tracing::error!(
        target: "pyexec::panic",
        panic = message,
        location = %location,
        thread = thread.name().unwrap_or("unnamed"),
        backtrace = %backtrace,
        "panic: {message}"
    );
    IN_HOOK.with(|flag| flag.set(false));
}
