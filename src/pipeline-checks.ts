/**
 * Checks the pipeline makes of what the user gave before it spends a run on
 * it, and advice added to a failure about a common mistake.
 */
import type { Image } from './build/types.js';
import { ImageError, inspectImage } from './serve/image.js';

/** 'a.txt b.txt' is one glob with a space in it: a failure naming it says how to give several. */
export function spacedGlobHint(e: Error, globs: string[]): Error {
  const spaced = globs.some((g) => /\s/.test(g) && e.message.includes(g));
  return spaced ? new Error(`${e.message} To give several globs, separate them with commas or new lines, not spaces.`) : e;
}

/**
 * An image the emulated board cannot run (one built for the F746's flash, a
 * binary that is neither ELF nor HEX) would only come back as code 255 on
 * every attempt, its reason buried in a UART log: the serve's own check says
 * why now, before any task.
 */
export async function checkEmulatorImages(images: Image[]): Promise<void> {
  for (const image of images) {
    try {
      await inspectImage(image.path);
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      throw new Error(
        `Image '${image.name}' (${image.path}) cannot run on the emulated board: ${e.message} ` +
          "Or give 'ci-api-key' to run it on the All-HW farm.",
      );
    }
  }
}
