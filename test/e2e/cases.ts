/**
 * The bad-input table shared by bad-inputs.test.ts and secrets.test.ts: each
 * case is one mistake a user makes, run through the real entry points (the
 * bundled action with INPUT_* variables, the bundled CLI with flags) in a
 * fresh workspace, and what the step must say about it.
 *
 * Every case starts from BASE (valid except that fw/fw.elf does not exist, so
 * a case that got past its own mistake would fail at the build with another
 * message, which the message check catches) and changes one thing.
 */
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { float32LE, npyBytes } from '../run/npy-writer.js';
import { actionEnv, runNode, type Run } from './run-dist.js';

export type Entry = 'action' | 'cli';

/**
 * config: refused while reading the inputs, before anything is written.
 * run: the pipeline started, so the results directory holds a complete
 * results.json (error set), junit.xml and summary.md, and nothing else is written.
 */
export type Stage = 'config' | 'run';

export interface BadInputCase {
  name: string;
  /** Action inputs changed from BASE ('' removes one). */
  inputs: Record<string, string>;
  /** Workspace files added to BASE_FILES (relative path → content). */
  files?: Record<string, string | Buffer>;
  /** Every fragment must be in the message: the input, the value, the fix. */
  message: (string | RegExp)[];
  stage: Stage;
  /** Entry points this case runs through (default both). */
  via?: Entry[];
  /** CLI only: the argv after `run` instead of flags made from the inputs. */
  cliArgs?: string[];
  /** The error comes from the build stage, so logs/build.log is there and records it. */
  buildLog?: boolean;
  /** Needs no API key to be a mistake (the secrets test sets one for every case). */
  keyMakesItValid?: boolean;
}

export const BASE: Record<string, string> = {
  mode: 'emulator',
  toolchain: 'system',
  'project-dir': 'fw',
  'build-system': 'none',
  image: 'fw.elf',
  inputs: 'in/*.txt',
  'results-dir': 'results',
};

export const BASE_FILES: Record<string, string | Buffer> = {
  'in/a.txt': '#input:1,2,3\n',
  'fw/README': 'the image goes here\n',
};

const GOLDEN_FORMAT = '{"version":1,"outputs"';
const BASELINE_HINT = 'results.json of an earlier allhw-ci run';

function outOfRange(input: string, value: string, range: string): BadInputCase {
  return { name: `${input} ${value}`, inputs: { [input]: value }, message: [`'${input}'`, `'${value}'`, range], stage: 'config' };
}

