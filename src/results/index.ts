/** The results stage's public face: what the pipeline, the entry layer and later stages use. */
export { applyGolden, compareBaseline, imageNames, loadBaseline, loadGolden, matchImages, verdict } from './gate.js';
export type { FailOn, Golden } from './gate.js';
export { checkOutputCount, goldenCoverage, someNames } from './golden.js';
export { parseOutcome } from './parse.js';
export { JOURNAL_FILE, RESULTS_FILE, ResultsStore } from './store.js';
export type { BaselineFigures, BaselineSource, GateCheck, GateResult, ImageEntry, InputResult, Measurement, Results, RunInfo, TaskEntry } from './types.js';
