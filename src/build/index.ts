/** The build stage's public face: what the pipeline, the entry layer and later stages use. */
export { buildProject } from './build.js';
export { checkProject } from './detect.js';
export { BuildError } from './errors.js';
export type { Build, Image, SizeReport } from './types.js';
export type { BuildOptions } from './build.js';
export type { MemorySplit } from './types.js';
export { boardInfo, type BoardInfo } from './boards.js';
export { shippedFile } from './assets.js';
export { describeSplit } from './size.js';
