/**
 * Image recognition before a board is spent on it: real images from the
 * real toolchain, and broken ones made from them.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImage } from '../../src/serve/image.js';
import { EXAMPLE_DIR, exampleFirmware, type FirmwareImages } from '../helpers/firmware.js';

let fw: FirmwareImages;
let f746: FirmwareImages;
let tmp: string;

beforeAll(async () => {
  [fw, f746] = await Promise.all([exampleFirmware('mps2_an500'), exampleFirmware('f746_disco')]);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'serve-image-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function variant(name: string, content: string | Buffer): Promise<string> {
  const file = path.join(tmp, name);
  await writeFile(file, content);
  return file;
}

describe('serve: image recognition', () => {
  it('reads the example ELF and HEX, and finds the same bytes to flash in both', async () => {
    const elf = await inspectImage(fw.elf);
    const hex = await inspectImage(fw.hex);
    expect(elf.format).toBe('elf');
    expect(hex.format).toBe('hex');
    expect(elf.flashBytes).toBeGreaterThan(1024);
    expect(hex.flashBytes).toBe(elf.flashBytes);
  });

  it('accepts a HEX file with CRLF line ends', async () => {
    const crlf = await variant('crlf.hex', (await readFile(fw.hex, 'latin1')).replace(/\n/g, '\r\n'));
    expect((await inspectImage(crlf)).format).toBe('hex');
  });

  it.each([['elf'], ['hex']] as const)('refuses an F746 %s image (flash at 0x08000000) and names the board to build for', async (kind) => {
    await expect(inspectImage(f746[kind])).rejects.toThrow(
      /loads nothing at address 0 \(its lowest (load )?address is 0x08000000\); the emulated board \(mps2-an500\) runs code from address 0x00000000/,
    );
  });

  it('refuses a text file, an empty file and a host program, saying what they are', async () => {
    await expect(inspectImage(path.join(EXAMPLE_DIR, 'inputs', 'input-00.txt'))).rejects.toThrow(
      /neither an ELF nor an Intel HEX image \(it starts with bytes 23 69 6e 70 75 74 3a 2d "#input:-"\)/,
    );
    await expect(inspectImage(await variant('empty.bin', ''))).rejects.toThrow(/\(none: the file is empty\)/);
    await expect(inspectImage(process.execPath)).rejects.toThrow(/64-bit ELF for (x86-64|AArch64)/);
  });

  it('checks every HEX record: a bad checksum or a missing end record is named with its line', async () => {
    const lines = (await readFile(fw.hex, 'latin1')).split('\n');
    const broken = [...lines];
    broken[5] = broken[5]!.slice(0, -3) + (broken[5]!.at(-3) === '0' ? '1' : '0') + broken[5]!.slice(-2);
    await expect(inspectImage(await variant('checksum.hex', broken.join('\n')))).rejects.toThrow(/line 6 is not a valid record: wrong checksum/);
    const truncated = lines.filter((l) => !l.startsWith(':00000001FF')).join('\n');
    await expect(inspectImage(await variant('truncated.hex', truncated))).rejects.toThrow(/no end-of-file record/);
  });
});
