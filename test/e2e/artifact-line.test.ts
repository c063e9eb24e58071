/**
 * The summary's artifact line says what happened to the upload: uploaded
 * (name, id, link), not uploaded (no Actions runtime), or failed (a name
 * clash, with the advice). The pipeline runs for real up to an early stop
 * (the inputs match no file), the upload against the loopback stand-in of the
 * Actions results service with the real @actions/artifact client.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type InputName } from '../../src/config.js';
import { memoryLogger } from '../../src/common/log.js';
import { runPipeline } from '../../src/pipeline.js';
import { startArtifactService, type ArtifactService } from '../helpers/artifact-service.js';

let svc: ArtifactService;
beforeAll(async () => {
  svc = await startArtifactService();
});
afterAll(async () => {
  await svc?.close();
});

const REPO_ENV = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'octo/model', GITHUB_RUN_ID: '4242' };

async function stoppedEarly(name: string, env: NodeJS.ProcessEnv) {
  const work = await mkdtemp(path.join(os.tmpdir(), 'allhw-artifact-line-'));
  const values: Partial<Record<InputName, string>> = { inputs: 'nothing-here/*.txt', 'artifact-name': name, 'results-dir': 'results', mode: 'emulator' };
  const config = parseConfig((n) => values[n]);
  const outcome = await runPipeline(config, memoryLogger(), { githubActions: true, env, workspace: work });
  const lastLine = outcome.summaryMarkdown.trimEnd().split('\n').at(-1)!;
  const file = await readFile(path.join(outcome.resultsDir, 'summary.md'), 'utf8');
  return { outcome, lastLine, file };
}

describe("the summary's artifact line", () => {
  it('names the uploaded artifact, its id and its link', async () => {
    const { outcome, lastLine } = await stoppedEarly('line-uploaded', { ...svc.env, ...REPO_ENV });
    const id = svc.artifacts.find((a) => a.name === 'line-uploaded')!.id;
    expect(outcome.outputs['artifact-id']).toBe(String(id));
    expect(lastLine).toBe(
      `📦 Artifact [\`line-uploaded\`](https://github.com/octo/model/actions/runs/4242/artifacts/${id}) (id ${id}): results.json, junit.xml, summary.md and the logs.`,
    );
  });

  it('says nothing was uploaded, and why, without an Actions runtime', async () => {
    const { lastLine, file } = await stoppedEarly('line-local', { ...REPO_ENV });
    // (Markdown-escaped: ACTIONS\_RUNTIME\_TOKEN renders as ACTIONS_RUNTIME_TOKEN.)
    expect(lastLine).toMatch(
      /^📦 No artifact was uploaded: not on GitHub Actions \(no ACTIONS\\_RUNTIME\\_TOKEN\/ACTIONS\\_RESULTS\\_URL\)\. The results directory `[^`]*results` holds/,
    );
    expect(lastLine).not.toMatch(/download/);
    // The file in the results directory says the same.
    expect(file.trimEnd().split('\n').at(-1)).toBe(lastLine);
  });

  it('says the upload failed on a name clash, and what to set', async () => {
    await stoppedEarly('line-clash', { ...svc.env });
    const { outcome, lastLine } = await stoppedEarly('line-clash', { ...svc.env });
    expect(outcome.failed).toBe(true);
    expect(outcome.outputs['artifact-id']).toBe('');
    expect(lastLine).toMatch(/^📦 The artifact upload failed: An artifact named 'line-clash' already exists in this workflow run.*Set 'artifact-name'/);
    expect(lastLine).not.toMatch(/download it/);
  });
});
