/**
 * The fault suite (suite.ts): for every fault kind, the bundled CLI runs the
 * example firmware against `allhw serve --faults` in a process of its own.
 * Required of every kind: it recovered or ended with a clear error that
 * names the fault, never a hang; no task created twice; every UART log the
 * client was given (and every attempt it saw end) is in the results dir as
 * the service sent it; the key appears nowhere. Faults the contract lets a
 * client recover from (429/503, slow, broken JSON, garbled base64, 255,
 * huge output) must recover.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCli } from './processes.js';
import { FAULT_CASES, formatTable, runFaultSuite, violations, type CaseReport } from './suite.js';

let workDir: string;
let reports: CaseReport[] = [];

beforeAll(async () => {
  const cli = await ensureCli();
  workDir = await mkdtemp(path.join(os.tmpdir(), 'allhw-fault-suite-'));
  reports = await runFaultSuite(FAULT_CASES, { cli, workDir, seed: 1, runTimeoutMs: 120_000 }, 2);
  console.log(formatTable(reports));
}, 900_000);

afterAll(async () => {
  const broken = reports.some((r, i) => violations(r, FAULT_CASES[i]!).length > 0);
  if (workDir && !broken) await rm(workDir, { recursive: true, force: true });
});

describe('the CLI against serve --faults', () => {
  it.each(FAULT_CASES.map((c, i) => [c.spec, i] as const))('%s: recovered or a clear error, no duplicate, every log kept', (_spec, i) => {
    const c = FAULT_CASES[i]!;
    const r = reports[i]!;
    expect(r, 'the suite ran this case').toBeDefined();
    expect(r.fired, 'the fault fired').toBeGreaterThan(0);
    expect(['recovered', 'clear error'], `${r.errorLine}\n${r.stderrTail}`).toContain(r.outcome);
    if (c.recoverable) expect(r.outcome, `${r.errorLine}\n${r.stderrTail}`).toBe('recovered');
    expect(r.duplicates).toBe(0);
    expect(r.created).toBeLessThanOrEqual(r.attempts);
    expect(r.logProblems).toEqual([]);
    expect(r.logsKept).toBe(r.logsExpected);
    expect(r.keyLeaked).toBe(false);
  });

  it('the suite itself notices a duplicate, a lost log and a hang', () => {
    const ok = reports.find((r) => r.outcome === 'recovered')!;
    const c = FAULT_CASES.find((k) => k.kind === ok.kind)!;
    expect(violations(ok, c)).toEqual([]);
    expect(violations({ ...ok, duplicates: 1 }, c)).toEqual(['1 duplicate task(s)']);
    expect(violations({ ...ok, logsKept: ok.logsExpected - 1, logProblems: ['x: missing'] }, c)).toEqual(['logs: x: missing']);
    expect(violations({ ...ok, outcome: 'hang', errorLine: null }, c)).toContain('outcome hang: no error line');
  });
});
