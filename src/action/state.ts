/** What the main step tells the post step (runner state, @actions/core's saveState/getState). */
import * as core from '@actions/core';

const FINISHED = 'finished';

/** The main step got to its end: the post step has nothing left to upload. */
export function markFinished(): void {
  core.saveState(FINISHED, 'true');
}

export function mainStepFinished(): boolean {
  return core.getState(FINISHED) === 'true';
}
