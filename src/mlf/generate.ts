/**
 * generateProject: an MLF tarball (or unpacked MLF) → a self-contained CMake
 * project for a board: the tarball's generated C, a copy of allhw-ci's
 * firmware/ (board layers, protocol, MLF main and runtime), model_io.c, a
 * CMakeLists.txt and a README.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { boardInfo } from '../build/index.js';
import { shippedFile } from '../build/index.js';
import { MlfError, shown } from './errors.js';
import { addTree, syncFiles, type FileSet, type WriteStats } from './files.js';
import { checkFitsBoard, MODEL_FACTS } from './memory.js';
import { loadModel, type MlfModel } from './model.js';
import { modelIoSource } from './model-io.js';
import { cmakeLists, readme, type ProjectLayout } from './templates.js';

export interface GenerateOptions {
  /** The MLF: a path (tarball or directory) or a model loadModel returned. */
  model: string | MlfModel;
  board: string;
  outDir: string;
  /** Where a tarball is unpacked (default: the system temp directory). */
  stagingParent?: string;
}

export interface GeneratedProject {
  dir: string;
  board: string;
  /** Something worth saying about the model and the board (a core other than the board's), or null. */
  note: string | null;
  /** The model's facts (its staging directory is gone when generateProject loaded it). */
  model: Omit<MlfModel, 'cleanup'>;
  files: WriteStats;
}

/** The MLF files the project keeps, under mlf/. */
async function addModelFiles(files: FileSet, model: MlfModel): Promise<void> {
  await addTree(files, path.join(model.dir, 'codegen/host'), 'mlf/codegen/host', (rel) => !/^(src\/[^/]+\.c|include\/.+)$/.test(rel));
  files.set('mlf/metadata.json', await readFile(path.join(model.dir, 'metadata.json')));
  if (model.hasRuntimeInclude) await addTree(files, path.join(model.dir, 'runtime/include'), 'mlf/runtime/include');
}

/** Characters one value can take on an #input line, comma included ("-2147483648,", "-3.40282347e+38,"). */
const VALUE_CHARS = { int8: 5, uint8: 4, int16: 7, int32: 12, float32: 24 } as const;
const MIN_LINE_BUFFER = 4096;

function layoutOf(model: MlfModel, board: string): ProjectLayout {
  const longest = '#input:'.length + model.inputs.reduce((n, t) => n + t.count * VALUE_CHARS[t.dtype], 0) + 2;
  return {
    board,
    modelSources: model.sources.map((s) => `mlf/${s}`),
    tvmIncludeDir: model.hasRuntimeInclude ? 'mlf/runtime/include' : null,
    lineBufferBytes: Math.max(MIN_LINE_BUFFER, Math.ceil(longest / 256) * 256),
  };
}

/** What the project keeps of the model (no paths: the same tarball gives the same bytes wherever it lies). */
function modelFacts(m: MlfModel): string {
  const { module, prefix, metadataVersion, cpu, inputs, outputs, workspaceBytes, constantsBytes, entry } = m;
  return JSON.stringify({ module, prefix, metadataVersion, cpu, inputs, outputs, workspaceBytes, constantsBytes, entry }, null, 2) + '\n';
}

export async function generateProject(opts: GenerateOptions): Promise<GeneratedProject> {
  const info = boardInfo(opts.board);
  if (!info?.cpuFlags) {
    throw new MlfError('board', `Board ${shown(opts.board)} has no firmware layer: allhw-ci generates projects for f746_disco and mps2_an500.`);
  }
  const model = typeof opts.model === 'string' ? await loadModel(opts.model, { stagingParent: opts.stagingParent }) : opts.model;
  try {
    for (const name of model.sources) {
      if (!/^codegen\/host\/src\/[A-Za-z0-9_.+-]+\.c$/.test(name)) {
        throw new MlfError('bad-metadata', `The tarball's source ${shown(name)} has a file name a CMake project cannot list; rename it and repack.`);
      }
    }
    checkFitsBoard(model, opts.board);
    const files: FileSet = new Map();
    // firmware/mlf/host holds the firmware's own host tests: not part of a project.
    await addTree(files, shippedFile('firmware'), 'firmware', (rel) => rel.startsWith('mlf/host/'));
    await addModelFiles(files, model);
    const layout = layoutOf(model, opts.board);
    files.set('model_io.c', modelIoSource(model));
    files.set('CMakeLists.txt', cmakeLists(model, layout));
    files.set('README.md', readme(model, opts.board));
    files.set(MODEL_FACTS, modelFacts(model));
    const outDir = path.resolve(opts.outDir);
    const stats = await syncFiles(outDir, files);
    const { cleanup: _cleanup, ...facts } = model;
    const note =
      model.cpu === info.cpu
        ? null
        : `The model was compiled for ${model.cpu}; ${opts.board} is a ${info.cpu}: it is built with the board's CPU flags (code using another core's instructions will not compile).`;
    return { dir: outDir, board: opts.board, note, model: facts, files: stats };
  } finally {
    if (typeof opts.model === 'string') await model.cleanup();
  }
}
