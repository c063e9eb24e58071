/**
 * The `--faults` spec of `allhw serve`: which failures to inject, how
 * often, and a small seeded PRNG so a run can be repeated. Parsing only; the
 * request layer that injects them is faults.ts.
 *
 * Spec: comma-separated `kind[=value]:probability`, e.g. `503:0.3,reset:0.1`
 * or `slow=1500:0.5`. Request faults are drawn once per request among the
 * kinds that can apply to it; task faults once per created task.
 */

/** Where a kind acts. `post-before`: a POST is refused before any task exists. */
type Scope = 'status' | 'post-before' | 'post-after' | 'get' | 'get-output' | 'both' | 'task';

interface KindInfo {
  scope: Scope;
  /** What `=value` means, when the kind takes one, and its default. */
  param?: { unit: string; fallback: number; min: number; max: number };
  what: string;
}

const RETRY_AFTER = { unit: 'seconds', fallback: 1, min: 0, max: 3600 };

export const FAULT_KINDS = {
  '500': { scope: 'status', what: 'HTTP 500 (POST: before the task is created)' },
  '502': { scope: 'status', what: 'HTTP 502 (POST: before the task is created)' },
  '503': { scope: 'status', what: 'HTTP 503 without Retry-After (POST: before the task is created)' },
  '503-retry-after': { scope: 'status', param: RETRY_AFTER, what: 'HTTP 503 with Retry-After: value seconds' },
  '429': { scope: 'status', what: 'HTTP 429 without Retry-After (POST: before the task is created)' },
  '429-retry-after': { scope: 'status', param: RETRY_AFTER, what: 'HTTP 429 with Retry-After: value seconds' },
  '401': { scope: 'status', what: 'HTTP 401, the key is missing (as far as the service says)' },
  '403': { scope: 'status', what: 'HTTP 403, the key is refused' },
  reset: { scope: 'both', what: 'the connection is destroyed instead of an answer (POST: after the task was created)' },
  'reset-upload': { scope: 'post-before', what: 'POST: the connection is destroyed before the upload is read (no task)' },
  slow: { scope: 'both', param: { unit: 'ms', fallback: 2000, min: 0, max: 600_000 }, what: 'the answer is held back value ms (POST: after creating)' },
  'empty-id': { scope: 'post-after', what: 'POST: the task is created, the answer is 200 with an empty or blank id' },
  'malformed-json': { scope: 'get', what: 'GET: 200 with the JSON record cut in half' },
  'bad-base64': { scope: 'get-output', what: 'GET: a record with output has a corrupted (non-base64) output' },
  'never-finish': { scope: 'task', what: 'task: every GET says running, forever' },
  'code-255': { scope: 'task', what: 'task: every GET says finished with code 255 and a service message, as if it never ran' },
  huge: { scope: 'task', param: { unit: 'MB', fallback: 50, min: 1, max: 1024 }, what: 'task: the finished output is padded to value MB' },
} as const satisfies Record<string, KindInfo>;

export type FaultKind = keyof typeof FAULT_KINDS;
export type TaskFaultKind = 'never-finish' | 'code-255' | 'huge';

export interface FaultRule {
  kind: FaultKind;
  /** 0..1: the chance that an eligible request (or task) gets this fault. */
  probability: number;
  /** The kind's `=value` (or its default); null for kinds without one. */
  value: number | null;
}

export class FaultSpecError extends Error {}

export function kindInfo(kind: FaultKind): KindInfo {
  return FAULT_KINDS[kind];
}

export function isTaskFault(kind: FaultKind): kind is TaskFaultKind {
  return kindInfo(kind).scope === 'task';
}

/** Can this request fault hit a request of this verb (and, for GET, a record with output or not)? */
export function appliesTo(kind: FaultKind, verb: 'GET' | 'POST', hasOutput: boolean): boolean {
  const scope = kindInfo(kind).scope;
  switch (scope) {
    case 'status':
    case 'both':
      return true;
    case 'post-before':
    case 'post-after':
      return verb === 'POST';
    case 'get':
      return verb === 'GET';
    case 'get-output':
      return verb === 'GET' && hasOutput;
    case 'task':
      return false;
  }
}

