/**
 * A repository's GitHub for the PR-loop tests: the REST stand-in, the
 * artifact service stand-in (real @actions/artifact, azurite), and helpers
 * that make workflow runs with a results artifact uploaded for real.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { memoryLogger } from '../../src/common/log.js';
import { uploadResults } from '../../src/report/artifact.js';
import type { Results } from '../../src/results/types.js';
import type { GitHubContext } from '../../src/github/context.js';
import { startArtifactService, type ArtifactService } from '../helpers/artifact-service.js';
import { startGitHubApi, type GitHubStandIn, type StandInRun } from '../helpers/github-api.js';

export const WRITE_TOKEN = 'ghs_writeTOKEN0123456789abcdefABCDEF';
export const READ_TOKEN = 'ghs_readonlyTOKEN0123456789abcdefABC';
export const WORKFLOW = 'allhw.yml';

export interface World {
  gh: GitHubStandIn;
  artifacts: ArtifactService;
  work: string;
  /** Adds a completed run; with `results`, uploads them as its artifact `name`. */
  addRun(run: Partial<StandInRun> & { id: number }, results?: Results, name?: string): Promise<StandInRun>;
  context(over?: Partial<GitHubContext>): GitHubContext;
  close(): Promise<void>;
}

export async function startWorld(opts: { private?: boolean } = {}): Promise<World> {
  const gh = await startGitHubApi({ private: opts.private });
  // What the runner sets; @actions/github reads it once, when first loaded:
  // test files import the sources that load it only after this (dynamic import).
  process.env.GITHUB_API_URL = gh.url;
  const artifacts = await startArtifactService();
  gh.tokens.set(WRITE_TOKEN, { actions: 'read', pullRequests: 'write' });
  gh.tokens.set(READ_TOKEN, { actions: 'read', pullRequests: 'read' });
  const work = await mkdtemp(path.join(os.tmpdir(), 'allhw-prloop-'));
  let artifactId = 0;
  return {
    gh,
    artifacts,
    work,
    async addRun(over, results, name = 'allhw-results') {
      const run: StandInRun = {
        workflow: WORKFLOW,
        head_sha: `${over.id}`.padStart(40, 'a'),
        head_branch: 'main',
        event: 'push',
        created_at: new Date(Date.UTC(2026, 0, 1) + over.id * 60_000).toISOString(),
        conclusion: 'success',
        status: 'completed',
        headRepository: `${gh.owner}/${gh.repo}`,
        ...over,
      };
      gh.runs.push(run);
      if (results) {
        const dir = await mkdtemp(path.join(work, `run-${run.id}-`));
        await writeFile(path.join(dir, 'results.json'), JSON.stringify(results));
        artifacts.newRun();
        await uploadResults({ dir, name, retentionDays: null, env: { ...artifacts.env }, log: memoryLogger() });
        const stored = artifacts.artifacts.at(-1)!;
        gh.artifacts.push({ id: ++artifactId + 100, name, runId: run.id, blobUrl: artifacts.blobUrl(stored), size: stored.size });
      }
      return run;
    },
    context(over = {}) {
      return {
        owner: gh.owner,
        repo: gh.repo,
        serverUrl: 'https://github.com',
        apiUrl: gh.url,
        eventName: 'pull_request',
        workflowFile: WORKFLOW,
        runId: 5000,
        refName: 'feature',
        sha: 'f'.repeat(40),
        pullRequest: { number: 7, baseRef: 'main', headSha: 'e'.repeat(40), headRepo: `${gh.owner}/${gh.repo}` },
        payload: {},
        ...over,
      };
    },
    async close() {
      await gh.close();
      await artifacts.close();
    },
  };
}
