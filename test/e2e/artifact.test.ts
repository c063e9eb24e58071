/**
 * The bundled action uploads its results as a runner would see it: the real
 * @actions/artifact client, a loopback stand-in of the Actions results
 * service and a real blob store (azurite). The zip is read back and listed.
 */
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArtifactService, type ArtifactService } from '../helpers/artifact-service.js';
import { actionEnv, copyExample, runNode } from './run-dist.js';

const exec = promisify(execFile);
let svc: ArtifactService;

beforeAll(async () => {
  svc = await startArtifactService();
});
afterAll(async () => {
  await svc?.close();
});

async function zipEntries(name: string, work: string): Promise<string[]> {
  const zip = path.join(work, `${name}.zip`);
  await writeFile(zip, await svc.download(name));
  const { stdout } = await exec('unzip', ['-Z1', zip]);
  return stdout.split('\n').filter(Boolean).sort();
}

async function runAction(work: string, project: string, inputs: Record<string, string>) {
  const summary = path.join(work, 'summary.md');
  const output = path.join(work, 'output.txt');
  await writeFile(summary, '');
  await writeFile(output, '');
  const r = await runNode(
    'dist/index.js',
    [],
    actionEnv(
      {
        toolchain: 'system',
        'project-dir': project,
        inputs: path.join(project, 'inputs/*.txt'),
        golden: path.join(project, 'golden.json'),
        'exit-line': '#exit',
        'results-dir': path.join(work, 'results'),
        ...inputs,
      },
      { ...svc.env, GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output, GITHUB_WORKSPACE: work, RUNNER_TEMP: work },
    ),
    work,
  );
  return { ...r, output: await readFile(output, 'utf8'), summary: await readFile(summary, 'utf8') };
}

describe('the action uploads its results as an artifact', () => {
  it('holds results, JUnit, summary, the build log and every UART log', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'allhw-artifact-'));
    const project = await copyExample(work);
    const r = await runAction(work, project, { 'artifact-name': 'model-on-board', 'retention-days': '7' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const stored = svc.artifacts.find((a) => a.name === 'model-on-board');
    expect(stored).toBeDefined();
    expect(stored!.expiresAt).not.toBeNull(); // retention-days reached the service
    expect(r.output).toContain(`artifact-id<<`);
    expect(r.output).toMatch(new RegExp(`artifact-id<<(\\S+)\\n${stored!.id}\\n`));
    const entries = await zipEntries('model-on-board', work);
    const results = JSON.parse(await readFile(path.join(work, 'results/results.json'), 'utf8'));
    const uartLogs = results.tasks.map((t: { log: string }) => t.log).sort();
    expect(uartLogs.length).toBeGreaterThan(0);
    // tasks.jsonl: the results store's journal of task ids and ends, uploaded with the rest.
    expect(entries).toEqual(['junit.xml', 'logs/build.log', ...uartLogs, 'results.json', 'summary.md', 'tasks.jsonl'].sort());
    expect(r.summary).toContain('model-on-board');
  });

  it('still uploads the build log and the results when the build fails', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'allhw-artifact-fail-'));
    const project = await copyExample(work);
    await appendFile(path.join(project, 'src/main.c'), '\nint broken(void) { return undeclared_symbol; }\n');
    const r = await runAction(work, project, { 'artifact-name': 'failed-build' });
    expect(r.code).toBe(1);
    // The step's reason is its first error annotation, titled.
    expect(r.stdout).toMatch(/::error title=All-HW CI failed::.*Build command failed/);
    // The compiler's error line reaches the log for the problem matcher.
    expect(r.stdout).toMatch(/main\.c:\d+:\d+: error: 'undeclared_symbol' undeclared/);
    const entries = await zipEntries('failed-build', work);
    expect(entries).toEqual(['junit.xml', 'logs/build.log', 'results.json', 'summary.md']);
    const log = await readFile(path.join(work, 'results/logs/build.log'), 'utf8');
    expect(log).toContain('undeclared_symbol');
    const results = JSON.parse(await readFile(path.join(work, 'results/results.json'), 'utf8'));
    expect(results.error).toMatch(/Build command failed/);
  });

  it('the post step of a cancelled job uploads what the main step left', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'allhw-artifact-post-'));
    await writeFile(path.join(work, 'marker.txt'), '');
    const results = path.join(work, 'results');
    await exec('mkdir', ['-p', path.join(results, 'logs/img')]);
    await writeFile(path.join(results, 'results.json'), '{"version":1}\n');
    await writeFile(path.join(results, 'logs/img/partial.uart.log'), 'allhw-ci synth AOT runtime\n#result:1,2');
    const r = await runNode(
      'dist/post.js',
      [],
      actionEnv({ inputs: 'x/*.txt', 'results-dir': results, 'artifact-name': 'cancelled-run' }, { ...svc.env, GITHUB_WORKSPACE: work, RUNNER_TEMP: work }),
      work,
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await zipEntries('cancelled-run', work)).toEqual(['logs/img/partial.uart.log', 'results.json']);
  });
});
