/**
 * Some failures will fail every task the same way: the key rejected (401/403),
 * or the service unreachable (every attempt of a POST refused or unresolved,
 * so nothing was sent). After the first such failure no new task is sent —
 * each fails at once with that error — while requests already under way
 * finish normally: cutting off a POST in flight could leave a task running on
 * the service whose id we never learn.
 */
import type { AllhwClient } from '../allhw/index.js';
import { AllhwError } from '../allhw/index.js';

type TaskClient = Pick<AllhwClient, 'createTask' | 'getTask'>;

export interface ServiceGuard {
  client: TaskClient;
  /** The failure that stopped new tasks, if any. */
  stoppedBy(): AllhwError | null;
}

function failsEveryTask(e: unknown): e is AllhwError {
  return e instanceof AllhwError && (e.kind === 'key-rejected' || (e.kind === 'network' && e.transient));
}

export function stopOnServiceRefusal(client: TaskClient): ServiceGuard {
  let stopped: AllhwError | null = null;
  return {
    client: {
      createTask: (...args) =>
        stopped
          ? Promise.reject(stopped)
          : client.createTask(...args).catch((e: unknown) => {
              if (failsEveryTask(e)) stopped ??= e;
              throw e;
            }),
      getTask: (...args) => client.getTask(...args),
    },
    stoppedBy: () => stopped,
  };
}
