/**
 * The fault suite, shared by test/faults/fault-suite.test.ts and
 * bench/fault-suite.ts: for each fault kind, `allhw serve --faults` runs as
 * a process of its own and the real CLI (`allhw run --mode allhw`) runs the
 * example firmware against it. Then, from serve's data dir (tasks created),
 * its fault journal (what the client was actually told) and the results dir:
 *   - outcome: recovered (every input passed) or a clear error (exit 1, an
 *     error line that names the fault, a reason for every input not passed);
 *   - tasks created per planned task, and duplicates: tasks the service
 *     created beyond the client's attempts for that planned task;
 *   - UART logs: every finished task whose record reached the client, and
 *     every attempt the client saw end, has its log in the results dir, byte
 *     for byte what the service said (after the fault, before corruption).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { FAULT_JOURNAL, type FaultJournalEntry, type FaultKind } from '../../src/serve/faults.js';
import type { Results } from '../../src/results/types.js';
import { loadInputs } from '../../src/run/inputs.js';
import { taskPayload } from '../../src/run/plan.js';
import { copyExampleProject } from '../helpers/firmware.js';
import { NODE, runCollect, startServeProcess } from './processes.js';

export interface FaultCase {
  kind: FaultKind;
  /** The --faults value. */
  spec: string;
  /** Example inputs to run (one task each). */
  inputs: number;
  /** By the contract, the client can get every result despite this fault (retries, re-reads). */
  recoverable: boolean;
  /** What the error line says when this fault ends the run. */
  error: RegExp;
}

const RESET = /POST .* failed: .*(other side closed|socket|ECONNRESET|EPIPE|reset)/i;

