/**
 * Every bad input of cases.ts through the bundled action and CLI: the step
 * fails with one message naming the input, the value and the fix, and
 * leaves nothing half-written:
 * - refused while reading the inputs: no file is created or changed anywhere
 *   (no results directory, no job summary, no outputs);
 * - refused once the pipeline started: the results directory holds exactly a
 *   complete results.json (the same message in `error`, finishedAt set),
 *   junit.xml (well-formed) and summary.md saying the run stopped early, plus
 *   the build log when the build stage had started (ending with the error);
 *   no temporary file; nothing outside the results directory changed; the
 *   job summary and the `results` output are written.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, it, type ExpectStatic } from 'vitest';
import type { Results } from '../../src/results/types.js';
import { CASES, failureMessage, listTree, makeWorkspace, runAction, runCli, type BadInputCase, type Entry, type Workspace } from './cases.js';
import type { Run } from './run-dist.js';

const RESULTS_DIR = 'results';

function expectMessage(expect: ExpectStatic, message: string | null, c: BadInputCase, r: Run): asserts message is string {
  expect(message, `no error message\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBeTypeOf('string');
  for (const fragment of c.message) {
    if (typeof fragment === 'string') expect(message).toContain(fragment);
    else expect(message).toMatch(fragment);
  }
}

async function expectNothingWritten(expect: ExpectStatic, entry: Entry, ws: Workspace, before: string[]): Promise<void> {
  expect(await listTree(ws.dir)).toEqual(before);
  if (entry === 'action') {
    expect(await readFile(ws.summary, 'utf8')).toBe('');
    expect(await readFile(ws.output, 'utf8')).toBe('');
  }
}

async function expectCompleteResults(expect: ExpectStatic, c: BadInputCase, entry: Entry, ws: Workspace, before: string[], message: string): Promise<void> {
  const after = await listTree(ws.dir);
  const outside = after.filter((f) => !f.startsWith(`${RESULTS_DIR}${path.sep}`));
  expect(outside, 'files outside the results directory').toEqual(before);

  const dir = path.join(ws.dir, RESULTS_DIR);
  const expected = ['junit.xml', 'results.json', 'summary.md', ...(c.buildLog ? [path.join('logs', 'build.log')] : [])].sort();
  expect(await listTree(dir)).toEqual(expected);

  const results = JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as Results;
  expect(results.version).toBe(1);
  expect(results.error).toBe(message);
  expect(results.finishedAt).not.toBeNull();
  expect(results.totals.inputs).toBe(0);

  expect(XMLValidator.validate(await readFile(path.join(dir, 'junit.xml'), 'utf8'))).toBe(true);
  expect(await readFile(path.join(dir, 'summary.md'), 'utf8')).toContain('The run stopped early');
  if (c.buildLog) {
    const log = (await readFile(path.join(dir, 'logs', 'build.log'), 'utf8')).trimEnd().split('\n');
    expect(log.at(-1)).toMatch(/^# error: /);
  }
  if (entry === 'action') {
    expect(await readFile(ws.summary, 'utf8')).toContain('The run stopped early');
    expect(await readFile(ws.output, 'utf8')).toContain(path.join(dir, 'results.json'));
  }
}

const runs = CASES.flatMap((c) => (c.via ?? (['action', 'cli'] as Entry[])).map((entry) => ({ c, entry })));

describe('bad inputs through dist/index.js and dist/cli.js run', () => {
  it('covers at least 25 mistakes, most through both entry points', () => {
    if (CASES.length < 25 || runs.length < 2 * CASES.length - 4) throw new Error(`only ${CASES.length} cases, ${runs.length} runs`);
  });

  for (const { c, entry } of runs) {
    it.concurrent(`${entry}: ${c.name}`, async ({ expect }) => {
      const ws = await makeWorkspace(c);
      const before = await listTree(ws.dir);
      const r = entry === 'action' ? await runAction(c, ws) : await runCli(c, ws);
      const message = failureMessage(entry, r);
      expectMessage(expect, message, c, r);
      // The action fails the step (exit 1); the CLI says 2 for a bad flag or input value, 1 for a failed run.
      expect(r.code).toBe(entry === 'action' || c.stage === 'run' ? 1 : 2);
      if (c.stage === 'config') await expectNothingWritten(expect, entry, ws, before);
      else await expectCompleteResults(expect, c, entry, ws, before, message);
    });
  }
});
