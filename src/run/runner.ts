/**
 * Runs every image with every input: plans the tasks, keeps at most
 * `maxParallel` of them in flight, retries infrastructure failures (code 255)
 * up to `retries` times, and hands each attempt's outcome to `onTaskEnd` as
 * soon as it is known (the store writes its UART log there). This module and
 * its helpers own time: deadlines, poll intervals, cancellation.
 *
 * Returns one outcome per planned task — its last attempt — in plan order;
 * earlier attempts were reported through onTaskEnd. When the run is
 * cancelled, tasks never created get an `error` outcome saying so (with no
 * onTaskEnd: there is nothing to log), so their inputs are still reported.
 */
import type { AllhwClient } from '../allhw/index.js';
import type { Image } from '../build/index.js';
import type { Logger } from '../common/log.js';
import { notRunOutcome, runAttempt, taskLabel, whyStopped } from './attempt.js';
import { planTasks, type InputsPerTask } from './plan.js';
import type { PollTiming } from './poll.js';
import { RunTiming } from './timing.js';
import type { InputItem, PlannedTask, TaskOutcome } from './types.js';
import type { ScheduleFactory } from './watch.js';

export interface RunTasksOptions {
  client: Pick<AllhwClient, 'createTask' | 'getTask'>;
  images: Image[];
  inputs: InputItem[];
  inputsPerTask: InputsPerTask;
  uartBuffer: number;
  exitLine: string;
  /** Times each input is sent in a task (warm-ups + timed runs; default 1). */
  sends?: number;
  maxParallel: number;
  /** Extra attempts after an infrastructure failure (code 255). */
  retries: number;
  timeoutS: number;
  queueTimeoutS: number;
  /** The UART baud rate (ci-rate), to know when a task's input is all written (default 115200). */
  rate?: number;
  log: Logger;
  signal?: AbortSignal;
  /** Called as soon as an attempt ends (also a failed one); awaited before the next attempt. */
  onTaskEnd?: (outcome: TaskOutcome) => Promise<void>;
  /**
   * Drop each attempt's UART bytes once onTaskEnd has recorded them (the
   * outcomes returned then hold none): a run of many tasks with large
   * outputs must not hold them all until it ends.
   */
  releaseOutput?: boolean;
  onTaskCreated?: (planIndex: number, attempt: number, id: string, task: { image: string; inputs: string[] }) => void;
  /** Seconds allowed past timeout + queue time before a task is given up (default 10). */
  deadlineMarginS?: number;
  /** Consecutive failed status reads (each retried by the client) before a task is given up (default 3). */
  maxPollFailures?: number;
  pollTiming?: Partial<PollTiming>;
  /** Another poll schedule (the poll benchmark's former one). */
  schedule?: ScheduleFactory;
  /** What the run knows and learns of task durations (default: starts from nothing); the caller keeps it for the next run. */
  runTiming?: RunTiming;
  /** The plan to run, when the caller made it already (else planned from images × inputs). */
  plan?: PlannedTask[];
}

export async function runTasks(opts: RunTasksOptions): Promise<TaskOutcome[]> {
  const { log, signal } = opts;
  const plan =
    opts.plan ??
    planTasks(opts.images, opts.inputs, {
      inputsPerTask: opts.inputsPerTask,
      uartBuffer: opts.uartBuffer,
      exitLine: opts.exitLine,
      sends: opts.sends,
      log,
    });
  const imageCount = new Set(plan.map((t) => t.image.name)).size;
  log.info(
    `${opts.inputs.length} input(s) × ${imageCount} image(s) → ${plan.length} task(s) ` +
      `(inputs-per-task ${opts.inputsPerTask}${opts.inputsPerTask === 'auto' ? ` within ${opts.uartBuffer} bytes` : ''}` +
      `${opts.exitLine ? `, exit line '${opts.exitLine}'` : ''}${(opts.sends ?? 1) > 1 ? `, each input sent ${opts.sends} times in a row` : ''}), at most ${opts.maxParallel} at a time`,
  );

  const attemptOptions = {
    client: opts.client,
    timeoutS: opts.timeoutS,
    queueTimeoutS: opts.queueTimeoutS,
    rate: opts.rate ?? 115200,
    marginS: opts.deadlineMarginS ?? 10,
    maxPollFailures: opts.maxPollFailures ?? 3,
    pollTiming: opts.pollTiming,
    schedule: opts.schedule,
    runTiming: opts.runTiming ?? new RunTiming(),
    log,
    signal,
    onTaskCreated: opts.onTaskCreated,
  };

  const finals: (TaskOutcome | null)[] = plan.map(() => null);
  let next = 0;

  const runTask = async (task: PlannedTask): Promise<TaskOutcome> => {
    for (let attempt = 1; ; attempt++) {
      const outcome = await runAttempt(task, attempt, attemptOptions);
      const last = outcome.end !== 'infra' || attempt > opts.retries || Boolean(signal?.aborted);
      if (last && outcome.end === 'infra' && attempt > 1) outcome.reason = `${outcome.reason}, on each of ${attempt} attempts`;
      if (opts.onTaskEnd) {
        try {
          await opts.onTaskEnd(outcome);
        } catch (e) {
          log.error(`${taskLabel(task)}: could not record the outcome: ${(e as Error).message}`);
        }
      }
      if (opts.releaseOutput && opts.onTaskEnd) outcome.uart = Buffer.alloc(0);
      if (last) return outcome;
      log.warning(`${taskLabel(task)}: infrastructure failure on attempt ${attempt}; trying again (attempt ${attempt + 1} of ${opts.retries + 1})`, {
        cause: 'had an infrastructure failure and were tried again',
      });
    }
  };

  const worker = async (): Promise<void> => {
    while (next < plan.length && !signal?.aborted) {
      const i = next++;
      finals[i] = await runTask(plan[i]!);
    }
  };
  const width = Math.max(1, Math.min(opts.maxParallel, plan.length));
  await Promise.all(Array.from({ length: width }, () => worker()));

  return plan.map((task, i) => finals[i] ?? notRunOutcome(task, `the run stopped before this task was created (${whyStopped(signal)})`));
}