export const CASES: BadInputCase[] = [
  outOfRange('ci-timeout', '0', 'whole number of seconds from 1 to 3600'),
  outOfRange('ci-timeout', '-1', 'whole number of seconds from 1 to 3600'),
  outOfRange('ci-timeout', 'abc', 'whole number of seconds from 1 to 3600'),
  outOfRange('ci-timeout', '100000', 'whole number of seconds from 1 to 3600'),
  outOfRange('ci-rate', '0', 'from 300 to 4000000'),
  outOfRange('ci-rate', 'fast', 'from 300 to 4000000'),
  { name: 'ci-log 2', inputs: { 'ci-log': '2' }, message: ["'ci-log'", "'2'", "'0', 'DEBUG'"], stage: 'config' },
  { name: 'ci-url ftp://x', inputs: { 'ci-url': 'ftp://x' }, message: ["'ci-url'", "'ftp://x'", 'http:// or https:// URL'], stage: 'config' },
  {
    name: 'ci-url carrying a query string',
    inputs: { 'ci-url': 'https://ci.example/usertask?key=abc' },
    message: ["'ci-url'", 'query string', "'ci-api-key'"],
    stage: 'config',
  },
  { name: 'ci-core with a space', inputs: { 'ci-core': 'M55 0' }, message: ["'ci-core'", "'M55 0'", 'M55_0'], stage: 'config' },
  outOfRange('queue-timeout', 'soon', 'from 0 to 86400'),
  outOfRange('max-parallel', '0', 'from 1 to 64'),
  outOfRange('retries', '-1', 'from 0 to 10'),
  outOfRange('inputs-per-task', '0', 'from 1 to 100000'),
  outOfRange('uart-buffer', '10', 'of bytes from 64'),
  outOfRange('output-count', '0', 'from 1 to'),
  outOfRange('emulator-boards', '0', 'from 1 to 16'),
  outOfRange('retention-days', '0', 'from 1 to 90'),
  {
    name: 'mode allhw without a key',
    inputs: { mode: 'allhw' },
    message: ["'mode'", "'allhw'", "'ci-api-key' is empty", 'secrets.ALLHW_API_KEY'],
    stage: 'config',
    keyMakesItValid: true,
  },
  { name: 'unknown mode', inputs: { mode: 'qemu' }, message: ["'mode'", "'qemu'", "'auto', 'allhw', 'emulator'"], stage: 'config' },
  { name: 'board name with a space', inputs: { board: 'stm32 nope' }, message: ["'board'", "'stm32 nope'", "'f746_disco'", "'flash-size'"], stage: 'config' },
  { name: 'bad build-system', inputs: { 'build-system': 'cmak' }, message: ["'build-system'", "'cmak'", "'cmake'"], stage: 'config' },
  { name: 'fail-on typo', inputs: { 'fail-on': 'anything' }, message: ["'fail-on'", "'anything'", "'any', 'none'"], stage: 'config' },
  { name: 'compare typo', inputs: { compare: 'top5' }, message: ["'compare'", "'top5'", "'values', 'top1'"], stage: 'config' },
  outOfRange('atol', '-0.1', 'a number from 0'),
  { name: 'inputs empty', inputs: { inputs: '' }, message: ["'inputs' is required", 'inputs: model/inputs/*.txt'], stage: 'config' },
  {
    name: 'exit-line of two lines',
    inputs: { 'exit-line': '#exit\n#done' },
    message: ["'exit-line'", '#exit', 'single line'],
    stage: 'config',
  },
  {
    name: 'artifact-name with a slash',
    inputs: { 'artifact-name': 'results/arm' },
    message: ["'artifact-name'", "'results/arm'", 'may not contain'],
    stage: 'config',
  },
  {
    name: 'toolchain-mirror not http',
    inputs: { 'toolchain-mirror': 'ftp://mirror.example/arm' },
    message: ["'toolchain-mirror'", "'ftp://mirror.example/arm'", 'http:// or https://'],
    stage: 'config',
  },
  {
    name: 'unknown CLI flag',
    inputs: {},
    cliArgs: ['--ci-timout', '30'],
    message: ["'--ci-timout'", '--ci-timeout'],
    stage: 'config',
    via: ['cli'],
  },
  {
    name: 'CLI flag without its value',
    inputs: {},
    cliArgs: ['--inputs'],
    message: ["'--inputs'", 'needs a value'],
    stage: 'config',
    via: ['cli'],
  },

  // From here on the pipeline has started.
  {
    name: 'unknown toolchain release',
    inputs: { toolchain: '99.9.Rel9' },
    message: ["'toolchain'", "'99.9.Rel9'", /Nearest known: \S+, \S+, \S+\./, 'latest, system or none'],
    stage: 'run',
  },
  {
    name: 'inputs glob matching nothing',
    inputs: { inputs: 'data/*.npy' },
    message: ["'inputs'", "'data/*.npy'", 'matches no file', 'check the path'],
    stage: 'run',
  },
  {
    name: 'empty input file',
    inputs: { inputs: 'empty.txt' },
    files: { 'empty.txt': '' },
    message: ["'inputs'", 'empty.txt', 'is empty', "'#input:"],
    stage: 'run',
  },
  {
    name: 'malformed .npy',
    inputs: { inputs: 'batch.npy' },
    files: { 'batch.npy': npyBytes('<f4', [4], float32LE([1, 2])) },
    message: ["'inputs'", 'batch.npy', 'needs 16 data bytes', 'np.save'],
    stage: 'run',
  },
  {
    name: 'not a .npy at all',
    inputs: { inputs: 'image.npy' },
    files: { 'image.npy': 'P6 28 28 255\n' },
    message: ["'inputs'", 'image.npy', 'NumPy magic', 'np.save'],
    stage: 'run',
  },
  {
    name: 'CSV with text',
    inputs: { inputs: 'rows.csv' },
    files: { 'rows.csv': 'pixel0,pixel1\n1,2\n' },
    message: ["'inputs'", 'rows.csv:1:1: column 1 is not a number', 'remove any header row'],
    stage: 'run',
  },
  {
    name: '#input file without #input lines',
    inputs: { inputs: 'values.txt' },
    files: { 'values.txt': '1,2,3\n' },
    message: ["'inputs'", 'values.txt', "no '#input:' line", '.csv'],
    stage: 'run',
  },
  {
    name: 'golden file missing',
    inputs: { golden: 'golden.json' },
    message: ["'golden'", 'golden.json', 'does not exist'],
    stage: 'run',
  },
  {
    name: 'golden file not JSON',
    inputs: { golden: 'golden.json' },
    files: { 'golden.json': 'input-00.txt: 3\n' },
    message: ["'golden'", 'golden.json', 'not valid JSON', GOLDEN_FORMAT],
    stage: 'run',
  },
  {
    name: 'golden entries of different arity',
    inputs: { golden: 'golden.json' },
    files: { 'golden.json': JSON.stringify({ version: 1, outputs: { 'a.txt': [1, 2, 3], 'b.txt': [1, 2] } }) },
    message: ["'golden'", 'golden.json', '"a.txt"', '3 values', '"b.txt"', '2'],
    stage: 'run',
  },
  {
    name: 'golden file whose keys match no input',
    inputs: { golden: 'golden.json' },
    files: { 'golden.json': JSON.stringify({ version: 1, outputs: { 'input-00.txt': [1, 2, 3], 'input-01.txt': [4, 5, 6] } }) },
    message: ["'golden'", 'none of the 1 inputs has an entry in golden.json', "keys 'input-00.txt', 'input-01.txt' match no input", "e.g. 'a.txt'"],
    stage: 'run',
  },
  {
    name: 'golden arity other than output-count',
    inputs: { golden: 'golden.json', 'output-count': '10' },
    files: { 'golden.json': JSON.stringify({ version: 1, outputs: { 'a.txt': [1, 2, 3] } }) },
    message: ["'golden'", 'golden.json', '3 values', "'output-count'", '10'],
    stage: 'run',
  },
  {
    name: 'baseline that is not a results.json',
    inputs: { baseline: 'golden.json' },
    files: { 'golden.json': JSON.stringify({ version: 1, outputs: { 'a.txt': [1, 2, 3] } }) },
    message: ["'baseline'", 'golden.json', 'no "results" array', BASELINE_HINT],
    stage: 'run',
  },
  {
    name: 'missing project-dir',
    inputs: { 'project-dir': 'firmware', 'build-system': 'auto', image: '' },
    message: ["'project-dir'", 'firmware', 'not a directory', "set 'project-dir'"],
    stage: 'run',
  },
  {
    name: 'project with no build system',
    inputs: { 'build-system': 'auto', image: '' },
    message: ["'build-system' is 'auto'", 'nothing to build', "'build-command'", "'build-system: none'"],
    stage: 'run',
  },
  {
    name: "build-system none and no 'image'",
    inputs: { image: '' },
    message: ["'build-system' is 'none'", "'image' is empty", "set 'image'"],
    stage: 'run',
  },
  {
    name: "build-system command without 'build-command'",
    inputs: { 'build-system': 'command', image: '' },
    message: ["'build-system' is 'command'", "'build-command' is empty", "set 'build-command'"],
    stage: 'run',
  },
  {
    name: 'image glob matching nothing',
    inputs: { image: 'build/*.elf' },
    message: ["'image'", "'build/*.elf'", 'matched no file', "Set 'image'"],
    stage: 'run',
    buildLog: true,
  },
  {
    name: 'image glob matching a text file',
    inputs: { image: 'README' },
    message: ["'image' pattern 'README'", 'fw/README', 'neither ELF nor Intel HEX', "set 'image' to the ELF"],
    stage: 'run',
    buildLog: true,
  },
  {
    name: 'results-dir that is a file',
    inputs: { 'results-dir': 'in/a.txt' },
    message: ["'results-dir'", "'in/a.txt'", 'not a directory, is in the way', "set 'results-dir'"],
    stage: 'config',
  },
];

