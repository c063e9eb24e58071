/** The serve stage's public face: what the pipeline, the entry layer and later stages use. */
export { FAULT_KINDS, FaultSpecError, parseFaultSpec } from './faults.js';
export { ImageError, inspectImage } from './image.js';
export { QEMU_COMMAND } from './qemu-board.js';
export {
  DEFAULT_BOARDS,
  DEFAULT_BOOT_MS,
  DEFAULT_FAULT_SEED,
  DEFAULT_FLASH_MS_PER_KIB,
  DEFAULT_ICOUNT_SHIFT,
  DEFAULT_MAX_IMAGE_BYTES,
  DEFAULT_MAX_INPUT_BYTES,
  DEFAULT_PORT,
  startServe,
} from './server.js';
export type { RunningServe, ServeOptions } from './server.js';
