/** SIGINT and SIGTERM, the two ways a job or a terminal asks a run to stop. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'];
/**
 * An AbortSignal that fires at the first SIGINT or SIGTERM, after `onSignal`
 * has said what happens next. Each signal is caught once: a repeat of the same
 * one gets Node's default (exit), so a second Ctrl-C still kills a run that
 * does not stop. `dispose` removes the handlers once the run is over.
 */
function abortOnStopSignals(onSignal) {
    const controller = new AbortController();
    const handler = (signal) => {
        onSignal(signal);
        controller.abort(new Error(`cancelled by ${signal}`));
    };
    for (const s of STOP_SIGNALS)
        process.once(s, handler);
    return {
        signal: controller.signal,
        dispose: () => {
            for (const s of STOP_SIGNALS)
                process.off(s, handler);
        },
    };
}
/** SIGINT/SIGTERM as a sequence: `next` resolves at the next one, every time. */
function stopSignalSequence() {
    let resolveNext = () => undefined;
    let next = new Promise((r) => (resolveNext = r));
    const on = (signal) => {
        const resolve = resolveNext;
        next = new Promise((r) => (resolveNext = r));
        resolve(signal);
    };
    for (const s of STOP_SIGNALS)
        process.on(s, on);
    return {
        get next() {
            return next;
        },
        dispose() {
            for (const s of STOP_SIGNALS)
                process.off(s, on);
        },
    };
}

export { abortOnStopSignals as a, stopSignalSequence as s };
//# sourceMappingURL=signals.js.map