export const FAULT_CASES: FaultCase[] = [
  { kind: '500', spec: '500:0.3', inputs: 3, recoverable: false, error: /answered HTTP 500/ },
  { kind: '502', spec: '502:0.3', inputs: 3, recoverable: false, error: /answered HTTP 502/ },
  { kind: '503', spec: '503:0.3', inputs: 3, recoverable: true, error: /answered HTTP 503/ },
  { kind: '503-retry-after', spec: '503-retry-after=1:0.3', inputs: 3, recoverable: true, error: /answered HTTP 503/ },
  { kind: '429', spec: '429:0.3', inputs: 3, recoverable: true, error: /answered HTTP 429/ },
  { kind: '429-retry-after', spec: '429-retry-after=1:0.3', inputs: 3, recoverable: true, error: /answered HTTP 429/ },
  { kind: '401', spec: '401:0.2', inputs: 3, recoverable: false, error: /rejected the API key \(HTTP 401/ },
  { kind: '403', spec: '403:0.2', inputs: 3, recoverable: false, error: /rejected the API key \(HTTP 403/ },
  { kind: 'reset', spec: 'reset:0.3', inputs: 3, recoverable: false, error: RESET },
  { kind: 'reset-upload', spec: 'reset-upload:0.4', inputs: 3, recoverable: false, error: RESET },
  { kind: 'slow', spec: 'slow=1500:0.5', inputs: 3, recoverable: true, error: /timed? ?out/i },
  { kind: 'empty-id', spec: 'empty-id:0.4', inputs: 3, recoverable: false, error: /empty task id|not a task id/ },
  { kind: 'malformed-json', spec: 'malformed-json:0.4', inputs: 3, recoverable: true, error: /not JSON/ },
  { kind: 'bad-base64', spec: 'bad-base64:0.3', inputs: 3, recoverable: true, error: /base64/ },
  { kind: 'never-finish', spec: 'never-finish:0.5', inputs: 3, recoverable: false, error: /no end within/ },
  { kind: 'code-255', spec: 'code-255:0.4', inputs: 3, recoverable: true, error: /code 255/ },
  { kind: 'huge', spec: 'huge=50:1', inputs: 2, recoverable: true, error: /output|memory|large/i },
];

export type Outcome = 'recovered' | 'clear error' | 'unclear error' | 'hang';

export interface CaseReport {
  spec: string;
  kind: FaultKind;
  outcome: Outcome;
  /** The CLI's error line naming the fault (or its last error line when none does). */
  errorLine: string | null;
  exitCode: number | null;
  planned: number;
  /** Tasks the service created (serve's data dir). */
  created: number;
  /** Attempts the client made (results.json), per planned task summed. */
  attempts: number;
  /** Tasks created beyond the client's attempts, per planned task, plus any matching no planned task. */
  duplicates: number;
  /** Faults injected (requests and tasks), from the journal. */
  fired: number;
  logsExpected: number;
  logsKept: number;
  /** What was wrong with each log not kept. */
  logProblems: string[];
  /** The API key appeared in the CLI's output or the results dir. */
  keyLeaked: boolean;
  seconds: number;
  /** Where the run's files are (kept when the suite keeps them). */
  dir: string;
  stderrTail: string;
}

export interface SuiteContext {
  cli: string;
  /** One subdirectory per case is made here. */
  workDir: string;
  seed: number;
  /** Longest a CLI run may take before it counts as a hang. */
  runTimeoutMs?: number;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export async function runFaultCase(c: FaultCase, ctx: SuiteContext): Promise<CaseReport> {
  const dir = path.join(ctx.workDir, c.kind);
  await rm(dir, { recursive: true, force: true });
  // A copy per case: runs in parallel never share a CMake build directory.
  const project = await copyExampleProject(path.join(dir, 'project'));
  const dataDir = path.join(dir, 'serve-data');
  const resultsDir = path.join(dir, 'results');
  await mkdir(dataDir, { recursive: true });
  const key = `fault-suite-${randomBytes(12).toString('hex')}`;
  const inputFiles = Array.from({ length: c.inputs }, (_, i) => path.join(project, 'inputs', `input-0${i}.txt`));

  const serve = await startServeProcess(
    ctx.cli,
    ['--boards', '2', '--data-dir', dataDir, '--flash-ms-per-kib', '0', '--boot-ms', '50', '--faults', c.spec, '--faults-seed', String(ctx.seed)],
    { ...process.env, ALLHW_SERVE_KEYS: key },
  );
  let run;
  try {
    run = await runCollect(
      NODE,
      [
        ctx.cli,
        'run',
        '--ci-url',
        serve.url,
        '--ci-api-key',
        key,
        '--mode',
        'allhw',
        '--toolchain',
        'system',
        '--project-dir',
        project,
        '--board',
        'mps2_an500',
        ...inputFiles.flatMap((f) => ['--inputs', f]),
        '--inputs-per-task',
        '1',
        '--golden',
        path.join(project, 'golden.json'),
        '--exit-line',
        '#exit',
        '--ci-timeout',
        '5',
        '--queue-timeout',
        '5',
        '--results-dir',
        resultsDir,
      ],
      { env: cliEnv(), cwd: dir, timeoutMs: ctx.runTimeoutMs ?? 240_000 },
    );
  } finally {
    await serve.stop();
  }

  const results = await readFile(path.join(resultsDir, 'results.json'), 'utf8').then(
    (t) => JSON.parse(t) as Results,
    () => null,
  );
  const journal = await readJournal(path.join(dataDir, FAULT_JOURNAL));
  const tasks = await createdTasks(dataDir);
  const items = await loadInputs(inputFiles, dir);
  const planned = items.map((item) => ({ name: item.name, payload: taskPayload([item], '#exit') }));

  let duplicates = tasks.filter((t) => !planned.some((p) => p.payload.equals(t.input))).length;
  let attempts = 0;
  for (const p of planned) {
    const made = tasks.filter((t) => t.input.equals(p.payload)).length;
    const tried = (results?.tasks ?? []).filter((t) => t.inputs.length === 1 && t.inputs[0] === p.name).length;
    attempts += tried;
    duplicates += Math.max(0, made - tried);
  }

  const logs = await checkLogs(results, journal, resultsDir);
  const keyLeaked = run.stdout.includes(key) || run.stderr.includes(key) || (await dirContains(resultsDir, key));
  const errorLines = run.stderr.split('\n').filter((l) => l.startsWith('error: '));
  const everyInputAccounted = results !== null && results.results.length === planned.length;
  let outcome: Outcome;
  let errorLine: string | null = null;
  if (run.timedOut) outcome = 'hang';
  else if (run.code === 0 && everyInputAccounted && results!.results.every((r) => r.status === 'passed')) outcome = 'recovered';
  else {
    errorLine = errorLines.find((l) => c.error.test(l)) ?? errorLines.at(-1) ?? null;
    const reasoned = everyInputAccounted && results!.results.every((r) => r.status === 'passed' || Boolean(r.reason));
    outcome = run.code === 1 && reasoned && errorLine !== null && c.error.test(errorLine) ? 'clear error' : 'unclear error';
  }
  return {
    spec: c.spec,
    kind: c.kind,
    outcome,
    errorLine,
    exitCode: run.code,
    planned: planned.length,
    created: tasks.length,
    attempts,
    duplicates,
    fired: journal.filter((e) => e.event === 'fault' || (e.event === 'task' && e.fault !== null)).length,
    logsExpected: logs.expected,
    logsKept: logs.kept,
    logProblems: logs.problems,
    keyLeaked,
    seconds: run.ms / 1000,
    dir,
    stderrTail: run.stderr.split('\n').slice(-15).join('\n'),
  };
}

/** The CLI's environment: the user's, without GitHub Actions' variables (a terminal run). */
function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(GITHUB_|RUNNER_|ACTIONS_|INPUT_)/.test(k) && k !== 'ALLHW_API_KEY') env[k] = v;
  return env;
}

async function readJournal(file: string): Promise<FaultJournalEntry[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as FaultJournalEntry);
}

/** Tasks serve created: directories with a task.json (an upload cut short leaves none). */
async function createdTasks(dataDir: string): Promise<{ id: string; input: Buffer }[]> {
  const root = path.join(dataDir, 'tasks');
  const out: { id: string; input: Buffer }[] = [];
  for (const id of await readdir(root).catch(() => [] as string[])) {
    const record = await readFile(path.join(root, id, 'task.json'), 'utf8').catch(() => null);
    if (record === null) continue;
    out.push({ id, input: await readFile(path.join(root, id, 'input.bin')) });
  }
  return out;
}