/** A case running the prebuilt example firmware (no build) in All-HW mode on the farm at `url`; `inputs` adds or changes inputs. */
export function prebuiltOnFarm(
  name: string,
  firmwareDir: string,
  url: string,
  inputs: Record<string, string>,
  files?: Record<string, string | Buffer>,
): BadInputCase {
  return {
    name,
    inputs: { mode: 'allhw', 'ci-url': url, board: 'mps2_an500', 'project-dir': firmwareDir, 'build-system': 'none', image: 'synth.elf', ...inputs },
    files,
    message: [],
    stage: 'run',
  };
}

export interface Workspace {
  dir: string;
  summary: string;
  output: string;
}

/** A fresh workspace holding BASE_FILES and the case's files, plus empty GITHUB_STEP_SUMMARY/GITHUB_OUTPUT files beside it. */
export async function makeWorkspace(c: BadInputCase): Promise<Workspace> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'allhw-bad-'));
  const dir = path.join(root, 'ws');
  for (const [rel, content] of Object.entries({ ...BASE_FILES, ...c.files })) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
  const summary = path.join(root, 'summary.md');
  const output = path.join(root, 'output.txt');
  await writeFile(summary, '');
  await writeFile(output, '');
  return { dir, summary, output };
}

/** Every file under dir, relative, sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

export function caseInputs(c: BadInputCase, extra: Record<string, string> = {}): Record<string, string> {
  return { ...BASE, ...c.inputs, ...extra };
}

/** The case run as a runner runs the action; env adds variables (e.g. GITHUB_TOKEN). */
export function runAction(c: BadInputCase, ws: Workspace, extra: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runNode(
    'dist/index.js',
    [],
    actionEnv(caseInputs(c, extra), {
      GITHUB_WORKSPACE: ws.dir,
      GITHUB_STEP_SUMMARY: ws.summary,
      GITHUB_OUTPUT: ws.output,
      RUNNER_TEMP: path.dirname(ws.dir),
      ...env,
    }),
    ws.dir,
    60_000,
  );
}

