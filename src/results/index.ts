/** The results stage's public face: what the pipeline, the entry layer and later stages use. */
export { applyGolden, compareBaseline, loadBaseline, loadGolden, verdict } from './gate.js';
export type { Golden } from './gate.js';
export { checkOutputCount } from './golden.js';
export { parseOutcome } from './parse.js';
export { ResultsStore } from './store.js';
export type { GateCheck, ImageEntry, InputResult, Results, TaskEntry } from './types.js';
