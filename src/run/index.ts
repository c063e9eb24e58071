/** The run stage's public face: what the pipeline, the entry layer and later stages use. */
export { loadInputs } from './inputs.js';
export { planTasks, type PlanOptions } from './plan.js';
export { runTasks } from './runner.js';
export { stopOnServiceRefusal } from './service-guard.js';
export type { InputItem, PlannedTask, TaskOutcome } from './types.js';
export { farmKey, loadRunTiming, saveRunTiming, timingRecord } from './timing-prior.js';
