/** The MLF stage's public face: an MLF tarball → a generated firmware project, its build and its memory split. */
export { generateProject, type GenerateOptions, type GeneratedProject } from './generate.js';
export { generateForRun, projectDirIn, type RunGenerateOptions } from './stage.js';
export { buildModelProject, type ModelBuild, type ModelBuildOptions } from './build.js';
export { projectMemorySplit } from './memory.js';
export { MlfError } from './errors.js';
