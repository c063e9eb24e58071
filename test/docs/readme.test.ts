/** What the README promises a user early on, checked against the code it describes. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import boards from '../../src/build/boards.json' with { type: 'json' };
import { REPO_ROOT } from '../helpers/firmware.js';

const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

/** The text of a `##`/`###` section (to the next heading of the same or a higher level). */
function section(title: string): string {
  const start = readme.search(new RegExp(`^#{2,3} ${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm'));
  expect(start, title).toBeGreaterThanOrEqual(0);
  const level = /^#+/.exec(readme.slice(start))![0].length;
  const rest = readme.slice(readme.indexOf('\n', start) + 1);
  const next = rest.search(new RegExp(`^#{2,${level}} `, 'm'));
  return next < 0 ? rest : rest.slice(0, next);
}

/** Every ```yaml block of a text, parsed (a block of steps is parsed as a list). */
function yamlBlocks(text: string): unknown[] {
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map(([, block = '']) => {
    const lines = block.split('\n');
    const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
    return parse(lines.map((l) => l.slice(indent)).join('\n'));
  });
}

describe('README', () => {
  it('says that the v1 tag does not exist yet and points at the release process', () => {
    const use = section('Use it in a workflow');
    expect(use).toMatch(/allhw-ci\/allhw-ci@v1/);
    expect(use).toMatch(/\*\*The `v1` tag\.\*\*[\s\S]*?until it exists[\s\S]*?\[Releases\]\(#releases\)/);
    expect(section('Releases')).toMatch(/moving major tag\s+`v1`/);
  });

  it('gives the baseline workflow the actions: read permission (and contents: read for the checkout)', () => {
    const pr = section('Pull requests: baseline, comment, forks, matrices');
    type Workflow = {
      permissions?: Record<string, string>;
      jobs: Record<string, { permissions?: Record<string, string>; steps: { uses?: string; with?: Record<string, string> }[] }>;
    };
    const flows = yamlBlocks(pr).filter((b): b is Workflow => typeof b === 'object' && b !== null && 'jobs' in b);
    const gated = flows.filter((w) => Object.values(w.jobs).some((j) => j.steps.some((st) => st.with?.baseline === 'auto')));
    expect(gated.length).toBeGreaterThan(0);
    for (const w of gated) {
      for (const job of Object.values(w.jobs)) {
        const permissions = { ...w.permissions, ...job.permissions };
        expect(permissions).toMatchObject({ actions: 'read' });
        if (job.steps.some((st) => st.uses?.startsWith('actions/checkout'))) expect(permissions).toMatchObject({ contents: 'read' });
      }
    }
  });

  it('says the fork-PR fallback builds BOARD=mps2_an500, which a microTVM project does not know, and points at model:', () => {
    expect(readme).toMatch(/\*\*Fork PRs\.\*\*[\s\S]*?`BOARD=mps2_an500`[\s\S]*?does not know that board[\s\S]*?`model:`/);
  });

  it('says what toolchain: latest downloads on a hosted job', () => {
    expect(readme).toMatch(/`toolchain: latest` downloads[\s\S]{0,80}about 92 MB[\s\S]{0,40}every GitHub-hosted job/);
  });

  it('shows Zephyr set up before the action, maps each board to its Zephyr board, and says what emulator mode needs', () => {
    const z = section('A microTVM Zephyr project');
    const steps = yamlBlocks(z)[0] as { steps: { uses?: string }[] };
    const uses = steps.steps.map((s) => s.uses);
    expect(uses.indexOf('zephyrproject-rtos/action-zephyr-setup@v1')).toBeGreaterThanOrEqual(0);
    expect(uses.indexOf('zephyrproject-rtos/action-zephyr-setup@v1')).toBeLessThan(uses.indexOf('allhw-ci/allhw-ci@v1'));
    for (const [name, info] of Object.entries(boards)) {
      if (name === 'mps2_an500') continue;
      expect(z, name).toContain(`| \`${name}\` | \`${info.zephyr}\` |`);
    }
    expect(z).toContain(
      `| \`mps2_an500\` (the emulated board) | \`${boards.mps2_an500.zephyr}\` (Zephyr 3.7 and newer; older Zephyr has no MPS2 AN500 board) |`,
    );
    expect(z).toMatch(/Emulator mode[\s\S]*?first UART[\s\S]*?`model:`/);
  });
});
