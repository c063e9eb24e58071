/**
 * Files shipped next to the code at the repository root (cmake/, matchers/,
 * firmware/). The action runs from its checkout: the bundle is dist/*.js (and
 * dist/chunks/), the sources are src/build/*.ts; the action's own directory
 * is the nearest one above this module that holds action.yml, from either
 * place. Files are taken from there only, so that a folder of the same name
 * higher up (the user's workspace, a runner's directory) is never used.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function actionRoot(): string | null {
  let dir = HERE;
  for (let depth = 0; depth < 4; depth++) {
    if (existsSync(path.join(dir, 'action.yml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

/** Absolute path of a shipped file, e.g. 'cmake/arm-none-eabi.cmake'. */
export function shippedFile(relative: string): string {
  const root = actionRoot();
  const candidate = root && path.join(root, relative);
  if (candidate && existsSync(candidate)) return candidate;
  throw new Error(
    `allhw-ci is incomplete: '${relative}' was not found in the action's directory (${root ?? `none with action.yml above ${HERE}`}); reinstall or re-checkout the action.`,
  );
}

export const toolchainFile = (): string => shippedFile('cmake/arm-none-eabi.cmake');
export const gccMatcherFile = (): string => shippedFile('matchers/gcc.json');
