import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReportFiles } from '../../src/report/index.js';
import { renderJUnit } from '../../src/report/junit.js';
import { compareBaseline } from '../../src/results/gate.js';
import type { Results } from '../../src/results/types.js';
import { parseOutcome } from '../../src/results/parse.js';
import type { TaskOutcome } from '../../src/run/types.js';
import { mixedRun, results, task } from './fixtures.js';
import { itemAt } from '../helpers/item.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  textNodeName: '#text',
  // Decode numeric character references (&#10; in attributes) as every conforming XML parser does.
  htmlEntities: true,
  isArray: (name) => ['testsuite', 'testcase', 'property', 'failure', 'error'].includes(name),
});

function parse(xml: string): any {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`invalid XML: ${JSON.stringify(valid)}`);
  return parser.parse(xml);
}

const props = (node: any): Record<string, string> => Object.fromEntries((node.properties?.property ?? []).map((p: any) => [p.name, p.value]));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'junit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('junit.xml parsed back', () => {
  let doc: any;
  beforeAll(async () => {
    await writeReportFiles(mixedRun(), dir, { artifactName: 'allhw-results' });
    doc = parse(await readFile(path.join(dir, 'junit.xml'), 'utf8'));
  });

  it('counts tests, failures and errors per suite and in total', () => {
    expect(doc.testsuites).toMatchObject({ name: 'allhw-ci', tests: '4', failures: '1', errors: '1', skipped: '0' });
    expect(doc.testsuites.testsuite).toHaveLength(1);
    const suite = doc.testsuites.testsuite[0];
    expect(suite).toMatchObject({ name: 'synth', tests: '4', failures: '1', errors: '1', skipped: '0', time: '0.003718' });
    expect(suite.testcase.map((c: any) => c.name)).toEqual(['input-00.txt', 'input-01.txt', 'input-02.txt', 'input-03.txt']);
    // Attributes every common reporter reads (dorny/test-reporter parses time with parseFloat).
    for (const c of suite.testcase) {
      expect(c.classname).toBe('synth');
      expect(Number.isFinite(parseFloat(c.time))).toBe(true);
    }
  });

  it('carries the board, sizes, task ids and reservations as suite properties', () => {
    expect(props(doc.testsuites.testsuite[0])).toMatchObject({
      board: 'mps2_an500',
      'flash.used': '40000',
      'ram.used': '12000',
      'task.ids': 'a1b2c3d4-0000-4000-8000-000000000001,a1b2c3d4-0000-4000-8000-000000000002,a1b2c3d4-0000-4000-8000-000000000003',
      'task.reservations': '17,18,19',
    });
  });

  it('gives a value mismatch as a failure with the reason, expected and actual', () => {
    const c = doc.testsuites.testsuite[0].testcase[2];
    expect(c.error).toBeUndefined();
    expect(c.failure).toHaveLength(1);
    expect(c.failure[0].type).toBe('output-mismatch');
    expect(c.failure[0].message).toBe('output[3] = 12, expected 10 (|Δ| 2 > atol 0 + rtol 0·|e| = 0)');
    expect(c.failure[0]['#text']).toContain('expected: [0, 1, 2, 10, 10, 5, 6, 7, 8, 9]\nactual:   [0, 1, 2, 12, 10, 5, 6, 7, 8, 9]');
    expect(props(c)).toMatchObject({ 'task.id': 'a1b2c3d4-0000-4000-8000-000000000002', 'task.attempt': '1', 'task.reservation': '18', top1: '3' });
  });

  it('gives an infrastructure failure as an error with its attempts', () => {
    const c = doc.testsuites.testsuite[0].testcase[3];
    expect(c.failure).toBeUndefined();
    expect(c.error[0]).toMatchObject({ type: 'infrastructure', message: 'task ended with code 255 (infrastructure) after 3 attempts' });
    expect(props(c)).toMatchObject({ 'task.attempt': '3', 'task.reservation': '19' });
    expect(c.error[0]['#text']).toContain('event: Error: board did not boot \\x1b[0m');
  });

  it('leaves passed inputs without failure or error', () => {
    const c = doc.testsuites.testsuite[0].testcase[0];
    expect(c.failure ?? c.error).toBeUndefined();
  });
});

