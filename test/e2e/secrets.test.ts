/**
 * The All-HW key never appears in what a run prints or writes: stdout (less
 * the ::add-mask:: commands, which the runner consumes and never shows),
 * stderr, every file of the workspace (results directory, UART and build
 * logs), the job summary and the step outputs. Checked raw and URL-encoded,
 * with a key whose characters all encode, on every bad-input path of
 * cases.ts, on a real run against `serve` on loopback that holds the key, and
 * with a key that serve refuses. The emulated farm's own per-run key is
 * checked too: every UUID-shaped string printed or written must be a task id.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type ExpectStatic } from 'vitest';
import { memoryLogger, type MemoryLogger } from '../../src/common/log.js';
import type { Results } from '../../src/results/types.js';
import { startServe, type RunningServe } from '../../src/serve/server.js';
import { EXAMPLE_DIR, exampleFirmware, type FirmwareImages } from '../helpers/firmware.js';
import { CASES, listTree, makeWorkspace, prebuiltOnFarm, runAction, runCli, type BadInputCase, type Entry, type Workspace } from './cases.js';
import type { Run } from './run-dist.js';

const KEY = 'k3y/with+special&chars=';

/** Every spelling of the key a URL, a form or a log could carry. */
const KEY_FORMS = [
  ...new Set([KEY, encodeURIComponent(KEY), encodeURIComponent(KEY).toLowerCase(), encodeURIComponent(KEY).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())]),
];

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

interface Seen {
  /** What was printed or written, by where. */
  texts: Map<string, string>;
}

/** stdout without the masking commands; everything else as is. Files are read as latin1: UART logs are bytes. */
async function collect(r: Run, ws: Workspace): Promise<Seen> {
  const texts = new Map<string, string>();
  texts.set(
    'stdout',
    r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n'),
  );
  texts.set('stderr', r.stderr);
  for (const rel of await listTree(ws.dir)) texts.set(rel, await readFile(path.join(ws.dir, rel), 'latin1'));
  texts.set('job summary', await readFile(ws.summary, 'utf8'));
  texts.set('step outputs', await readFile(ws.output, 'utf8'));
  return { texts };
}

function expectNoKey(expect: ExpectStatic, seen: Seen, extra: Record<string, string> = {}): void {
  const found: string[] = [];
  for (const [where, text] of [...seen.texts, ...Object.entries(extra)]) {
    for (const form of KEY_FORMS) if (text.includes(form)) found.push(`${where}: ${form}`);
  }
  expect(found).toEqual([]);
}

/** The runner learns the key before the step prints anything else. */
function expectMaskedFirst(expect: ExpectStatic, r: Run): void {
  expect(r.stdout.split('\n')[0]).toBe(`::add-mask::${KEY}`);
}

async function results(ws: Workspace): Promise<Results> {
  return JSON.parse(await readFile(path.join(ws.dir, 'results', 'results.json'), 'utf8')) as Results;
}

const withKey = CASES.filter((c) => !c.keyMakesItValid);
const runs = withKey.flatMap((c) => (c.via ?? (['action', 'cli'] as Entry[])).map((entry) => ({ c, entry })));

describe('the key on every bad-input path', () => {
  for (const { c, entry } of runs) {
    it.concurrent(`${entry}: ${c.name}`, async ({ expect }) => {
      const ws = await makeWorkspace(c);
      const r = entry === 'action' ? await runAction(c, ws, { 'ci-api-key': KEY }) : await runCli(c, ws, { ALLHW_API_KEY: KEY });
      expect(r.code).not.toBe(0);
      if (entry === 'action') expectMaskedFirst(expect, r);
      expectNoKey(expect, await collect(r, ws));
    });
  }

  it.concurrent('action: the key pasted into ci-url is not echoed', async ({ expect }) => {
    const c: BadInputCase = {
      name: 'key in ci-url',
      inputs: { 'ci-url': `https://ci.example/usertask?key=${encodeURIComponent(KEY)}` },
      message: [],
      stage: 'config',
    };
    const ws = await makeWorkspace(c);
    const r = await runAction(c, ws, { 'ci-api-key': KEY });
    expect(r.stdout).toContain("::error::Input 'ci-url' must not contain a query string");
    expectNoKey(expect, await collect(r, ws));
  });
});

/** A workspace running the prebuilt example firmware on a farm at `url` (All-HW mode). */
function allhwRun(firmware: FirmwareImages, url: string): BadInputCase {
  return prebuiltOnFarm('example on serve', firmware.dir, url, {
    inputs: path.join(EXAMPLE_DIR, 'inputs/*.txt'),
    golden: path.join(EXAMPLE_DIR, 'golden.json'),
    'exit-line': '#exit',
    'max-parallel': '2',
  });
}

