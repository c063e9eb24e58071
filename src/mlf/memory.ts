/**
 * Memory the way a model engineer reads it:
 *   flash = model constants (weights) + code (everything else: the model's
 *           operators, the firmware, the C library, .data's initial values);
 *   RAM   = workspace (the arena TVMBackendAllocWorkspace serves) + I/O
 *           buffers + stack + the rest.
 * Totals come from the ELF (build/size.ts, the Berkeley split); the parts
 * from the linker map, which knows which object brought which section; the
 * metadata fills in where there is no map.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { boardInfo } from '../build/index.js';
import type { MemorySplit, SizeReport } from '../build/index.js';
import { MlfError, shown } from './errors.js';
import { parseLinkerMap, type InputSection } from './linker-map.js';
import { tensorBytes, type MlfModel } from './model.js';

export type { MemorySplit };

type ModelSizes = Pick<MlfModel, 'inputs' | 'outputs' | 'workspaceBytes' | 'constantsBytes'>;

export const ioBytes = (m: Pick<MlfModel, 'inputs' | 'outputs'>): number => [...m.inputs, ...m.outputs].reduce((s, t) => s + tensorBytes(t), 0);

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** Before the build: what metadata.json alone says cannot fit. */
export function checkFitsBoard(model: ModelSizes, board: string): void {
  const info = boardInfo(board);
  if (!info) return;
  const ram = model.workspaceBytes + ioBytes(model);
  if (ram > info.ram) {
    throw new MlfError(
      'too-big',
      `The model is too big for ${board}: its workspace (${model.workspaceBytes} B) and inputs and outputs (${ioBytes(model)} B) need ${kib(ram)} of RAM, and the board has ${kib(info.ram)}. ` +
        'Use a smaller model (e.g. int8-quantized, with smaller layers) or a board with more RAM.',
    );
  }
  if (model.constantsBytes > info.flash) {
    throw new MlfError(
      'too-big',
      `The model is too big for ${board}: its constants need ${kib(model.constantsBytes)} of flash, and the board has ${kib(info.flash)}.`,
    );
  }
}

const isData = (s: InputSection) => /^\.(rodata|data)(\.|$)/.test(s.section);
const isRam = (s: InputSection) => /^\.(data|bss)(\.|$)/.test(s.section) || s.section === 'COMMON';
const fromObject = (s: InputSection, part: RegExp) => part.test(s.object.replace(/\\/g, '/'));
const sum = (list: InputSection[]) => list.reduce((n, s) => n + s.size, 0);

/** The split, from the ELF's size report and the map file next to it (<elf dir>/model.map). */
export async function memorySplit(size: SizeReport, model: ModelSizes, mapFile: string | null): Promise<MemorySplit> {
  const sections = mapFile && existsSync(mapFile) ? parseLinkerMap(await readFile(mapFile, 'utf8')) : null;
  const weights = sections ? sum(sections.filter((s) => isData(s) && fromObject(s, /\/mlf\/codegen\//))) : model.constantsBytes;
  // The arena is firmware/mlf/runtime's allhw_workspace (its own section with -fdata-sections).
  const workspaceFromMap = sections ? sum(sections.filter((s) => /^\.(bss|data)\.allhw_workspace$/.test(s.section))) : 0;
  const io = sections ? sum(sections.filter((s) => isRam(s) && fromObject(s, /\/model_io\.c\.obj$/))) : ioBytes(model);
  const workspace = workspaceFromMap || model.workspaceBytes;
  const stack = size.sections['.stack'] ?? 0;
  return {
    flash: { weights, code: size.flash - weights, total: size.flash },
    ram: { workspace, io, stack, other: Math.max(0, size.ram - workspace - io - stack), total: size.ram },
  };
}

/** After the build: an image over the board's capacity is an error. */
export function checkImageFits(size: SizeReport, board: string): void {
  const over: string[] = [];
  if (size.flashCapacity !== null && size.flash > size.flashCapacity) over.push(`${kib(size.flash)} of flash (the board has ${kib(size.flashCapacity)})`);
  if (size.ramCapacity !== null && size.ram > size.ramCapacity) over.push(`${kib(size.ram)} of RAM (the board has ${kib(size.ramCapacity)})`);
  if (over.length)
    throw new MlfError(
      'too-big',
      `The model is too big for ${shown(board)}: the firmware needs ${over.join(' and ')}. Use a smaller model or a board with more memory.`,
    );
}

/** A failed link that ran out of a memory region, said as "too big for the board"; null for other failures. */
export function linkOverflow(buildOutput: string[], board: string): MlfError | null {
  const text = buildOutput.join('\n');
  const region = /region [`']?(FLASH|RAM)'? overflowed by (\d+) bytes/.exec(text);
  const stack = /RAM overflow: no room left for the stack/.test(text);
  if (!region && !stack) return null;
  const what = region ? `${region[1] === 'FLASH' ? 'flash' : 'RAM'} by ${region[2]} bytes` : 'RAM (no room left for the stack)';
  const info = boardInfo(board);
  const caps = info ? ` (${board} has ${kib(info.flash)} of flash and ${kib(info.ram)} of RAM)` : '';
  return new MlfError(
    'too-big',
    `The model is too big for ${shown(board)}: the link overflowed ${what}${caps}. Use a smaller model (fewer or int8-quantized weights) or a board with more memory.`,
  );
}

/** The linker map a generated project's build writes next to its ELF. */
export const mapFileFor = (elf: string): string => path.join(path.dirname(elf), 'model.map');

/** The model's facts a generated project keeps (mlf/model.json), for sizing its image later. */
export const MODEL_FACTS = 'mlf/model.json';

/** The split for an image of a project generateProject wrote; undefined for any other project. */
export async function projectMemorySplit(projectDir: string, size: SizeReport, elf: string): Promise<MemorySplit | undefined> {
  const facts = path.join(projectDir, MODEL_FACTS);
  if (!existsSync(facts)) return undefined;
  try {
    const model = JSON.parse(await readFile(facts, 'utf8')) as ModelSizes;
    return await memorySplit(size, model, mapFileFor(elf));
  } catch {
    return undefined; // a project edited by hand: sized like any other
  }
}
