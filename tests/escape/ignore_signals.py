# what: ignoring and blocking every catchable signal, then spinning forever
# expect: timeout|killed
# timeout: 2
import signal
for sig in [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM, signal.SIGXCPU, signal.SIGQUIT,
            signal.SIGUSR1, signal.SIGUSR2, signal.SIGPIPE, signal.SIGVTALRM, signal.SIGPROF]:
    try:
        signal.signal(sig, signal.SIG_IGN)
    except OSError:
        pass  # the lightweight sandbox refuses new dispositions (seccomp); blocking still works
signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP})
while True:
    pass
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
