/**
 * The README's workflows are meant to be copied as they are: each one parses,
 * every input it gives the action exists in action.yml, and the permissions
 * each of its steps needs (README, "What each feature needs") are granted.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './helpers/firmware.js';

const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const action = parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> };

type Permissions = Record<string, string> | 'read-all' | 'write-all' | undefined;
interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Permissions;
  steps?: Step[];
}
interface Workflow {
  on: unknown;
  permissions?: Permissions;
  jobs: Record<string, Job>;
}

const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map(([, block = '']) => block);
const workflows = blocks.filter((b) => /^jobs:/m.test(b)).map((b) => parse(b) as Workflow);

/** The permission levels a job's token has: the job's own list, else the workflow's; unlisted ones are none. */
function granted(wf: Workflow, job: Job): (scope: string) => string {
  const p = job.permissions ?? wf.permissions;
  // No list: the repository's default, which is read-only for repositories made since 2023.
  if (p === undefined) return (scope) => (scope === 'contents' || scope === 'actions' || scope === 'pull-requests' ? 'read' : 'none');
  if (p === 'write-all') return () => 'write';
  if (p === 'read-all') return () => 'read';
  return (scope) => p[scope] ?? 'none';
}

const atLeast = (have: string, need: string): boolean => (need === 'read' ? have === 'read' || have === 'write' : have === 'write');

/** What a step of this action needs, from its inputs (defaults from action.yml). */
function needs(step: Step, events: string[]): Record<string, string> {
  const input = (name: string): string => String(step.with?.[name] ?? action.inputs[name]?.default ?? '');
  const out: Record<string, string> = {};
  const mode = input('mode');
  if (input('baseline') === 'auto' || mode === 'merge' || mode === 'comment') out.actions = 'read';
  const commenting = input('comment') !== 'never' && !input('shard');
  if (commenting && (mode === 'comment' || events.includes('pull_request'))) out['pull-requests'] = 'write';
  return out;
}

function eventsOf(on: unknown): string[] {
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return Object.keys(on as object);
}

describe("the README's workflows", () => {
  it('are there: the PR, fork (workflow_run) and matrix workflows', () => {
    const all = workflows.map((w) => JSON.stringify(w));
    expect(workflows.length).toBeGreaterThanOrEqual(4);
    expect(all.some((w) => w.includes('"baseline":"auto"'))).toBe(true);
    expect(all.some((w) => w.includes('"mode":"comment"') && w.includes('workflow_run'))).toBe(true);
    expect(all.some((w) => w.includes('"mode":"merge"') && w.includes('"shard"'))).toBe(true);
  });

  for (const [n, wf] of workflows.entries()) {
    const name = `workflow ${n + 1} (${Object.keys(wf.jobs).join(', ')})`;
    it(`${name}: gives only inputs action.yml declares`, () => {
      for (const job of Object.values(wf.jobs)) {
        for (const step of job.steps ?? []) {
          if (!step.uses?.startsWith('allhw-ci/allhw-ci@')) continue;
          for (const key of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs), `input '${key}'`).toContain(key);
        }
      }
    });

    it(`${name}: grants the permissions its steps need`, () => {
      const events = eventsOf(wf.on);
      for (const [jobName, job] of Object.entries(wf.jobs)) {
        const has = granted(wf, job);
        for (const step of job.steps ?? []) {
          const need = step.uses?.startsWith('allhw-ci/allhw-ci@')
            ? needs(step, events)
            : step.uses?.startsWith('actions/checkout@')
              ? { contents: 'read' }
              : {};
          for (const [scope, level] of Object.entries(need)) {
            expect(atLeast(has(scope), level), `job '${jobName}', step ${step.uses}: needs ${scope}: ${level}`).toBe(true);
          }
        }
      }
    });
  }

  it('the fork workflow never checks out code', () => {
    const fork = workflows.find((w) => eventsOf(w.on).includes('workflow_run'))!;
    const uses = Object.values(fork.jobs).flatMap((j) => (j.steps ?? []).map((s) => s.uses ?? ''));
    expect(uses.some((u) => u.startsWith('actions/checkout'))).toBe(false);
  });
});
