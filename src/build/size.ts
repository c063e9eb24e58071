/**
 * Flash and RAM used by an image, from its ELF section table.
 *
 * The rule (the same split as binutils' Berkeley `size`: flash = text + data,
 * RAM = data + bss):
 * - only allocated sections (SHF_ALLOC) count; debug info and comments do not;
 * - flash: every allocated section with contents in the file (not NOBITS):
 *   code, read-only data, vectors, .ARM.exidx, and the initial values of
 *   .data, which live in flash and are copied to RAM at start-up;
 * - RAM: every allocated section that is writable or has no contents
 *   (NOBITS): .data, .bss, and .heap/.stack when the linker script reserves
 *   them as sections.
 */
import { boardInfo } from './boards.js';
import { EM_ARM, SHF_ALLOC, SHF_WRITE, SHT_NOBITS, machineName, readElf, type ElfSection } from '../common/elf.js';
import type { SizeReport } from './types.js';
import { formatSize } from '../common/text.js';

export function inFlash(s: ElfSection): boolean {
  return (s.flags & SHF_ALLOC) !== 0 && s.type !== SHT_NOBITS;
}

export function inRam(s: ElfSection): boolean {
  return (s.flags & SHF_ALLOC) !== 0 && ((s.flags & SHF_WRITE) !== 0 || s.type === SHT_NOBITS);
}

/** Sizes an ELF image against the board's capacity (null capacities for a board the table does not know). */
export async function measureImage(elfPath: string, board: string): Promise<SizeReport> {
  const elf = await readElf(elfPath);
  if (elf.machine !== EM_ARM) {
    throw new Error(`'${elfPath}' is built for ${machineName(elf.machine)}, not Arm: the build did not use arm-none-eabi-gcc.`);
  }
  const allocated = elf.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0 && s.size > 0);
  const info = boardInfo(board);
  return {
    flash: allocated.filter(inFlash).reduce((sum, s) => sum + s.size, 0),
    ram: allocated.filter(inRam).reduce((sum, s) => sum + s.size, 0),
    flashCapacity: info?.flash ?? null,
    ramCapacity: info?.ram ?? null,
    sections: Object.fromEntries(allocated.map((s) => [s.name, s.size])),
  };
}

function usage(used: number, capacity: number | null): string {
  if (capacity === null) return `${formatSize(used)} (${used} B)`;
  return `${formatSize(used)} of ${formatSize(capacity)} (${((100 * used) / capacity).toFixed(1)}%)`;
}

/** One line for logs and summaries, e.g. "flash 42.1 KiB of 1 MiB (4.1%), RAM 10.0 KiB of 320.0 KiB (3.1%)". */
export function describeSize(size: SizeReport): string {
  return `flash ${usage(size.flash, size.flashCapacity)}, RAM ${usage(size.ram, size.ramCapacity)}`;
}

/** Problems worth a warning: an image larger than the board. */
export function overCapacity(size: SizeReport): string[] {
  const problems: string[] = [];
  if (size.flashCapacity !== null && size.flash > size.flashCapacity) {
    problems.push(`uses ${size.flash} B of flash but the board has ${size.flashCapacity} B`);
  }
  if (size.ramCapacity !== null && size.ram > size.ramCapacity) {
    problems.push(`uses ${size.ram} B of RAM but the board has ${size.ramCapacity} B`);
  }
  return problems;
}
