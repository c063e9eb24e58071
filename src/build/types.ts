/** What the build stage hands on: images to run and their sizes. */
export interface SizeReport {
  /** Bytes in flash: .text + .data (+ other loadable read-only sections). */
  flash: number;
  /** Bytes in RAM: .data + .bss (+ other allocated writable sections). */
  ram: number;
  flashCapacity: number | null;
  ramCapacity: number | null;
  /** Section name → size, from the ELF. */
  sections: Record<string, number>;
  /** For a project generated from an MLF tarball: what the flash and RAM hold (src/mlf/memory.ts). */
  memory?: MemorySplit;
}

/** Flash and RAM split the way a model engineer reads them (bytes). */
export interface MemorySplit {
  flash: { weights: number; code: number; total: number };
  ram: { workspace: number; io: number; stack: number; other: number; total: number };
}

export interface Image {
  /** Unique, stable, file-name-safe name used in reports and log paths. */
  name: string;
  /** Absolute path of the file. */
  path: string;
  format: 'elf' | 'hex';
  board: string;
  /** Null when no ELF is at hand to measure (e.g. a HEX alone). */
  size: SizeReport | null;
}

export interface Build {
  images: Image[];
  /** Path of the build log (results dir logs/build.log). */
  logPath: string;
  system: string;
}
