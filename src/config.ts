/**
 * The run's configuration: one typed object, checked once. The action and the
 * CLI both hand their raw strings (keyed by the action's input names) to
 * parseConfig, so a bad value gets the same message from either entry point.
 */
import { parse as parseShellWords } from 'shell-quote';
import boards from './build/boards.json' with { type: 'json' };
import { COMPARE_HINT, parseCompare, type CompareMode } from './results/compare.js';

export const DEFAULT_CI_URL = 'https://cloud.all-hw.com/ci/usertask';

/** Every input, with its default: action.yml declares the same set (a test checks). */
export const INPUT_DEFAULTS = {
  mode: 'auto',
  'ci-url': DEFAULT_CI_URL,
  'ci-api-key': '',
  'ci-timeout': '30',
  'ci-rate': '115200',
  'ci-log': '0',
  'ci-core': '',
  'queue-timeout': '600',
  toolchain: 'latest',
  'toolchain-mirror': '',
  'project-dir': '.',
  model: '',
  'build-system': 'auto',
  'build-command': '',
  board: 'f746_disco',
  'flash-size': '',
  'ram-size': '',
  'build-args': '',
  image: '',
  inputs: '',
  'inputs-per-task': 'auto',
  'uart-buffer': '8192',
  'exit-line': '',
  'output-count': '',
  'max-parallel': '4',
  retries: '2',
  'emulator-boards': '2',
  'results-dir': 'allhw-results',
  golden: '',
  compare: '',
  atol: '',
  rtol: '',
  baseline: '',
  'latency-tolerance': '10',
  'size-tolerance': '5',
  'flash-tolerance': '',
  'ram-tolerance': '',
  'latency-min-change-us': '0',
  'metric-tolerance': '10',
  gate: 'fail',
  repeat: '1',
  warmup: '0',
  'min-pass-rate': '100',
  'fail-on': 'any',
  'artifact-name': '',
  'retention-days': '',
  'github-token': '${{ github.token }}',
  comment: 'auto',
  shard: '',
} as const;

export type InputName = keyof typeof INPUT_DEFAULTS;
export const INPUT_NAMES = Object.keys(INPUT_DEFAULTS) as InputName[];

export const BUILD_SYSTEMS = ['auto', 'cmake', 'make', 'zephyr', 'command', 'none'] as const;
export type BuildSystem = (typeof BUILD_SYSTEMS)[number];
export const BOARDS = Object.keys(boards);
export const EMULATOR_BOARD = 'mps2_an500';

export interface AllhwConfig {
  url: string;
  /** Secret: never print it. Empty in emulator mode. */
  apiKey: string;
  timeoutS: number;
  rate: number;
  log: '0' | 'DEBUG';
  core: string;
  queueTimeoutS: number;
}

export interface BuildConfig {
  projectDir: string;
  system: BuildSystem;
  command: string;
  board: string;
  /** Extra arguments for the configure step or make, already split. */
  args: string[];
  /** Glob of the image(s) to submit; empty: found in the build output. */
  image: string;
  /** Bytes of flash and RAM to check the image against, over the board table's (null: the table's, if any). */
  flashSize?: number | null;
  ramSize?: number | null;
}

