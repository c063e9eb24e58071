/**
 * Building a generated project: the build stage's own CMake build, then
 * what only a model has: a link that ran out of flash or RAM is said as
 * "too big for the board", an image over capacity is an error (not the
 * warning other projects get), and the memory split is measured.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildProject, BuildError, type BuildOptions } from '../build/index.js';
import type { Build, Image } from '../build/index.js';
import { checkImageFits, linkOverflow, projectMemorySplit, type MemorySplit } from './memory.js';
import { TARGET } from './templates.js';

export interface ModelBuild extends Build {
  image: Image;
  memory: MemorySplit;
}

export type ModelBuildOptions = Omit<BuildOptions, 'system' | 'command' | 'image' | 'memorySplit'>;

export async function buildModelProject(opts: ModelBuildOptions): Promise<ModelBuild> {
  let build: Build;
  try {
    const buildDir = path.resolve(opts.buildDir ?? path.join(opts.projectDir, 'build'));
    const image = path.relative(path.resolve(opts.projectDir), path.join(buildDir, `${TARGET}.elf`));
    build = await buildProject({ ...opts, system: 'cmake', command: '', image, memorySplit: projectMemorySplit });
  } catch (e) {
    if (e instanceof BuildError && e.details.logPath) {
      const log = await readFile(e.details.logPath, 'utf8').catch(() => (e.details.tail ?? []).join('\n'));
      const over = linkOverflow(log.split('\n'), opts.board);
      if (over) throw over;
    }
    throw e;
  }
  const [image] = build.images;
  if (!image) throw new BuildError(`The generated project built no image (is ${opts.projectDir} a project allhw generate wrote?).`);
  if (!image.size?.memory)
    throw new BuildError(`The generated project's image ${image.path} could not be sized (is ${opts.projectDir} a project allhw generate wrote?).`);
  checkImageFits(image.size, opts.board);
  return { ...build, image, memory: image.size.memory };
}