describe('junit.xml escaping', () => {
  it('stays well-formed with markup, quotes, control characters and lone surrogates from a UART', async () => {
    const r = mixedRun();
    const nasty = 'got "<result>" & \'x\'\u0000\u0007\u001b[31m\u000b\r\nline2\t\ud800 end';
    itemAt(r.results, 2).reason = nasty;
    itemAt(r.results, 2).events = ['Error: ]]> <![CDATA[ \u0001'];
    itemAt(r.results, 2).input = 'in<&>"put\'.txt';
    const xml = renderJUnit(r);
    const doc = parse(xml);
    const c = doc.testsuites.testsuite[0].testcase[2];
    expect(c.name).toBe('in<&>"put\'.txt');
    // Control characters cannot be carried by XML 1.0 at all: they are spelled out.
    expect(c.failure[0].message).toBe('got "<result>" & \'x\'\\x00\\x07\\x1b[31m\\x0b\r\nline2\t\ufffd end');
    expect(c.failure[0]['#text']).toContain('event: Error: ]]> <![CDATA[ \\x01');
    expect(xml).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);

    // A strict parser (expat, via Python) agrees, attribute value and all.
    const file = path.join(dir, 'nasty.xml');
    await writeFile(file, xml);
    const script =
      'import sys, json, xml.etree.ElementTree as ET\n' +
      'f = ET.parse(sys.argv[1]).getroot().findall("testsuite/testcase")[2].find("failure")\n' +
      'print(json.dumps(f.get("message")))';
    const { stdout } = await promisify(execFile)('python3', ['-c', script, file]);
    expect(JSON.parse(stdout)).toBe(c.failure[0].message);
  });

  it('redacts an All-HW key quoted in a reason', () => {
    const r = mixedRun();
    itemAt(r.results, 3).reason = 'POST https://cloud.all-hw.com/ci/usertask?key=SECRET-KEY-123&timeout=30 refused';
    const xml = renderJUnit(r);
    expect(xml).not.toContain('SECRET-KEY-123');
    expect(parse(xml).testsuites.testsuite[0].testcase[3].error[0].message).toBe('POST https://cloud.all-hw.com/ci/usertask?key=***&timeout=30 refused');
  });
});

describe('junit.xml for gates and early stops', () => {
  it('adds failed gate checks as failures of a gate suite (passed per-input checks left out)', () => {
    const base = mixedRun();
    const cur: Results = mixedRun();
    itemAt(cur.results, 0).latencyUs = 5000;
    cur.gate = compareBaseline(cur, base, {});
    const gate = parse(renderJUnit(cur)).testsuites.testsuite.find((s: any) => s.name === 'gate');
    expect(gate.testcase.map((c: any) => c.name)).toEqual(['total latency', 'flash', 'ram', 'latency of input-00.txt']);
    expect(gate).toMatchObject({ tests: '4', failures: '2' });
    expect(gate.testcase[3].failure[0].message).toBe('input-00.txt: 1234 µs → 5000 µs (+305.2% > 10%)');
  });

  it('reports a run that stopped before any input as one error, not as "no tests"', () => {
    const doc = parse(renderJUnit(results({ images: [], error: 'build failed: cmake exited with code 1' })));
    expect(doc.testsuites).toMatchObject({ tests: '1', errors: '1', failures: '0' });
    const c = doc.testsuites.testsuite[0].testcase[0];
    expect(c.error[0]).toMatchObject({ type: 'run-stopped', message: 'build failed: cmake exited with code 1' });
  });
});

describe('junit.xml carries each input its own UART lines', () => {
  const uart =
    [
      'allhw synth firmware v1',
      'model loaded',
      '#result:0,1,2:1200',
      'Error: arena overflow while running input 1',
      '#result:3,4,5:1300',
      ...Array.from({ length: 30 }, (_, i) => `debug line ${i}`),
      '#result:6,7,8:1400',
    ].join('\n') + '\n';
  const outcome: TaskOutcome = {
    planIndex: 0,
    image: 'synth',
    inputs: ['a.txt', 'b.txt', 'c.txt'],
    attempt: 1,
    id: 'task-9',
    end: 'finished',
    status: 'finished',
    code: 0,
    reservation: 5,
    created: null,
    started: null,
    finished: null,
    uart: Buffer.from(uart),
    reason: null,
  };
  let cases: any[];
  beforeAll(() => {
    const rows = parseOutcome(outcome, { outputCount: 3 });
    rows[1] = { ...itemAt(rows, 1), status: 'failed', reason: 'output[0] = 3, expected 0' };
    const r = results({ results: rows, tasks: [task({ id: 'task-9', inputs: outcome.inputs, log: 'logs/synth/task-9.uart.log' })] });
    cases = parse(renderJUnit(r)).testsuites.testsuite[0].testcase;
  });

  it('puts the lines from the previous result up to its own in system-out, the banner with the first', () => {
    expect(cases[0]['system-out']).toContain('allhw synth firmware v1\nmodel loaded\n#result:0,1,2:1200');
    expect(cases[0]['system-out']).not.toContain('arena overflow');
    expect(cases[1]['system-out']).toContain('Error: arena overflow while running input 1\n#result:3,4,5:1300');
    expect(cases[1]['system-out']).not.toContain('#result:0,1,2');
    for (const c of cases) expect(c['system-out']).toContain('logs/synth/task-9.uart.log');
  });

  it('clips a long stretch and says how many lines the log has beyond it', () => {
    const out: string = cases[2]['system-out'];
    expect(out).toContain('debug line 0');
    expect(out).not.toContain('debug line 29');
    expect(out).toMatch(/… \d+ more UART lines? of this input in logs\/synth\/task-9\.uart\.log/);
  });

  it('shows firmware errors in system-err and in the failure text', () => {
    expect(cases[1]['system-err']).toContain('Error: arena overflow while running input 1');
    expect(cases[1].failure[0]['#text']).toContain('Error: arena overflow while running input 1');
    expect(cases[0]['system-err']).toBeUndefined();
  });
});