export interface Config {
  mode: 'allhw' | 'emulator';
  /** Why the mode was chosen, for a notice (auto mode). */
  modeReason: string;
  allhw: AllhwConfig;
  toolchain: { spec: string; mirror: string };
  /** An MLF tarball (or unpacked MLF) to generate the project from; empty: build project-dir. */
  model: string;
  build: BuildConfig;
  run: {
    inputs: string[];
    inputsPerTask: 'auto' | 'all' | number;
    uartBuffer: number;
    exitLine: string;
    outputCount: number | null;
    maxParallel: number;
    retries: number;
    emulatorBoards: number;
    /** Timed runs of each input, after `warmup` untimed ones, all in the same task. */
    repeat: number;
    warmup: number;
  };
  results: {
    dir: string;
    golden: string;
    /** Null: from the golden file, else 'values'. */
    compare: CompareMode | null;
    /** Null: from the golden file, else 0. */
    atol: number | null;
    rtol: number | null;
    baseline: string;
    latencyTolerancePct: number;
    sizeTolerancePct: number;
    /** Null: sizeTolerancePct. */
    flashTolerancePct: number | null;
    ramTolerancePct: number | null;
    latencyMinChangeUs: number;
    metricTolerancePct: number;
    gate: 'warn' | 'fail';
    /** Percent of golden-checked inputs that must match. */
    minPassRate: number;
    failOn: 'any' | 'none';
  };
  report: { artifactName: string; retentionDays: number | null };
  github: GitHubConfig;
}

export interface GitHubConfig {
  /** Secret: never print it. Empty: no GitHub API calls. */
  token: string;
  comment: 'auto' | 'always' | 'never';
  /** `shard: i/n`: this job runs the i-th of n parts (1-based). */
  shard: { index: number; count: number } | null;
}

export class ConfigError extends Error {
  readonly input: string;
  // A plain field, not a parameter property: Node's type stripping (allhw serve run from source in tests) has none.
  constructor(input: string, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.input = input;
  }
}

type Raw = (name: InputName) => string;

export const MODEL_EXIT_LINE = '#exit';

/** With 'model' the project is generated: the inputs that describe a project of one's own do not apply. */
function checkModelAlone(raw: Raw): void {
  const given = (['project-dir', 'build-system', 'build-command', 'image'] as const).filter((n) => raw(n).trim() !== INPUT_DEFAULTS[n]);
  const [first] = given;
  if (first === undefined) return;
  throw new ConfigError(
    first,
    `Input${given.length > 1 ? 's' : ''} ${given.map((n) => `'${n}'`).join(', ')} ${given.length > 1 ? 'do' : 'does'} not apply with 'model': ` +
      "the project is generated from the MLF tarball (into <results-dir>/project) and built with CMake for 'board'. " +
      "Remove them, or remove 'model' to build a project of your own.",
  );
}

function shown(value: string): string {
  return value === '' ? '(empty)' : `'${value}'`;
}

/** What a message calls the value: the action's input (the default), or the CLI flag of the same name. */
export type Subject = (input: InputName) => string;
const AS_INPUT: Subject = (input) => `Input '${input}'`;
export const AS_FLAG: Subject = (input) => `Flag --${input}`;

function bad(input: InputName, value: string, allowed: string, subject: Subject = AS_INPUT): never {
  throw new ConfigError(input, `${subject(input)} has value ${shown(value)}: ${allowed}.`);
}

/** The one check of a whole number (digits only) in [min, max]: the number, or null. Shared by the inputs and `allhw serve`'s flags. */
export function wholeNumberIn(text: string, min: number, max: number): number | null {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : null;
}

/** A non-negative decimal, also in exponent form (`1e-3`: ordinary for tolerances); no sign, hex or Infinity. */
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The one check of a decimal (as DECIMAL) in [min, max]: the number, or null. Shared by the inputs and `allhw serve`'s flags. */
export function decimalIn(text: string, min: number, max: number): number | null {
  const n = DECIMAL.test(text) ? Number(text) : NaN;
  return Number.isFinite(n) && n >= min && n <= max ? n : null;
}

function wholeNumber(raw: Raw, input: InputName, min: number, max: number, unit = ''): number {
  const value = raw(input).trim();
  const n = wholeNumberIn(value, min, max);
  if (n === null) bad(input, value, `expected a whole number${unit} from ${min} to ${max}`);
  return n;
}

function decimal(raw: Raw, input: InputName, min: number, max: number): number {
  const value = raw(input).trim();
  const n = decimalIn(value, min, max);
  if (n === null) bad(input, value, `expected a number from ${min} to ${max}`);
  return n;
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, KIB: 1024, M: 1024 * 1024, MIB: 1024 * 1024 };

