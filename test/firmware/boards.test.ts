/**
 * The board table (src/build/boards.json) and the board layers
 * (firmware/boards/) describe the same boards: the CPU flags boards.cmake
 * gives each board, and the flash and RAM sizes of its linker script.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import boards from '../../src/build/boards.json' with { type: 'json' };

const run = promisify(execFile);
const FIRMWARE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../firmware');
const TMP = mkdtempSync(path.join(os.tmpdir(), 'firmware-boards-test-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const table: Record<string, { flash: number; ram: number; cpuFlags?: string[] }> = boards;

/** What boards.cmake sets for a board, read by configuring a project with no languages. */
async function boardsCmake(board: string): Promise<Record<string, string[]>> {
  const src = path.join(TMP, `probe-${board}`);
  const probe = [
    'cmake_minimum_required(VERSION 3.20)',
    `include("${path.join(FIRMWARE, 'boards/boards.cmake')}")`,
    'project(probe NONE)',
    'foreach(v ALLHW_BOARDS ALLHW_CPU_FLAGS ALLHW_LINKER_SCRIPT)',
    '  message(STATUS "probe ${v}=${${v}}")',
    'endforeach()',
  ];
  rmSync(src, { recursive: true, force: true });
  await run('mkdir', ['-p', src]);
  writeFileSync(path.join(src, 'CMakeLists.txt'), probe.join('\n') + '\n');
  const { stdout } = await run('cmake', ['-S', src, '-B', path.join(src, 'build'), `-DBOARD=${board}`]);
  const vars: Record<string, string[]> = {};
  for (const m of stdout.matchAll(/^-- probe (\w+)=(.*)$/gm)) vars[m[1]!] = m[2]!.split(';');
  return vars;
}

/** LENGTH of a MEMORY region of a linker script, in bytes ("1024K", "4M", "0x100"). */
function regionLength(script: string, region: string): number {
  const m = new RegExp(`^\\s*${region}\\s*\\([a-z]+\\)\\s*:\\s*ORIGIN\\s*=\\s*\\w+,\\s*LENGTH\\s*=\\s*(\\w+?)([KM]?)$`, 'm').exec(script);
  if (!m) throw new Error(`no ${region} region`);
  const scale = { '': 1, K: 1024, M: 1024 * 1024 }[m[2]!]!;
  return Number(m[1]) * scale;
}

describe('firmware/boards/boards.cmake and src/build/boards.json', () => {
  it('give every board with a layer the same CPU flags, and the same flash and RAM sizes', async () => {
    const withLayer = Object.keys(table)
      .filter((b) => table[b]!.cpuFlags !== undefined)
      .sort();
    const first = await boardsCmake('mps2_an500');
    expect(first.ALLHW_BOARDS!.slice().sort()).toEqual(withLayer);
    for (const board of withLayer) {
      const vars = await boardsCmake(board);
      expect(vars.ALLHW_CPU_FLAGS, board).toEqual(table[board]!.cpuFlags);
      const script = readFileSync(vars.ALLHW_LINKER_SCRIPT![0]!, 'utf8');
      expect(path.basename(vars.ALLHW_LINKER_SCRIPT![0]!)).toBe(`${board}.ld`);
      expect(regionLength(script, 'FLASH'), `${board} flash`).toBe(table[board]!.flash);
      expect(regionLength(script, 'RAM'), `${board} RAM`).toBe(table[board]!.ram);
    }
  });

  it('stops on an unknown board, naming the boards there are', async () => {
    const err = await boardsCmake('nucleo_h743zi').then(
      () => null,
      (e: { stderr: string }) => e,
    );
    expect(err).not.toBeNull();
    expect(err!.stderr.replace(/\s+/g, ' ')).toContain("Unknown BOARD 'nucleo_h743zi'. Supported boards: f746_disco, mps2_an500");
  });
});
