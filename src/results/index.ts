/** The results stage's public face: what the pipeline, the entry layer and later stages use. */
export { applyGolden, checkCorrectness, compareBaseline, imageNames, loadBaseline, loadGolden, matchImages, verdict } from './gate.js';
export type { FailOn, Golden } from './gate.js';
export { checkOutputCount, goldenCoverage, passRateText, someNames } from './golden.js';
export { parseOutcome } from './parse.js';
export { JOURNAL_FILE, RESULTS_FILE, ResultsStore } from './store.js';
export type {
  BaselineFigures,
  BaselineSource,
  Correctness,
  GateCheck,
  GateResult,
  ImageEntry,
  InputResult,
  Measurement,
  Results,
  RunInfo,
  TaskEntry,
  TimingRecord,
} from './types.js';
export type { BaselineTolerances } from './gate.js';
