/** The results stage's public face: what the pipeline, the entry layer and later stages use. */
export { applyGolden, compareBaseline, loadBaseline, loadGolden, verdict } from './gate.js';
export type { Golden } from './gate.js';
export { checkOutputCount, goldenCoverage, someNames } from './golden.js';
export { parseOutcome } from './parse.js';
export { JOURNAL_FILE, RESULTS_FILE, ResultsStore } from './store.js';
export type { GateCheck, ImageEntry, InputResult, Results, TaskEntry } from './types.js';
