/**
 * Recognises a task's firmware image before a board spends time on it: ELF
 * (by its magic) or Intel HEX (every record checked), and the bytes that
 * flashing would write (the timing model's input). Anything else is a reason
 * for code 255, written so the user knows what to send instead.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { EM_ARM, elfHeader, isElfMagic, machineName, type ImageFormat } from '../common/elf.js';

export interface ImageInfo {
  format: ImageFormat;
  /** Bytes a programmer would write to flash (ELF PT_LOAD file bytes, HEX data bytes). */
  flashBytes: number;
}

/** The image cannot run on the emulated board; the message is for the task's output. */
export class ImageError extends Error {
  override name = 'ImageError';
}

const PT_LOAD = 1;
/** The mps2-an500 core reads its vector table (initial SP, reset handler) from address 0. */
const VECTOR_TABLE_BYTES = 8;
const BOARD_HINT = 'the emulated board (mps2-an500) runs code from address 0x00000000: build the image for it (examples: -DBOARD=mps2_an500)';

export async function inspectImage(file: string): Promise<ImageInfo> {
  const handle = await open(file, 'r');
  let head: Buffer;
  try {
    const probe = Buffer.alloc(16);
    const { bytesRead } = await handle.read(probe, 0, probe.length, 0);
    head = probe.subarray(0, bytesRead);
    if (isElfMagic(head)) return await inspectElf(handle);
  } finally {
    await handle.close();
  }
  const firstText = head.toString('latin1').replace(/^[\s\uFEFF\u00EF\u00BB\u00BF]+/, '');
  if (firstText.startsWith(':')) return inspectHex(file);
  throw new ImageError(
    `The firmware is neither an ELF nor an Intel HEX image (it starts with bytes ${describeBytes(head)}). ` +
      'Send the .elf/.axf or the .hex file your build produced.',
  );
}

function describeBytes(head: Buffer): string {
  if (head.length === 0) return '(none: the file is empty)';
  const hex = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = head
    .subarray(0, 8)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
  return `${hex} "${text}"`;
}

async function inspectElf(handle: FileHandle): Promise<ImageInfo> {
  const header = Buffer.alloc(52);
  const { bytesRead } = await handle.read(header, 0, 52, 0);
  if (bytesRead < 52) throw new ImageError('The firmware ELF file is truncated (its header is incomplete).');
  const { elfClass, byteOrder, machine } = elfHeader(header)!;
  const builtFor = machineName(machine);
  if (elfClass !== 1) {
    throw new ImageError(`The firmware is a 64-bit ELF for ${builtFor}; the board is a 32-bit Arm Cortex-M7: build it with arm-none-eabi-gcc.`);
  }
  if (byteOrder !== 1) throw new ImageError('The firmware is a big-endian ELF; the Cortex-M7 board runs little-endian code.');
  if (machine !== EM_ARM) {
    throw new ImageError(`The firmware ELF is built for ${builtFor}, not Arm; the board is an Arm Cortex-M7: build it with arm-none-eabi-gcc.`);
  }
  const { size: fileBytes } = await handle.stat();
  const truncated = (what: string): ImageError =>
    new ImageError(
      `The firmware ELF file is truncated: ${what} ends past the end of the file (${fileBytes} bytes). ` +
        'Send the whole .elf your build produced (was the file cut short while it was copied or uploaded?).',
    );
  const shoff = header.readUInt32LE(32);
  const shentsize = header.readUInt16LE(46);
  const shnum = header.readUInt16LE(48);
  if (shoff > 0 && shoff + shentsize * shnum > fileBytes) throw truncated('its section header table');
  const phoff = header.readUInt32LE(28);
  const phentsize = header.readUInt16LE(42);
  const phnum = header.readUInt16LE(44);
  if (phnum === 0 || phentsize < 32) throw new ImageError('The firmware ELF has no program headers: nothing to load into flash.');
  const table = Buffer.alloc(phentsize * phnum);
  const got = await handle.read(table, 0, table.length, phoff);
  if (got.bytesRead < table.length) throw new ImageError('The firmware ELF file is truncated (its program headers are incomplete).');
  let flashBytes = 0;
  let lowest = Number.POSITIVE_INFINITY;
  let coversVectors = false;
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    if (table.readUInt32LE(at) !== PT_LOAD) continue;
    const offset = table.readUInt32LE(at + 4);
    const paddr = table.readUInt32LE(at + 12);
    const filesz = table.readUInt32LE(at + 16);
    if (filesz === 0) continue;
    if (offset + filesz > fileBytes) throw truncated(`load segment ${i} (${filesz} bytes from offset ${offset})`);
    flashBytes += filesz;
    lowest = Math.min(lowest, paddr);
    if (paddr <= 0 && paddr + filesz >= VECTOR_TABLE_BYTES) coversVectors = true;
  }
  if (flashBytes === 0) throw new ImageError('The firmware ELF loads no bytes (no PT_LOAD segment with content).');
  if (!coversVectors) throw new ImageError(`The firmware ELF loads nothing at address 0 (its lowest load address is ${hex32(lowest)}); ${BOARD_HINT}.`);
  return { format: 'elf', flashBytes };
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Checks every record (length, checksum, type) and that an end-of-file record closes it. */
async function inspectHex(file: string): Promise<ImageInfo> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'latin1' }), crlfDelay: Infinity });
  let lineNo = 0;
  let base = 0;
  let flashBytes = 0;
  let lowest = Number.POSITIVE_INFINITY;
  let sawEnd = false;
  const bad = (why: string): ImageError => new ImageError(`The firmware looks like Intel HEX but line ${lineNo} is not a valid record: ${why}.`);
  try {
    for await (const raw of lines) {
      lineNo++;
      const line = raw.trim();
      if (line === '') continue;
      if (sawEnd) throw bad('it comes after the end-of-file record');
      if (!/^:(?:[0-9A-Fa-f]{2})+$/.test(line)) throw bad('expected ":" then pairs of hex digits');
      const bytes = Buffer.from(line.slice(1), 'hex');
      if (bytes.length < 5 || bytes.length !== bytes[0]! + 5) throw bad('its byte count does not match its length');
      if (bytes.reduce((sum, b) => (sum + b) & 0xff, 0) !== 0) throw bad('wrong checksum');
      const count = bytes[0]!;
      const address = bytes.readUInt16BE(1);
      switch (bytes[3]) {
        case 0x00:
          flashBytes += count;
          if (count > 0) lowest = Math.min(lowest, base + address);
          break;
        case 0x01:
          sawEnd = true;
          break;
        case 0x02:
          base = bytes.readUInt16BE(4) * 16;
          break;
        case 0x04:
          base = bytes.readUInt16BE(4) * 0x10000;
          break;
        case 0x03:
        case 0x05:
          break; // start address: QEMU sets the PC from it
        default:
          throw bad(`unknown record type ${bytes[3]}`);
      }
    }
  } finally {
    lines.close();
  }
  if (!sawEnd) throw new ImageError('The firmware Intel HEX file has no end-of-file record (":00000001FF"): it is truncated.');
  if (flashBytes === 0) throw new ImageError('The firmware Intel HEX file holds no data records.');
  if (lowest !== 0) throw new ImageError(`The firmware HEX loads nothing at address 0 (its lowest address is ${hex32(lowest)}); ${BOARD_HINT}.`);
  return { format: 'hex', flashBytes };
}
