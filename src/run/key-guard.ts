/**
 * A rejected key fails every task the same way: the first 401/403 stops the
 * run instead of spending the rest of it (and the log) on the same error.
 */
import type { AllhwClient } from '../allhw/client.js';
import { AllhwError } from '../allhw/errors.js';

type TaskClient = Pick<AllhwClient, 'createTask' | 'getTask'>;

export interface KeyGuard {
  client: TaskClient;
  /** Fires on the caller's signal or on the first key rejection. */
  signal: AbortSignal;
  /** The rejection that stopped the run, if any. */
  rejection(): AllhwError | null;
}

export function stopOnKeyRejection(client: TaskClient, outer?: AbortSignal): KeyGuard {
  const stop = new AbortController();
  let rejected: AllhwError | null = null;
  const watch = <T>(call: Promise<T>): Promise<T> =>
    call.catch((e: unknown) => {
      if (e instanceof AllhwError && e.kind === 'key-rejected' && !rejected) {
        rejected = e;
        stop.abort(e);
      }
      throw e;
    });
  return {
    client: {
      createTask: (...args) => watch(client.createTask(...args)),
      getTask: (...args) => watch(client.getTask(...args)),
    },
    signal: outer ? AbortSignal.any([outer, stop.signal]) : stop.signal,
    rejection: () => rejected,
  };
}
