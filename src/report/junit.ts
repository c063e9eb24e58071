/**
 * junit.xml: a <testsuite> per image, a <testcase> per input. Value/class
 * mismatches are <failure>s, infrastructure problems (status error) are
 * <error>s; task id, attempt and reservation are <properties>. The shape is
 * the common one that JUnit reporters read (dorny/test-reporter,
 * mikepenz/action-junit-report, Jenkins): name/classname/time on every
 * testcase, message attribute plus details text on failures.
 */
import type { GateCheck, InputResult, Results, TaskEntry } from '../results/index.js';
import { formatNumber } from '../common/text.js';
import { redactSecretParams } from '../common/redact.js';

/**
 * XML 1.0 cannot carry most control characters, not even as &#..; references:
 * they are written as visible \xNN text. Lone surrogates become U+FFFD.
 */
function xmlSafe(text: string): string {
  return redactSecretParams(text)
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

export function escapeText(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttr(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

type Attrs = Record<string, string | number | null | undefined>;

function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
    .join('');
}

function properties(indent: string, props: Attrs): string[] {
  const entries = Object.entries(props).filter(([, v]) => v !== null && v !== undefined);
  if (entries.length === 0) return [];
  return [
    `${indent}<properties>`,
    ...entries.map(([name, value]) => `${indent}  <property${attrs({ name, value: String(value) })}/>`),
    `${indent}</properties>`,
  ];
}

const seconds = (us: number | null): string => ((us ?? 0) / 1e6).toFixed(6);

function list(values: number[] | null): string {
  return values === null ? '(none)' : `[${values.map(formatNumber).join(', ')}]`;
}

function details(r: InputResult, task: TaskEntry | undefined): string {
  const lines = [r.reason ?? `status ${r.status}`];
  if (r.expected || r.outputs) {
    lines.push(`expected: ${list(r.expected)}`, `actual:   ${list(r.outputs)}`);
  }
  if (r.maxAbsError !== null) lines.push(`max abs error: ${formatNumber(r.maxAbsError)}`);
  if (r.top1 !== null) lines.push(`top-1 class: ${r.top1}`);
  if (r.taskId) lines.push(`task: ${r.taskId} (attempt ${r.attempt ?? '?'}, reservation ${task?.reservation ?? 'unknown'})`);
  if (task?.log) lines.push(`UART log: ${task.log}`);
  for (const e of r.events) lines.push(`event: ${e}`);
  return lines.join('\n');
}

function testcase(r: InputResult, task: TaskEntry | undefined): string[] {
  const head = `    <testcase${attrs({ name: r.input, classname: r.image, time: seconds(r.latencyUs) })}>`;
  const lines = [
    head,
    ...properties('      ', {
      'task.id': r.taskId,
      'task.attempt': r.attempt,
      'task.reservation': task?.reservation,
      'task.log': task?.log,
      'latency.us': r.latencyUs,
      top1: r.top1,
      'max.abs.error': r.maxAbsError === null ? null : formatNumber(r.maxAbsError),
    }),
  ];
  if (r.status !== 'passed') {
    const tag = r.status === 'error' ? 'error' : 'failure';
    const type = r.status === 'error' ? 'infrastructure' : r.expected ? 'output-mismatch' : 'firmware';
    lines.push(`      <${tag}${attrs({ message: r.reason ?? r.status, type })}>${escapeText(details(r, task))}</${tag}>`);
  }
  const out = systemOut(r, task);
  if (out) lines.push(`      <system-out>${escapeText(out)}</system-out>`);
  // Firmware errors and reboots on their own, where test reporters show a test's stderr.
  if (r.events.length > 0) lines.push(`      <system-err>${escapeText(r.events.join('\n'))}</system-err>`);
  lines.push('    </testcase>');
  return lines;
}

/** The input's own UART lines (clipped), then where the rest is; a passed input's note first. */
function systemOut(r: InputResult, task: TaskEntry | undefined): string {
  const lines: string[] = [];
  if (r.status === 'passed' && r.reason) lines.push(r.reason);
  const uart = r.uart;
  if (uart && uart.lines.length > 0) lines.push(...uart.lines);
  const log = task?.log ?? 'the UART log';
  if (uart && uart.more > 0) lines.push(`… ${uart.more} more UART line${uart.more === 1 ? '' : 's'} of this input in ${log}`);
  if (task?.log) lines.push(`(the whole task's UART output: ${task.log})`);
  return lines.join('\n');
}

interface Suite {
  name: string;
  props: Attrs;
  cases: string[][];
  tests: number;
  failures: number;
  errors: number;
  timeUs: number;
}

function suiteXml(s: Suite, timestamp: string): string[] {
  return [
    `  <testsuite${attrs({
      name: s.name,
      tests: s.tests,
      failures: s.failures,
      errors: s.errors,
      skipped: 0,
      time: seconds(s.timeUs),
      timestamp,
    })}>`,
    ...properties('    ', s.props),
    ...s.cases.flat(),
    '  </testsuite>',
  ];
}

function gateCase(c: GateCheck): string[] {
  const head = `    <testcase${attrs({ name: c.name, classname: 'gate', time: '0' })}>`;
  if (c.passed) return [head.replace(/>$/, '/>')];
  return [head, `      <failure${attrs({ message: c.detail, type: 'regression' })}>${escapeText(c.detail)}</failure>`, '    </testcase>'];
}

export function renderJUnit(results: Results): string {
  // The task that produced a result: same id, else same image + input (latest attempt).
  const taskFor = (r: InputResult): TaskEntry | undefined =>
    results.tasks.find((t) => r.taskId !== null && t.id === r.taskId) ??
    [...results.tasks].reverse().find((t) => t.image === r.image && t.inputs.includes(r.input));

  const names = [...new Set([...results.images.map((i) => i.name), ...results.results.map((r) => r.image)])];
  const suites: Suite[] = names.map((name) => {
    const img = results.images.find((i) => i.name === name);
    const rows = results.results.filter((r) => r.image === name);
    const tasks = results.tasks.filter((t) => t.image === name);
    return {
      name,
      props: {
        board: img?.board,
        'image.path': img?.path,
        'flash.used': img?.size?.flash,
        'flash.capacity': img?.size?.flashCapacity,
        'ram.used': img?.size?.ram,
        'ram.capacity': img?.size?.ramCapacity,
        'task.ids':
          tasks
            .map((t) => t.id)
            .filter(Boolean)
            .join(',') || null,
        'task.reservations': [...new Set(tasks.map((t) => t.reservation).filter((x) => x !== null))].join(',') || null,
        mode: results.mode,
      },
      cases: rows.map((r) => testcase(r, taskFor(r))),
      tests: rows.length,
      failures: rows.filter((r) => r.status === 'failed').length,
      errors: rows.filter((r) => r.status === 'error').length,
      timeUs: rows.reduce((sum, r) => sum + (r.latencyUs ?? 0), 0),
    };
  });

  if (results.gate) {
    // Per-input latency checks that passed would double the testcases: only failures and whole-run checks.
    const checks = results.gate.checks.filter((c) => !c.passed || !c.name.startsWith('latency of '));
    suites.push({
      name: 'gate',
      props: {},
      cases: checks.map(gateCase),
      tests: checks.length,
      failures: checks.filter((c) => !c.passed).length,
      errors: 0,
      timeUs: 0,
    });
  }
  if (results.error) {
    // Without a testcase, a run that stopped early would look like "no tests" to reporters.
    const c = [
      `    <testcase${attrs({ name: 'run', classname: 'allhw-ci', time: '0' })}>`,
      `      <error${attrs({ message: results.error, type: 'run-stopped' })}>${escapeText(results.error)}</error>`,
      '    </testcase>',
    ];
    suites.push({ name: 'allhw-ci', props: {}, cases: [c], tests: 1, failures: 0, errors: 1, timeUs: 0 });
  }

  const sum = (k: 'tests' | 'failures' | 'errors'): number => suites.reduce((a, s) => a + s[k], 0);
  const timestamp = results.startedAt.replace(/Z$/, '');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({
      name: 'allhw-ci',
      tests: sum('tests'),
      failures: sum('failures'),
      errors: sum('errors'),
      skipped: 0,
      time: seconds(suites.reduce((a, s) => a + s.timeUs, 0)),
    })}>`,
    ...suites.flatMap((s) => suiteXml(s, timestamp)),
    '</testsuites>',
    '',
  ].join('\n');
}