/**
 * Logs that must be in the results dir: of every finished record delivered
 * to the client, and of every attempt the client saw end. Each must hold
 * exactly the output the service meant (the client asks for base64, so the
 * log's bytes in base64 are compared with the journal's sha256 of `output`).
 */
async function checkLogs(results: Results | null, journal: FaultJournalEntry[], resultsDir: string) {
  const finished = journal.filter((e): e is Extract<FaultJournalEntry, { event: 'finished' }> => e.event === 'finished');
  const ids = new Set(finished.filter((e) => e.delivered).map((e) => e.id));
  for (const t of results?.tasks ?? []) if (t.id && ['finished', 'timeout', 'infra'].includes(t.end)) ids.add(t.id);
  const problems: string[] = [];
  let kept = 0;
  for (const id of ids) {
    const sound = new Set(finished.filter((e) => e.id === id).map((e) => e.outputSha256 ?? sha256('')));
    const entry = results?.tasks.find((t) => t.id === id);
    if (!entry?.log) {
      problems.push(`${id}: no log in results.json`);
      continue;
    }
    const bytes = await readFile(path.join(resultsDir, entry.log)).catch(() => null);
    if (!bytes) problems.push(`${id}: ${entry.log} is missing`);
    else if (!sound.has(sha256(bytes.toString('base64')))) problems.push(`${id}: ${entry.log} (${bytes.length} bytes) is not what the service sent`);
    else kept++;
  }
  return { expected: ids.size, kept, problems };
}

async function dirContains(dir: string, needle: string): Promise<boolean> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    if ((await readFile(path.join(entry.parentPath, entry.name))).includes(needle)) return true;
  }
  return false;
}

/** Runs the cases, `concurrency` at a time (each has its own serve and project copy); reports in case order. */
export async function runFaultSuite(cases: FaultCase[], ctx: SuiteContext, concurrency = 2, onReport?: (r: CaseReport) => void): Promise<CaseReport[]> {
  const reports: CaseReport[] = new Array(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const i = next++;
      reports[i] = await runFaultCase(cases[i]!, ctx);
      onReport?.(reports[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, cases.length)) }, worker));
  return reports;
}

/** Every property the issue requires of one case. Empty when all hold. */
export function violations(r: CaseReport, c: FaultCase): string[] {
  const v: string[] = [];
  if (r.outcome !== 'recovered' && r.outcome !== 'clear error') v.push(`outcome ${r.outcome}: ${r.errorLine ?? 'no error line'}`);
  if (c.recoverable && r.outcome !== 'recovered') v.push('a fault the client can recover from ended the run');
  if (r.duplicates > 0) v.push(`${r.duplicates} duplicate task(s)`);
  if (r.logsKept !== r.logsExpected) v.push(`logs: ${r.logProblems.join('; ')}`);
  if (r.fired === 0) v.push('the fault never fired (the case tested nothing)');
  if (r.keyLeaked) v.push('the API key leaked into the output or the results dir');
  return v;
}

export function formatTable(reports: CaseReport[]): string {
  const rows = [['fault', 'outcome', 'fired', 'tasks/planned', 'attempts', 'dup', 'logs kept', 'time', 'error line']];
  for (const r of reports) {
    rows.push([
      r.spec,
      r.outcome,
      String(r.fired),
      `${r.created}/${r.planned}`,
      String(r.attempts),
      String(r.duplicates),
      `${r.logsKept}/${r.logsExpected}`,
      `${r.seconds.toFixed(1)} s`,
      shorten(plainLine(r.errorLine ?? '-'), 120),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** Rows for src/serve/README.md: fault | outcome (with the error's gist) | tasks created / planned | logs kept. */
export function formatMarkdownRows(reports: CaseReport[]): string {
  return reports
    .map((r) => {
      const outcome = r.outcome === 'clear error' ? `clear error: ${shorten(gist(r.errorLine ?? ''), 90)}` : r.outcome;
      return `| \`${r.spec}\` | ${outcome.replace(/\|/g, '\\|')} | ${r.created} / ${r.planned} (${r.attempts} attempts, ${r.duplicates} duplicates) | ${r.logsKept} / ${r.logsExpected} |`;
    })
    .join('\n');
}

/** The words of an error line that name the fault (no label, URL or request details). */
function gist(line: string): string {
  return plainLine(line)
    .replace(/^could not create the task: /, '')
    .replace(/POST <url> \([^)]*\)/, 'POST');
}

/** An error line without what every line repeats (the task label, the full URL), so the fault's words fit. */
function plainLine(line: string): string {
  return line
    .replace(/^error: /, '')
    .replace(/^task \d+ \([^)]*\)(?: attempt \d+)?: /, '')
    .replace(/https?:\/\/\S+/g, '<url>');
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
