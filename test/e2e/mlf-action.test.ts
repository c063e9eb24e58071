/**
 * The README's "From an MLF tarball" workflow as a fork PR runs it: no key,
 * only `model`, `inputs` and `golden`; the bundled action generates the
 * project from the real letscope.tar, builds it for the emulated board, runs
 * the author's sample and passes, with the project kept in the results.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/firmware.js';
import { actionEnv, runNode } from './run-dist.js';

describe('dist/index.js with model: (a fork PR, no key)', () => {
  it('generates, builds for the emulated board, runs letscope and passes against its golden output', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'allhw-mlf-action-'));
    const summary = path.join(work, 'summary.md');
    await writeFile(summary, '');
    const example = path.join(REPO_ROOT, 'examples/mlf');
    const r = await runNode(
      'dist/index.js',
      [],
      actionEnv(
        {
          'ci-api-key': '',
          toolchain: 'system',
          model: path.join(example, 'letscope.tar'),
          board: 'f746_disco',
          inputs: path.join(example, 'inputs/*.txt'),
          golden: path.join(example, 'golden.json'),
          'results-dir': path.join(work, 'results'),
        },
        { GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: work, RUNNER_TEMP: work },
      ),
      work,
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/instead of 'f746_disco'/);
    expect(r.stdout).toMatch(/Emulator mode: the project is built for mps2_an500/);
    const results = JSON.parse(await readFile(path.join(work, 'results/results.json'), 'utf8'));
    expect(results.results.map((x: { input: string; status: string; outputs: number[] }) => [x.input, x.status, x.outputs])).toEqual([
      ['sample-01.txt', 'passed', [72]],
    ]);
    expect(results.images[0].size.memory.flash.weights).toBeGreaterThan(512 * 512);
    expect(existsSync(path.join(work, 'results/project/CMakeLists.txt'))).toBe(true);
    expect(await readFile(summary, 'utf8')).toMatch(/Flash: weights/);
  });

  it('a file that is not a tarball fails the step before the toolchain, saying so', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'allhw-mlf-action-'));
    await writeFile(path.join(work, 'model.tar'), 'not a tarball\n');
    await writeFile(path.join(work, 'in.txt'), '#input:1\n');
    const r = await runNode(
      'dist/index.js',
      [],
      actionEnv({ toolchain: 'system', model: 'model.tar', inputs: 'in.txt', 'results-dir': 'res' }, { GITHUB_WORKSPACE: work, RUNNER_TEMP: work }),
      work,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/::error( title=[^:]*)?::.*The model file .*model\.tar is not a tar archive/);
    expect(r.stdout).not.toMatch(/== Toolchain|::group::Toolchain/);
  });

  it("says that 'project-dir' does not apply with 'model'", async () => {
    const r = await runNode('dist/index.js', [], actionEnv({ inputs: 'x.txt', model: 'model.tar', 'project-dir': 'model/project' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("::error::Input 'project-dir' does not apply with 'model'");
  });

  it("the bundle takes firmware/ from the action's own directory, wherever it is installed and run from", async () => {
    // An installed action (as a runner checks it out) under a folder that also holds a decoy firmware/.
    const top = await mkdtemp(path.join(os.tmpdir(), 'allhw-mlf-install-'));
    const action = path.join(top, '_actions/allhw-ci/v1');
    for (const part of ['dist', 'firmware', 'cmake', 'matchers', 'action.yml'])
      await cp(path.join(REPO_ROOT, part), path.join(action, part), { recursive: true });
    await mkdir(path.join(top, 'firmware/mlf'), { recursive: true });
    await writeFile(path.join(top, 'firmware/mlf/main.c'), '#error the decoy\n');
    const work = path.join(top, 'work');
    await mkdir(work);
    const letscope = path.join(REPO_ROOT, 'examples/mlf/letscope.tar');
    const generate = (out: string) =>
      runNode(path.join(action, 'dist/cli.js'), ['generate', '--model', letscope, '--out', out, '--board', 'f746_disco'], {}, work);
    const ok = await generate('gen');
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(await readFile(path.join(work, 'gen/firmware/mlf/main.c'), 'utf8')).toBe(await readFile(path.join(REPO_ROOT, 'firmware/mlf/main.c'), 'utf8'));
    // Without its firmware/ the action says it is incomplete rather than take the decoy above it.
    await cp(path.join(REPO_ROOT, 'dist'), path.join(top, 'bare/dist'), { recursive: true });
    await cp(path.join(REPO_ROOT, 'action.yml'), path.join(top, 'bare/action.yml'));
    const bare = await runNode(path.join(top, 'bare/dist/cli.js'), ['generate', '--model', letscope, '--out', 'gen2'], {}, work);
    expect(bare.code).not.toBe(0);
    expect(bare.stdout + bare.stderr).toMatch(/allhw-ci is incomplete: 'firmware' was not found in the action's directory/);
    expect(existsSync(path.join(work, 'gen2/firmware/mlf/main.c'))).toBe(false);
  });
});
