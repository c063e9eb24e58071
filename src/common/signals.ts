/** SIGINT and SIGTERM, the two ways a job or a terminal asks a run to stop. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * An AbortSignal that fires at the first SIGINT or SIGTERM, after `onSignal`
 * has said what happens next. Each signal is caught once: a repeat of the same
 * one gets Node's default (exit), so a second Ctrl-C still kills a run that
 * does not stop. `dispose` removes the handlers once the run is over.
 */
export function abortOnStopSignals(onSignal: (signal: NodeJS.Signals) => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals): void => {
    onSignal(signal);
    controller.abort(new Error(`cancelled by ${signal}`));
  };
  for (const s of STOP_SIGNALS) process.once(s, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of STOP_SIGNALS) process.off(s, handler);
    },
  };
}

/** SIGINT/SIGTERM as a sequence: `next` resolves at the next one, every time. */
export function stopSignalSequence(): { readonly next: Promise<NodeJS.Signals>; dispose(): void } {
  let resolveNext: (s: NodeJS.Signals) => void = () => undefined;
  let next = new Promise<NodeJS.Signals>((r) => (resolveNext = r));
  const on = (signal: NodeJS.Signals): void => {
    const resolve = resolveNext;
    next = new Promise<NodeJS.Signals>((r) => (resolveNext = r));
    resolve(signal);
  };
  for (const s of STOP_SIGNALS) process.on(s, on);
  return {
    get next() {
      return next;
    },
    dispose() {
      for (const s of STOP_SIGNALS) process.off(s, on);
    },
  };
}
