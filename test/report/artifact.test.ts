import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/common/log.js';
import { ArtifactNameClashError, listFiles, uploadResults } from '../../src/report/artifact.js';
import { writeReportFiles } from '../../src/report/index.js';
import { startArtifactService, type ArtifactService } from '../helpers/artifact-service.js';
import { mixedRun, results } from './fixtures.js';

const run = promisify(execFile);

/** Unpacks a zip with Debian's unzip and returns path → bytes of every file in it. */
async function unzipAll(zip: Buffer): Promise<Map<string, Buffer>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'unzip-'));
  try {
    await writeFile(path.join(dir, 'a.zip'), zip);
    await run('unzip', ['-q', 'a.zip', '-d', 'out'], { cwd: dir });
    const out = path.join(dir, 'out');
    const files = new Map<string, Buffer>();
    for (const f of await listFiles(out)) files.set(path.relative(out, f), await readFile(f));
    return files;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'allhw-artifact-'));
}

describe('uploadResults with the real @actions/artifact client', () => {
  let svc: ArtifactService;
  beforeAll(async () => {
    svc = await startArtifactService();
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('uploads the logs and reports of a run whose build failed', async () => {
    const dir = await tempDir();
    const buildLog = 'cmake --build build\nsrc/model.c:12:5: error: expected ; before } token\nmake: *** [all] Error 1\n';
    await mkdir(path.join(dir, 'logs'), { recursive: true });
    await writeFile(path.join(dir, 'logs/build.log'), buildLog);
    const failed = results({ images: [], error: 'build failed: cmake --build exited with code 2 (see logs/build.log)' });
    await writeFile(path.join(dir, 'results.json'), JSON.stringify(failed, null, 2));
    await writeReportFiles(failed, dir, { artifactName: 'build-failed' });

    const log = memoryLogger();
    const up = await uploadResults({ dir, name: 'build-failed', retentionDays: 3, env: { ...svc.env }, log });
    expect(up).toEqual({ id: expect.any(Number), name: 'build-failed', files: 4 });
    expect(svc.artifacts.find((a) => a.name === 'build-failed')?.id).toBe(up!.id);

    const files = await unzipAll(await svc.download('build-failed'));
    expect([...files.keys()].sort()).toEqual(['junit.xml', 'logs/build.log', 'results.json', 'summary.md']);
    expect(files.get('logs/build.log')!.toString()).toBe(buildLog);
    expect(JSON.parse(files.get('results.json')!.toString()).error).toMatch(/build failed/);
    expect(files.get('junit.xml')!.toString()).toContain('type="run-stopped"');
    expect(files.get('summary.md')!.toString()).toContain('The run stopped early: build failed');

    // retention-days reaches the service as an expiry date about 3 days out.
    const create = svc.calls.find((c) => c.method === 'CreateArtifact' && c.body.name === 'build-failed')!;
    const days = (Date.parse(String(create.body.expires_at)) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(2.9);
    expect(days).toBeLessThan(3.1);
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps UART logs byte for byte, nested per image', async () => {
    const dir = await tempDir();
    const uart = Buffer.concat([Buffer.from('Zephyr AOT Runtime\r\n#result:1,2:300\n'), Buffer.from([0, 0xff, 0x1b, 0x80]), Buffer.from('\n')]);
    await mkdir(path.join(dir, 'logs/synth'), { recursive: true });
    await writeFile(path.join(dir, 'logs/synth/t-1.uart.log'), uart);
    await writeFile(path.join(dir, 'logs/synth/t-2.uart.log'), ''); // a board that said nothing
    await writeFile(path.join(dir, 'logs/build.log'), 'ok\n');
    const r = mixedRun();
    await writeFile(path.join(dir, 'results.json'), JSON.stringify(r));
    await writeReportFiles(r, dir, { artifactName: 'with-uart' });

    const up = await uploadResults({ dir, name: 'with-uart', retentionDays: null, env: { ...svc.env }, log: memoryLogger() });
    expect(up?.files).toBe(6);
    const files = await unzipAll(await svc.download('with-uart'));
    expect(files.get('logs/synth/t-1.uart.log')!.equals(uart)).toBe(true);
    expect(files.get('logs/synth/t-2.uart.log')!.length).toBe(0);
    expect(files.has('junit.xml') && files.has('summary.md')).toBe(true);
    expect(svc.calls.find((c) => c.method === 'CreateArtifact' && c.body.name === 'with-uart')!.body.expires_at).toBeUndefined();
    await rm(dir, { recursive: true, force: true });
  });

  it('turns a duplicate name (409) into an actionable message', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'results.json'), '{}');
    const opts = { dir, name: 'matrix-clash', retentionDays: null, env: { ...svc.env }, log: memoryLogger() };
    await uploadResults(opts);
    const second = uploadResults(opts);
    await expect(second).rejects.toBeInstanceOf(ArtifactNameClashError);
    await expect(second).rejects.toThrow(/'matrix-clash' already exists.*Set 'artifact-name' to a unique name/);
    expect(svc.calls.filter((c) => c.body.name === 'matrix-clash').map((c) => c.status)).toEqual([200, 200, 409]);
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves process.env as it found it', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'results.json'), '{}');
    const before = { token: process.env.ACTIONS_RUNTIME_TOKEN, url: process.env.ACTIONS_RESULTS_URL };
    await uploadResults({ dir, name: 'env-check', retentionDays: null, env: { ...svc.env }, log: memoryLogger() });
    expect({ token: process.env.ACTIONS_RUNTIME_TOKEN, url: process.env.ACTIONS_RESULTS_URL }).toEqual(before);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('uploadResults outside GitHub Actions', () => {
  it('skips the upload with one notice and returns null', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'results.json'), '{}');
    const log = memoryLogger();
    const up = await uploadResults({ dir, name: 'allhw-results', retentionDays: null, env: { ACTIONS_RESULTS_URL: 'http://x/' }, log });
    expect(up).toBeNull();
    expect(log.lines).toEqual([expect.stringMatching(/^notice: Not on GitHub Actions .*no artifact uploaded; the results are in /)]);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a name the artifact service would refuse, naming the input', async () => {
    const log = memoryLogger();
    await expect(
      uploadResults({
        dir: os.tmpdir(),
        name: 'results/board:a',
        retentionDays: null,
        env: { ACTIONS_RUNTIME_TOKEN: 'a.b', ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/' },
        log,
      }),
    ).rejects.toThrow(/'artifact-name' may not contain/);
  });
});
