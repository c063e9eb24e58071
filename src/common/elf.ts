/**
 * Just enough of an ELF reader for firmware images: the header's identity
 * (class, byte order, type, machine) for recognising an image, and the ELF32
 * section table for sizing one. Reading it ourselves keeps the build and the
 * emulated board free of a dependency on binutils being on PATH.
 */
import { open } from 'node:fs/promises';

/** The two image formats a build produces and a board takes. */
export type ImageFormat = 'elf' | 'hex';

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

const MACHINES: Record<number, string> = { 3: 'x86', 8: 'MIPS', 40: 'Arm', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V' };

/** Bytes of the header that elfHeader needs. */
export const ELF_IDENT_BYTES = 20;

export function machineName(machine: number): string {
  return MACHINES[machine] ?? `machine ${machine}`;
}

/** True when the bytes start like an ELF file. */
export function isElfMagic(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF';
}

export interface ElfHeader {
  /** EI_CLASS: 1 = 32-bit, 2 = 64-bit. */
  elfClass: number;
  /** EI_DATA: 1 = little-endian, 2 = big-endian (anything else is not a valid ELF). */
  byteOrder: number;
  type: number;
  machine: number;
}

/** The identity fields of an ELF header, or null when `head` (its first ELF_IDENT_BYTES or more) is not one. */
export function elfHeader(head: Buffer): ElfHeader | null {
  if (!isElfMagic(head) || head.length < ELF_IDENT_BYTES) return null;
  const byteOrder = head[5]!;
  const u16 = (o: number): number => (byteOrder === 2 ? head.readUInt16BE(o) : head.readUInt16LE(o));
  return { elfClass: head[4]!, byteOrder, type: u16(0x10), machine: u16(0x12) };
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
    const ident = elfHeader(header);
    if (!ident) throw new Error(`'${file}' is not an ELF file (no \\x7fELF signature)`);
    const { elfClass, byteOrder, type, machine } = ident;
    const little = byteOrder === 1;
    if (byteOrder !== 1 && byteOrder !== 2) throw new Error(`'${file}' has an unknown ELF byte order (${byteOrder})`);
    const u16 = (b: Buffer, o: number): number => (little ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number): number => (little ? b.readUInt32LE(o) : b.readUInt32BE(o));
    if (elfClass !== 1) {
      throw new Error(
        `'${file}' is a 64-bit ELF for ${machineName(machine)}, not a 32-bit Arm image: was it built for the host instead of with arm-none-eabi-gcc?`,
      );
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
    const nameTable = raw[shstrndx];
    if (nameTable && nameTable.type !== SHT_NOBITS) names = await read(nameTable.offset, nameTable.size);
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
