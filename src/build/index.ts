/** The build stage's public face: what the pipeline, the entry layer and later stages use. */
export { buildProject } from './build.js';
export { checkProject } from './detect.js';
export { BuildError } from './errors.js';
export type { Build, Image, SizeReport } from './types.js';