/** The case run as a user runs the CLI from the workspace; env carries e.g. ALLHW_API_KEY, flags e.g. --verbose. */
export function runCli(c: BadInputCase, ws: Workspace, env: NodeJS.ProcessEnv = {}, extra: Record<string, string> = {}, flags: string[] = []): Promise<Run> {
  const args = c.cliArgs ?? Object.entries(caseInputs(c, extra)).flatMap(([name, value]) => [`--${name}`, value]);
  return runNode('dist/cli.js', ['run', ...args, ...flags], { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, ws.dir, 60_000);
}

/** The message of a failed step: the action's ::error:: line (its escapes undone), or the CLI's last `error:` line. */
export function failureMessage(entry: Entry, r: Run): string | null {
  if (entry === 'action') {
    // The step's reason is its first error annotation (the root cause leads; a title may come with it).
    const command = /^::error(?: [^:]*)?::/;
    const line = r.stdout.split('\n').find((l) => command.test(l));
    return line ? line.replace(command, '').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%') : null;
  }
  // From the last `error:` line to the end: a message may span lines (a build's last lines).
  const text = `\n${r.stderr}`;
  const at = text.lastIndexOf('\nerror: ');
  return at < 0 ? null : text.slice(at + '\nerror: '.length).trimEnd();
}
