/**
 * Files shipped next to the code at the repository root (cmake/, matchers/).
 * The action runs from its checkout: the bundle is dist/index.js, the sources
 * are src/build/*.ts; walking up from this module finds the same root from
 * either place.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Absolute path of a shipped file, e.g. 'cmake/arm-none-eabi.cmake'. */
export function shippedFile(relative: string): string {
  let dir = HERE;
  for (let depth = 0; depth < 5; depth++) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`allhw-ci is incomplete: '${relative}' was not found above ${HERE}; reinstall or re-checkout the action.`);
}

export const toolchainFile = (): string => shippedFile('cmake/arm-none-eabi.cmake');
export const gccMatcherFile = (): string => shippedFile('matchers/gcc.json');
