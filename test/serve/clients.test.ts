/**
 * All-HW's own clients work against the emulated farm unchanged: the curl +
 * jq calls of their shell sample, and the requests calls of their TVM
 * transport (binary=true, base64, 0.5 s polling).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServe } from '../../src/serve/server.js';
import { EXAMPLE_DIR, exampleFirmware, type FirmwareImages } from '../helpers/firmware.js';
import { FIXTURES, resultVectors } from './helpers.js';

const run = promisify(execFile);
const KEY = '85282cff-0000-4ed1-8633-6c74637e95e0';

let fw: FirmwareImages;
let serve: RunningServe;
let tmp: string;
let golden: Record<string, number[]>;

beforeAll(async () => {
  fw = await exampleFirmware('mps2_an500');
  golden = JSON.parse(await readFile(path.join(EXAMPLE_DIR, 'golden.json'), 'utf8')).outputs;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'serve-clients-'));
  serve = await startServe({ port: 0, boards: 2, keys: [KEY], flashMsPerKiB: 0, bootMs: 0 });
});
afterAll(async () => {
  await serve?.close();
  await rm(tmp, { recursive: true, force: true });
});

/** Two example inputs and #exit, with CRLF line ends as a Windows-made input file has. */
async function inputFile(name: string): Promise<string> {
  const text = ['input-04.txt', 'input-05.txt'].map((f) => readFile(path.join(EXAMPLE_DIR, 'inputs', f), 'utf8'));
  const file = path.join(tmp, name);
  await writeFile(file, ((await Promise.all(text)).join('') + '#exit\n').replace(/\n/g, '\r\n'));
  return file;
}

describe('serve: All-HW clients, unchanged', () => {
  it('the shell sample: curl -F task, then status with jq until finished', async () => {
    const input = await inputFile('shell-input.txt');
    const env = { ...process.env, REST: serve.url.replace(/\/usertask$/, ''), API_KEY: KEY, TIMEOUT: '20' };
    const script = path.join(FIXTURES, 'ci_sample.sh');
    const created = await run('bash', [script, 'task', fw.elf, input], { env });
    const id = created.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    let status = '';
    for (let i = 0; i < 120 && !status.includes('Status: finished'); i++) {
      await new Promise((r) => setTimeout(r, 500));
      status = (await run('bash', [script, 'status', id], { env })).stdout;
    }
    expect(status).toMatch(/^Status: finished\nExit code: 0\nUART output:\nallhw-ci synth AOT runtime/);
    expect(resultVectors(status)).toEqual([golden['input-04.txt'], golden['input-05.txt']]);
  });

  it("the TVM transport's calls with python requests: binary=true, base64, 0.5 s polling", async () => {
    const input = await inputFile('tvm-input.txt');
    const output = path.join(tmp, 'tvm-output.bin');
    const { stdout } = await run('python3', [path.join(FIXTURES, 'tvm_transport_client.py'), serve.url, KEY, fw.hex, input, output]);
    const summary = JSON.parse(stdout) as { id: string; code: number; reservation: number };
    expect(summary.code).toBe(0);
    expect([1, 2]).toContain(summary.reservation);
    const uart = await readFile(output, 'utf8');
    expect(uart.startsWith('allhw-ci synth AOT runtime')).toBe(true);
    expect(resultVectors(uart)).toEqual([golden['input-04.txt'], golden['input-05.txt']]);
  });
});
