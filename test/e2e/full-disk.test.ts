/**
 * A results directory on a disk that fills up during the run (a real 64 KiB
 * tmpfs; mounting needs root, which CI has): the CLI still prints every
 * task's id and code, names the files it could not write and what they
 * needed, leaves no temp file, and every UART log it kept is whole or says
 * it was cut.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/common/log.js';
import { startServe, type RunningServe } from '../../src/serve/index.js';
import { EXAMPLE_DIR, exampleFirmware, type FirmwareImages } from '../helpers/firmware.js';
import { listTree, makeWorkspace, runCli, type BadInputCase } from './cases.js';

const KEY = 'full-disk-key';
const root = process.getuid?.() === 0;

describe.skipIf(!root)('a results directory on a full disk', () => {
  let firmware: FirmwareImages;
  let serve: RunningServe;
  let disk: string;

  beforeAll(async () => {
    firmware = await exampleFirmware('mps2_an500');
    serve = await startServe({ port: 0, boards: 2, keys: [KEY], log: memoryLogger() });
    disk = await mkdtemp(path.join(tmpdir(), 'allhw-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
  });
  afterAll(async () => {
    await serve?.close();
    if (disk) {
      execFileSync('umount', [disk]);
      await rm(disk, { recursive: true, force: true });
    }
  });

  it('reports the tasks on stdout and names what could not be written', async () => {
    const c: BadInputCase = {
      name: 'full disk',
      inputs: {
        mode: 'allhw',
        'ci-url': serve.url,
        board: 'mps2_an500',
        'project-dir': firmware.dir,
        'build-system': 'none',
        image: 'synth.elf',
        inputs: path.join(EXAMPLE_DIR, 'inputs/*.txt'),
        golden: path.join(EXAMPLE_DIR, 'golden.json'),
        'inputs-per-task': '1',
        'max-parallel': '2',
        'exit-line': '#exit',
        'results-dir': path.join(disk, 'results'),
      },
      message: [],
      stage: 'run',
    };
    const ws = await makeWorkspace(c);
    const r = await runCli(c, ws, { ALLHW_API_KEY: KEY });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Some results could not be written to .*: could not write [^ ]+ \(\d+ bytes\) in .*: the disk is full; free at least \d+ bytes/);
    expect(r.stderr).not.toMatch(/ENOSPC: no space left on device, write$/m);
    // Every task is on stdout with its id and code, whatever reached the disk.
    const taskLines = r.stdout.split('\n').filter((l) => /^ {2}task [0-9a-f-]{36} {2}mps2_an500-synth {2}attempt 1 {2}code 0 {2}finished$/.test(l));
    expect(taskLines, r.stdout).toHaveLength(10);
    const files = await listTree(path.join(disk, 'results'));
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    for (const f of files.filter((x) => x.endsWith('.uart.log'))) {
      const text = await readFile(path.join(disk, 'results', f), 'latin1');
      expect(/#exit|\[allhw-ci: this log was cut after \d+ of \d+ bytes: the disk was full\]\n$/.test(text) || text.includes('#result:'), f).toBe(true);
    }
    const journal = await readdir(path.join(disk, 'results')).then((l) => l.includes('tasks.jsonl'));
    expect(journal).toBe(true);
  });
});