describe('the key on a real run against serve', () => {
  let firmware: FirmwareImages;
  let serve: RunningServe;
  let serveLog: MemoryLogger;
  let refusing: RunningServe;

  beforeAll(async () => {
    firmware = await exampleFirmware('mps2_an500');
    serveLog = memoryLogger();
    serve = await startServe({ port: 0, boards: 2, keys: [KEY], log: serveLog });
    refusing = await startServe({ port: 0, boards: 1, keys: ['another-key'], log: memoryLogger() });
  });
  afterAll(async () => {
    await serve?.close();
    await refusing?.close();
  });

  it('action: passes every input and prints the key nowhere', async () => {
    const c = allhwRun(firmware, serve.url);
    const ws = await makeWorkspace(c);
    const r = await runAction(c, ws, { 'ci-api-key': KEY });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expectMaskedFirst(expect, r);
    const res = await results(ws);
    expect(res.mode).toBe('allhw');
    expect(res.totals).toMatchObject({ inputs: 10, passed: 10 });
    expect(await listTree(path.join(ws.dir, 'results', 'logs'))).not.toHaveLength(0);
    expectNoKey(expect, await collect(r, ws), { 'serve log': serveLog.lines.join('\n') });
  });

  it('cli --verbose: passes every input and prints the key nowhere', async () => {
    const c = allhwRun(firmware, serve.url);
    const ws = await makeWorkspace(c);
    const r = await runCli(c, ws, {}, { 'ci-api-key': KEY }, ['--verbose']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await results(ws)).totals).toMatchObject({ inputs: 10, passed: 10 });
    expectNoKey(expect, await collect(r, ws));
  });

  it('action: a key the farm refuses fails the step, saying so, without printing it', async () => {
    const c = allhwRun(firmware, refusing.url);
    const ws = await makeWorkspace(c);
    const r = await runAction(c, ws, { 'ci-api-key': KEY });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('All-HW rejected the API key (HTTP 403');
    const res = await results(ws);
    expect(res.totals).toMatchObject({ inputs: 10, errors: 10 });
    // No task is sent after the first rejection; the run says why, once.
    expect(res.error).toContain("check the secret passed as 'ci-api-key'");
    expect(res.error).toContain('No task was sent after the first rejection');
    expect(res.results.some((x) => (x.reason ?? '').includes("check the secret passed as 'ci-api-key'"))).toBe(true);
    expectNoKey(expect, await collect(r, ws));
  });
});

describe("the emulated farm's own key", () => {
  /** Every UUID printed or written is a task id of results.json: the farm's key (a UUID) is none of them. */
  async function expectOnlyTaskIds(ws: Workspace, r: Run): Promise<void> {
    const res = await results(ws);
    const taskIds = new Set(res.tasks.map((t) => t.id));
    expect(taskIds.size).toBeGreaterThan(0);
    const seen = await collect(r, ws);
    // @actions/core delimits each step output with ghadelimiter_<a fresh UUID>: not ours.
    const texts = [...seen.texts.values()].map((t) => t.replace(new RegExp(`ghadelimiter_${UUID.source}`, 'gi'), ''));
    const uuids = new Set(texts.flatMap((t) => t.match(UUID) ?? []));
    // The scan sees the task ids the logs print: it would see a key printed the same way.
    expect([...uuids].some((u) => taskIds.has(u))).toBe(true);
    expect([...uuids].filter((u) => !taskIds.has(u))).toEqual([]);
  }

  async function emulatedWorkspace(): Promise<{ c: BadInputCase; ws: Workspace }> {
    const firmware = await exampleFirmware('mps2_an500');
    const c: BadInputCase = { ...allhwRun(firmware, ''), name: 'example on the emulated farm' };
    delete c.inputs['ci-url'];
    c.inputs.mode = 'auto';
    return { c, ws: await makeWorkspace(c) };
  }

  it('action without a key (a fork PR): never prints or writes it', async () => {
    const { c, ws } = await emulatedWorkspace();
    const r = await runAction(c, ws);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await results(ws)).mode).toBe('emulator');
    await expectOnlyTaskIds(ws, r);
  });

  it('cli --verbose, with the farm logging at debug level: never prints or writes it', async () => {
    const { c, ws } = await emulatedWorkspace();
    const r = await runCli(c, ws, {}, {}, ['--verbose']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain('debug: ');
    await expectOnlyTaskIds(ws, r);
  });
});
