/**
 * Just enough of an ELF32 reader to size a firmware image: the header and the
 * section table. Reading it ourselves keeps the size report free of a
 * dependency on binutils being on PATH.
 */
import { open } from 'node:fs/promises';

export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  addr: number;
  size: number;
}

export interface ElfInfo {
  /** e_type: 2 = executable, 1 = relocatable object, 3 = shared object. */
  type: number;
  /** e_machine: 40 = Arm. */
  machine: number;
  sections: ElfSection[];
}

export const SHT_NOBITS = 8;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const EM_ARM = 40;
export const ET_EXEC = 2;

const MACHINES: Record<number, string> = { 3: 'x86', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V', 8: 'MIPS', 40: 'Arm' };

export function machineName(machine: number): string {
  return MACHINES[machine] ?? `machine ${machine}`;
}

/** True when the bytes start like an ELF file. */
export function isElfMagic(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF';
}

/** Reads the header and section table of an ELF32 file; throws a plain Error naming the file if it is not one. */
export async function readElf(file: string): Promise<ElfInfo> {
  const fh = await open(file, 'r');
  try {
    const read = async (offset: number, length: number): Promise<Buffer> => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      if (bytesRead < length) throw new Error(`'${file}' is truncated: expected ${length} bytes at offset ${offset}`);
      return buf;
    };
    const header = await read(0, 52).catch(() => {
      throw new Error(`'${file}' is not an ELF file: it is shorter than an ELF header`);
    });
    if (!isElfMagic(header)) throw new Error(`'${file}' is not an ELF file (no \\x7fELF signature)`);
    const elfClass = header[4];
    const data = header[5];
    const little = data === 1;
    if (data !== 1 && data !== 2) throw new Error(`'${file}' has an unknown ELF byte order (${data})`);
    const u16 = (b: Buffer, o: number): number => (little ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number): number => (little ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const type = u16(header, 0x10);
    const machine = u16(header, 0x12);
    if (elfClass !== 1) {
      throw new Error(`'${file}' is a 64-bit ELF for ${machineName(machine)}, not a 32-bit Arm image: was it built for the host instead of with arm-none-eabi-gcc?`);
    }
    const shoff = u32(header, 0x20);
    const shentsize = u16(header, 0x2e);
    const shnum = u16(header, 0x30);
    const shstrndx = u16(header, 0x32);
    if (shoff === 0 || shnum === 0) return { type, machine, sections: [] };
    if (shentsize < 40) throw new Error(`'${file}' has a malformed section table (entry size ${shentsize})`);
    const table = await read(shoff, shentsize * shnum);
    const raw = Array.from({ length: shnum }, (_, i) => {
      const o = i * shentsize;
      return {
        nameOffset: u32(table, o),
        type: u32(table, o + 4),
        flags: u32(table, o + 8),
        addr: u32(table, o + 12),
        offset: u32(table, o + 16),
        size: u32(table, o + 20),
      };
    });
    let names: Buffer = Buffer.alloc(0);
    if (shstrndx < shnum && raw[shstrndx].type !== SHT_NOBITS) {
      names = await read(raw[shstrndx].offset, raw[shstrndx].size);
    }
    const nameAt = (offset: number): string => {
      if (offset >= names.length) return '';
      const end = names.indexOf(0, offset);
      return names.toString('utf8', offset, end < 0 ? names.length : end);
    };
    // Section 0 is the reserved null section.
    const sections = raw.slice(1).map((s) => ({ name: nameAt(s.nameOffset), type: s.type, flags: s.flags, addr: s.addr, size: s.size }));
    return { type, machine, sections };
  } finally {
    await fh.close();
  }
}
