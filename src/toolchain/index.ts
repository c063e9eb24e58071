/** The toolchain stage's public face: what the pipeline, the entry layer and later stages use. */
export { cacheDirs } from './cache.js';
export { ToolchainError, setupToolchain } from './install.js';
export { archiveFor, defaultTable } from './table.js';
export type { Toolchain } from './types.js';
export { EntryGuard } from './archive-guard.js';
export { actionsCacheLayer, type ToolchainCacheLayer } from './actions-cache.js';
