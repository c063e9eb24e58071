/**
 * A rejected key fails every task the same way: after the first 401/403 no
 * new task is sent (each fails at once with that rejection), while requests
 * already under way finish normally — cutting off a POST in flight could leave
 * a task running on the service whose id we never learn.
 */
import type { AllhwClient } from '../allhw/client.js';
import { AllhwError } from '../allhw/errors.js';

type TaskClient = Pick<AllhwClient, 'createTask' | 'getTask'>;

export interface KeyGuard {
  client: TaskClient;
  /** The first rejection, if any. */
  rejection(): AllhwError | null;
}

export function stopOnKeyRejection(client: TaskClient): KeyGuard {
  let rejected: AllhwError | null = null;
  const watch = <T>(call: Promise<T>): Promise<T> =>
    call.catch((e: unknown) => {
      if (e instanceof AllhwError && e.kind === 'key-rejected') rejected ??= e;
      throw e;
    });
  return {
    client: {
      createTask: (...args) => (rejected ? Promise.reject(rejected) : watch(client.createTask(...args))),
      getTask: (...args) => watch(client.getTask(...args)),
    },
    rejection: () => rejected,
  };
}
