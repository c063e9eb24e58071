/** The allhw stage's public face: what the pipeline, the entry layer and later stages use. */
export { AllhwClient, AllhwError, retryAfterMs } from './client.js';
export type { TaskReading } from './client.js';
export { API_VERSION, CODE_INFRA, CODE_TIMEOUT, KNOWN_STATUSES, PART_FIRMWARE, PART_INPUT, TIMEOUT_LINE_PREFIX, USERTASK_PATH } from './contract.js';
export type { KnownStatus, TaskRecord } from './contract.js';