/** POST faults answered without creating a task. */
export function beforeCreate(kind: FaultKind): boolean {
  const scope = kindInfo(kind).scope;
  return scope === 'status' || scope === 'post-before';
}

const KNOWN = Object.keys(FAULT_KINDS).join(', ');

export function parseFaultSpec(spec: string): FaultRule[] {
  if (spec.trim() === '') throw new FaultSpecError(`--faults is empty: give kind:probability pairs, e.g. 503:0.3,reset:0.1 (kinds: ${KNOWN})`);
  const rules: FaultRule[] = [];
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    const match = /^([a-z0-9-]+)(?:=([^:]*))?:(.*)$/.exec(item);
    if (!match) throw new FaultSpecError(`--faults item ${JSON.stringify(item)} is not kind[=value]:probability (e.g. 503:0.3 or slow=1500:0.5)`);
    const [, name, rawValue, rawProbability] = match as unknown as [string, string, string | undefined, string];
    if (!Object.hasOwn(FAULT_KINDS, name)) throw new FaultSpecError(`--faults: unknown fault kind ${JSON.stringify(name)}; known kinds: ${KNOWN}`);
    const kind = name as FaultKind;
    if (rules.some((r) => r.kind === kind)) throw new FaultSpecError(`--faults: ${kind} is given twice: give each kind once`);
    const probability = /^\s*(0(\.\d+)?|1(\.0+)?|\.\d+)\s*$/.test(rawProbability) ? Number(rawProbability) : NaN;
    if (!(probability >= 0 && probability <= 1)) {
      throw new FaultSpecError(`--faults: probability ${JSON.stringify(rawProbability)} of ${kind} is not a number from 0 to 1`);
    }
    rules.push({ kind, probability, value: parseValue(kind, rawValue) });
  }
  const requestSum = sum(rules.filter((r) => !isTaskFault(r.kind)));
  if (requestSum > 1 + 1e-9) throw new FaultSpecError(`--faults: the request faults' probabilities add up to ${round(requestSum)}, more than 1`);
  const taskSum = sum(rules.filter((r) => isTaskFault(r.kind)));
  if (taskSum > 1 + 1e-9)
    throw new FaultSpecError(`--faults: the task faults' probabilities (never-finish, code-255, huge) add up to ${round(taskSum)}, more than 1`);
  return rules;
}

function parseValue(kind: FaultKind, raw: string | undefined): number | null {
  const param: KindInfo['param'] = kindInfo(kind).param;
  if (!param) {
    if (raw !== undefined) throw new FaultSpecError(`--faults: ${kind} takes no =value`);
    return null;
  }
  if (raw === undefined) return param.fallback;
  const value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(value >= param.min && value <= param.max)) {
    throw new FaultSpecError(`--faults: ${kind}=${raw} is not a number of ${param.unit} from ${param.min} to ${param.max}`);
  }
  return value;
}

const sum = (rules: FaultRule[]): number => rules.reduce((s, r) => s + r.probability, 0);
const round = (n: number): number => Math.round(n * 1000) / 1000;

/** The spec back as text (for logs): `503:0.3,slow=1500:0.5`. */
export function formatFaultSpec(rules: FaultRule[]): string {
  return rules.map((r) => `${r.kind}${r.value !== null && kindInfo(r.kind).param ? `=${r.value}` : ''}:${r.probability}`).join(',');
}

/** mulberry32: a tiny 32-bit PRNG, plenty for picking faults; the same seed gives the same draws. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks at most one rule with one draw: rule i wins when the draw falls in its slice. */
export function pick<R extends FaultRule>(rules: R[], draw: number): R | null {
  let edge = 0;
  for (const rule of rules) {
    edge += rule.probability;
    if (draw < edge) return rule;
  }
  return null;
}
