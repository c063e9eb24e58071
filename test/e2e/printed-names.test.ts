/**
 * Input files named like workflow commands (`::error::…`, `##[error]…`, a
 * newline followed by `::warning::…`) or holding ESC, run through the bundled
 * CLI and action against a loopback All-HW that behaves: no printed line may
 * start a command the runner would obey, and no control character may reach
 * the terminal. The names are still shown, escaped.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { record, startLoopback, type Loopback } from '../allhw/loopback.js';
import { exampleFirmware, type FirmwareImages } from '../helpers/firmware.js';
import { makeWorkspace, prebuiltOnFarm, runAction, runCli, type BadInputCase } from './cases.js';

const KEY = 'names-test-key-0123456789';
const NAMES = ['::error::forged.txt', '\x1b[2Jclear.txt', 'nl\n::warning::forged.txt', '##[error]old.txt'];

/** A farm that finishes every task at once with one result line. */
async function plainFarm(): Promise<Loopback> {
  return startLoopback((req, res) => {
    res.writeHead(200);
    if (req.method === 'POST') return res.end(randomUUID());
    res.end(
      record({ status: 'finished', started: 'x', finished: 'y', code: 0, output: Buffer.from('#result:1,2:100\n#exit\n').toString('base64'), reservation: 1 }),
    );
  });
}

function namesCase(firmware: FirmwareImages, url: string): BadInputCase {
  const files = Object.fromEntries(NAMES.map((n) => [`in/${n}`, '#input:1,2\n']));
  return prebuiltOnFarm('command-like input names', firmware.dir, url, { inputs: 'in/*.txt', 'inputs-per-task': '1' }, files);
}

/** Lines a runner would take as a command (new and old syntax). */
const commandLines = (text: string): string[] => text.split('\n').filter((l) => /^\s*(::|##\[)/.test(l));

describe('names that look like workflow commands or hold ESC', () => {
  let firmware: FirmwareImages;
  let farm: Loopback;
  beforeAll(async () => {
    firmware = await exampleFirmware('mps2_an500');
    farm = await plainFarm();
  });
  afterAll(async () => farm?.close());

  it('cli: no line starts a command, no ESC reaches the terminal, the names are shown escaped', async () => {
    const c = namesCase(firmware, farm.url);
    const r = await runCli(c, await makeWorkspace(c), { ALLHW_API_KEY: KEY });
    const all = `${r.stdout}\n${r.stderr}`;
    expect(r.code, all).toBe(0);
    expect(commandLines(all)).toEqual([]);
    expect(all).not.toContain('\x1b');
    // The table's rows start with the input names, escaped.
    expect(r.stdout).toMatch(/^:\\x3aerror:\\x3aforged\.txt +passed/m);
    expect(r.stdout).toMatch(/^\\x1b\[2Jclear\.txt +passed/m);
    expect(r.stdout).toMatch(/^nl\\x0a:\\x3awarning:\\x3aforged\.txt +passed/m);
  });

  it('action: the only commands are its own, none forged by a name; no ESC', async () => {
    const c = namesCase(firmware, farm.url);
    const ws = await makeWorkspace(c);
    const r = await runAction(c, ws, { 'ci-api-key': KEY });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const commands = commandLines(r.stdout);
    expect(commands.length).toBeGreaterThan(0);
    const forged = commands.filter((l) => /^\s*(::(error|warning)::forged|##\[)/.test(l));
    expect(forged).toEqual([]);
    // Every command is one @actions/core makes: a known name, its data escaped onto one line.
    const own = /^::(add-mask|debug|group|endgroup|error|warning|notice|add-matcher|remove-matcher|set-output|save-state)( [^:]*)?::/;
    expect(commands.filter((l) => !own.test(l))).toEqual([]);
    expect(r.stdout).not.toContain('\x1b');
    expect(r.stdout).toContain(':\\x3aerror:\\x3aforged.txt');
  });
});