/** The one check of 'flash-size' and 'ram-size' (parseConfig and `allhw build`): bytes (`1048576`, `1024K`, `1M`, `320KiB`; K and M are 1024-based); empty: null. */
export function byteSizeValue(value: string, input: 'flash-size' | 'ram-size', subject: Subject = AS_INPUT): number | null {
  if (value === '') return null;
  const m = /^(\d+)\s*([KkMm](?:i?[Bb])?)?$/.exec(value);
  const unit = m ? SIZE_UNITS[(m[2] ?? '').toUpperCase().replace(/^([KM])B$/, '$1')] : undefined;
  const n = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 32)
    bad(input, value, 'expected a size in bytes, e.g. 1048576, 1024K or 1M (K and M are 1024-based)', subject);
  return n;
}

function byteSize(raw: Raw, input: 'flash-size' | 'ram-size'): number | null {
  return byteSizeValue(raw(input).trim(), input);
}

function oneOf<T extends string>(raw: Raw, input: InputName, allowed: readonly T[]): T {
  return oneOfValue(raw(input).trim(), input, allowed);
}

function oneOfValue<T extends string>(value: string, input: InputName, allowed: readonly T[], subject: Subject = AS_INPUT): T {
  if (!(allowed as readonly string[]).includes(value)) {
    bad(input, value, `allowed values are ${allowed.map((a) => `'${a}'`).join(', ')}`, subject);
  }
  return value as T;
}

/** The one check of 'build-system' (parseConfig and `allhw build`). */
export function buildSystemValue(value: string, subject: Subject = AS_INPUT): BuildSystem {
  return oneOfValue(value, 'build-system', BUILD_SYSTEMS, subject);
}

/** A name BOARD can carry to make, CMake and west (Zephyr's own names have `/` qualifiers). */
const BOARD_NAME = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;

/**
 * The one check of 'board' (parseConfig and `allhw build`): any board name is
 * allowed, not only the table's, because All-HW lends more kinds than the
 * table knows (the key selects the kind); 'flash-size' and 'ram-size' give
 * the limits of a board outside it.
 */
export function boardValue(value: string, subject: Subject = AS_INPUT): string {
  if (BOARD_NAME.test(value) && value.length <= 100) return value;
  const known = BOARDS.map((b) => `'${b}'`).join(', ');
  bad(
    'board',
    value,
    `expected a board name of letters, digits and _ - . / (the table knows ${known}; others are allowed, with 'flash-size' and 'ram-size' to check sizes)`,
    subject,
  );
}

/** Files of a model before microTVM compiled it: 'model' wants what tvmc wrote from one. */
const UNCOMPILED_MODEL = /\.(tflite|onnx|pb|h5|keras|pt|pth|zip)$/i;

/**
 * The one check of 'model' (parseConfig and `allhw generate`): one path, of an
 * MLF tarball (.tar, .tar.gz, .tgz) or of the directory it unpacks to. Whether
 * it is a readable MLF is the MLF stage's to say, before the toolchain stage.
 */
export function modelValue(value: string, subject: Subject = AS_INPUT): string {
  if (/[\n*?[]/.test(value)) {
    bad('model', value, 'expected the path of one MLF tarball (.tar, .tar.gz or .tgz) or MLF directory, not a glob or a list', subject);
  }
  if (UNCOMPILED_MODEL.test(value)) {
    bad(
      'model',
      value,
      "expected a Model Library Format tarball, which 'tvmc compile --executor=aot --runtime=crt --output-format=mlf' writes from this model file",
      subject,
    );
  }
  return value;
}

/** Splits a multi-line or comma-separated list input; blank entries dropped. */
export function listInput(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Splits build arguments into words as a POSIX shell does (shell-quote):
 * single and double quotes, backslash escapes, and quotes inside a word
 * (-DCMAKE_C_FLAGS="-O2 -g" is one argument). The words go to the build
 * without a shell: $VARS stay as written (the runner's environment is not
 * spliced in), a glob is passed as is, and shell operators or comments are
 * refused rather than silently cut.
 */
export function splitArgs(value: string, subject: Subject = AS_INPUT): string[] {
  const words = parseShellWords(value, (name) => `$${name}`);
  return words.map((word) => {
    if (typeof word === 'string') return word;
    if ('op' in word && word.op === 'glob') return word.pattern;
    const what = 'comment' in word ? `a comment ('#')` : `the shell operator '${word.op}'`;
    throw new ConfigError(
      'build-args',
      `${subject('build-args')} contains ${what}: build-args are the build's arguments, not a shell command. Quote that part ('...') to pass it as is.`,
    );
  });
}

function ciUrl(raw: Raw): string {
  const value = raw('ci-url').trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return bad('ci-url', value, 'expected an http:// or https:// URL, e.g. ' + DEFAULT_CI_URL);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    bad('ci-url', value, 'expected an http:// or https:// URL, e.g. ' + DEFAULT_CI_URL);
  }
  if (url.search || url.username || url.password) {
    // The key goes in the query string: a URL carrying its own query or
    // credentials would leak them into every printed (even redacted) URL.
    throw new ConfigError('ci-url', "Input 'ci-url' must not contain a query string or credentials: pass the key in 'ci-api-key'.");
  }
  return url.toString();
}

/** The characters @actions/artifact refuses in a name (report/artifact.ts checks again at upload, which is too late to say so cheaply). */
const ARTIFACT_NAME_FORBIDDEN = /["':<>|*?\r\n\\/]/;

function artifactName(raw: Raw): string {
  const value = raw('artifact-name').trim();
  const bad = ARTIFACT_NAME_FORBIDDEN.exec(value);
  if (bad) {
    throw new ConfigError(
      'artifact-name',
      `Input 'artifact-name' has value ${shown(value)}, which contains ${JSON.stringify(bad[0])}: an artifact name may not contain " : < > | * ? \\ / ' or line breaks (e.g. allhw-results-arm).`,
    );
  }
  return value;
}

/** The mirror is only fetched on a tool-cache miss: checked here so a typo fails on the first run, not the first cold cache. */
export function toolchainMirrorValue(value: string, subject: Subject = AS_INPUT): string {
  if (!value) return value;
  let protocol = '';
  try {
    protocol = new URL(value).protocol;
  } catch {
    /* not a URL: refused below */
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    bad('toolchain-mirror', value, "expected an http:// or https:// base URL that serves Arm's toolchain archives by file name", subject);
  }
  return value;
}

function compareInput(raw: Raw): CompareMode | null {
  const value = raw('compare').trim();
  if (!value) return null;
  return parseCompare(value) ?? bad('compare', value, COMPARE_HINT);
}

/** The modes that build and run nothing (the entry layer dispatches them before a run's config is read). */
export const REPORT_MODES = ['comment', 'merge'] as const;
export type ReportMode = (typeof REPORT_MODES)[number];

export function reportModeOf(get: (name: InputName) => string | undefined): ReportMode | null {
  const mode = (get('mode') ?? '').trim();
  return (REPORT_MODES as readonly string[]).includes(mode) ? (mode as ReportMode) : null;
}

/**
 * A report mode's config: its inputs are checked by parseConfig, so a bad
 * `fail-on` or `latency-tolerance` gets the same message as in a run; the
 * build and run parts are unused.
 */
export function reportConfig(get: (name: InputName) => string | undefined): Config {
  // 'inputs' is required of a run, not of a report: any value passes the check.
  return parseConfig((name) => (name === 'mode' ? 'emulator' : name === 'inputs' ? 'unused' : get(name)));
}

/** `${{ github.token }}` reaches the CLI unexpanded (the action's default): that is no token. */
export function githubToken(value: string | undefined): string {
  const v = (value ?? '').trim();
  return v.startsWith('${{') ? '' : v;
}

const MAX_SHARDS = 256;

function shardInput(raw: Raw): GitHubConfig['shard'] {
  const value = raw('shard').trim();
  if (!value) return null;
  const [indexText = '', countText, ...rest] = value.split('/').map((part) => part.trim());
  const count = rest.length === 0 && countText !== undefined ? wholeNumberIn(countText, 1, MAX_SHARDS) : null;
  const index = count === null ? null : wholeNumberIn(indexText, 1, count);
  if (count === null || index === null) {
    bad('shard', value, `expected 'i/n' with 1 ≤ i ≤ n ≤ ${MAX_SHARDS}, e.g. shard: \${{ matrix.shard }}/3`);
  }
  return { index, count };
}

// Long on purpose: one object literal lists every input in one place, read in the order that decides which bad input is reported first.
export function parseConfig(get: (name: InputName) => string | undefined): Config {
  const raw: Raw = (name) => {
    const v = get(name);
    return v === undefined || v === '' ? INPUT_DEFAULTS[name] : v;
  };

  const apiKey = (get('ci-api-key') ?? '').trim();
  const requested = oneOf(raw, 'mode', ['auto', 'allhw', 'emulator', ...REPORT_MODES] as const);
  if (requested === 'comment' || requested === 'merge') {
    throw new ConfigError(
      'mode',
      `Input 'mode' is '${requested}', which builds and runs nothing: it is handled before a run's inputs are read (use it in its own step, README "Fork pull requests" / "Matrix").`,
    );
  }
  if (requested === 'allhw' && !apiKey) {
    throw new ConfigError(
      'ci-api-key',
      "Input 'mode' is 'allhw' but 'ci-api-key' is empty: pass your All-HW key from a secret (ci-api-key: ${{ secrets.ALLHW_API_KEY }}), or use mode 'emulator'.",
    );
  }
  const mode = requested === 'auto' ? (apiKey ? 'allhw' : 'emulator') : requested;
  let modeReason =
    requested === 'auto'
      ? apiKey
        ? "mode 'auto': an All-HW key is set, running on the All-HW farm"
        : "mode 'auto': no 'ci-api-key' (as on fork PRs), running on the emulated board"
      : `mode '${requested}'`;

  const timeoutS = wholeNumber(raw, 'ci-timeout', 1, 3600, ' of seconds');
  const rate = wholeNumber(raw, 'ci-rate', 300, 4_000_000, ' (baud)');
  const log = oneOf(raw, 'ci-log', ['0', 'DEBUG'] as const);
  const core = raw('ci-core').trim();
  if (core && !/^[A-Za-z0-9_]+$/.test(core)) bad('ci-core', core, 'expected a core name such as M55_0 (letters, digits, _)');

  const board = boardValue(raw('board').trim());
  // The emulated board is the only one the emulator runs: say so, rather than build for another board silently.
  if (mode === 'emulator' && board !== EMULATOR_BOARD) {
    modeReason += `; board '${EMULATOR_BOARD}' (the emulated one) instead of '${board}'`;
  }

  const ipt = raw('inputs-per-task').trim();
  let inputsPerTask: 'auto' | 'all' | number;
  if (ipt === 'auto' || ipt === 'all') inputsPerTask = ipt;
  else inputsPerTask = wholeNumber(raw, 'inputs-per-task', 1, 100_000);

  const outputCountRaw = raw('output-count').trim();
  const retentionRaw = raw('retention-days').trim();
  const inputs = listInput(raw('inputs'));
  if (inputs.length === 0) {
    throw new ConfigError(
      'inputs',
      "Input 'inputs' is required: give globs of input files (one per line or comma-separated), e.g. 'inputs: model/inputs/*.txt'.",
    );
  }
  let exitLine = raw('exit-line').trim();
  if (exitLine.includes('\n')) bad('exit-line', exitLine, 'expected a single line');
  const model = modelValue(raw('model').trim());
  if (model) {
    checkModelAlone(raw);
    // The generated firmware returns from main on #exit: tasks end as soon as their inputs are done.
    exitLine ||= MODEL_EXIT_LINE;
  }

  return {
    mode,
    modeReason,
    allhw: {
      url: ciUrl(raw),
      apiKey,
      timeoutS,
      rate,
      log,
      core,
      queueTimeoutS: wholeNumber(raw, 'queue-timeout', 0, 86_400, ' of seconds'),
    },
    toolchain: { spec: raw('toolchain').trim(), mirror: toolchainMirrorValue(raw('toolchain-mirror').trim()) },
    model,
    build: {
      projectDir: raw('project-dir').trim(),
      system: buildSystemValue(raw('build-system').trim()),
      command: raw('build-command').trim(),
      board: mode === 'emulator' ? EMULATOR_BOARD : board,
      args: splitArgs(raw('build-args')),
      image: raw('image').trim(),
      // The limits are the chosen board's: the emulated board has its own (from the table).
      flashSize: mode === 'emulator' ? (byteSize(raw, 'flash-size'), null) : byteSize(raw, 'flash-size'),
      ramSize: mode === 'emulator' ? (byteSize(raw, 'ram-size'), null) : byteSize(raw, 'ram-size'),
    },
    run: {
      inputs,
      inputsPerTask,
      uartBuffer: wholeNumber(raw, 'uart-buffer', 64, 1 << 30, ' of bytes'),
      exitLine,
      outputCount: outputCountRaw ? wholeNumber(raw, 'output-count', 1, 1 << 24) : null,
      maxParallel: wholeNumber(raw, 'max-parallel', 1, 64),
      retries: wholeNumber(raw, 'retries', 0, 10),
      emulatorBoards: wholeNumber(raw, 'emulator-boards', 1, 16),
      repeat: wholeNumber(raw, 'repeat', 1, 1000),
      warmup: wholeNumber(raw, 'warmup', 0, 1000),
    },
    results: {
      dir: raw('results-dir').trim(),
      golden: raw('golden').trim(),
      compare: compareInput(raw),
      atol: raw('atol').trim() ? decimal(raw, 'atol', 0, Number.MAX_SAFE_INTEGER) : null,
      rtol: raw('rtol').trim() ? decimal(raw, 'rtol', 0, 1e6) : null,
      baseline: raw('baseline').trim(),
      latencyTolerancePct: decimal(raw, 'latency-tolerance', 0, 1e6),
      sizeTolerancePct: decimal(raw, 'size-tolerance', 0, 1e6),
      flashTolerancePct: raw('flash-tolerance').trim() ? decimal(raw, 'flash-tolerance', 0, 1e6) : null,
      ramTolerancePct: raw('ram-tolerance').trim() ? decimal(raw, 'ram-tolerance', 0, 1e6) : null,
      latencyMinChangeUs: decimal(raw, 'latency-min-change-us', 0, 1e12),
      metricTolerancePct: decimal(raw, 'metric-tolerance', 0, 1e6),
      gate: oneOf(raw, 'gate', ['warn', 'fail'] as const),
      minPassRate: decimal(raw, 'min-pass-rate', 0, 100),
      failOn: oneOf(raw, 'fail-on', ['any', 'none'] as const),
    },
    report: {
      artifactName: artifactName(raw),
      retentionDays: retentionRaw ? wholeNumber(raw, 'retention-days', 1, 90) : null,
    },
    github: {
      token: githubToken(get('github-token')),
      comment: oneOf(raw, 'comment', ['auto', 'always', 'never'] as const),
      shard: shardInput(raw),
    },
  };
}

/** The configuration as it may be written to results.json: no secrets. */
export function publicConfig(config: Config): unknown {
  return {
    ...config,
    allhw: { ...config.allhw, apiKey: config.allhw.apiKey ? '***' : '' },
    github: { ...config.github, token: config.github.token ? '***' : '' },
  };
}
