/**
 * Uploads the whole results directory (results.json, junit.xml, summary.md,
 * logs/build.log, every UART log) as one artifact with @actions/artifact.
 * Meant for a `finally`: it uploads whatever is there, also after a failure.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../common/log.js';
import { plural } from '../common/text.js';
import { redactSecretParams } from '../common/redact.js';
import { withProcessEnv } from '../common/process-env.js';

export interface UploadOptions {
  dir: string;
  name: string;
  /** 1–90; null: the repository's default. */
  retentionDays: number | null;
  /** The environment to take the Actions runtime variables from (passed in, never read here). */
  env: NodeJS.ProcessEnv;
  log: Logger;
}

export interface UploadedArtifact {
  id: number | null;
  name: string;
  files: number;
}

/** What became of the upload, for the summary's artifact line. */
export type ArtifactStatus =
  /** summary.md as written into the results directory, before its upload. */
  | { state: 'pending'; name: string }
  | { state: 'uploaded'; name: string; id: number | null; url: string | null; files: number }
  | { state: 'skipped'; why: string; dir: string }
  | { state: 'failed'; name: string; why: string; dir: string };

/** The artifact's page: the run's summary page lists it there (only with the run's repository, id and server). */
export function artifactUrl(env: NodeJS.ProcessEnv, id: number | null): string | null {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  if (id === null || !server || !repo || !run) return null;
  return `${server.replace(/\/+$/, '')}/${repo}/actions/runs/${run}/artifacts/${id}`;
}

export class ArtifactNameClashError extends Error {
  constructor(name: string) {
    super(
      `An artifact named '${name}' already exists in this workflow run: artifact names must be unique per run ` +
        `(jobs of a matrix, or two steps of this action, each need their own). Set 'artifact-name' to a unique name, ` +
        `e.g. artifact-name: ${name}-\${{ matrix.board }}.`,
    );
    this.name = 'ArtifactNameClashError';
  }
}

/** The characters @actions/artifact refuses in a name. */
const FORBIDDEN = /["':<>|*?\r\n\\/]/;

/** Checks an artifact name up front, so the message names our input rather than the library's internals. */
export function checkArtifactName(name: string): void {
  if (name.trim() === '') throw new Error("Artifact name is empty: set 'artifact-name' (default allhw-results).");
  const bad = name.match(FORBIDDEN);
  if (bad) {
    throw new Error(`Artifact name '${name}' contains ${JSON.stringify(bad[0])}: 'artifact-name' may not contain " : < > | * ? \\ / ' or line breaks.`);
  }
}

/** Every regular file under dir, sorted; temporary files of interrupted writes left out. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && !e.name.endsWith('.tmp')) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/** The variables @actions/artifact reads from process.env (it has no other way to receive them). */
const CLIENT_ENV = [
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RESULTS_URL',
  'GITHUB_SERVER_URL',
  'ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY',
  'ACTIONS_ARTIFACT_UPLOAD_TIMEOUT_MS',
] as const;

/** Runs fn with the client's variables taken from `env` (and only from it). */
function withClientEnv<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  return withProcessEnv(CLIENT_ENV, env, fn);
}

/**
 * Uploads the results directory. Returns null (after one notice) outside
 * GitHub Actions or when there is nothing to upload. Throws
 * ArtifactNameClashError on a duplicate name, Error on other failures.
 */
export async function uploadResults(opts: UploadOptions): Promise<UploadedArtifact | null> {
  const done = await tryUpload(opts);
  return 'skipped' in done ? null : done;
}

/** The upload, as the summary tells it: never throws, except ArtifactNameClashError (which fails the step). */
export async function uploadWithStatus(opts: UploadOptions): Promise<ArtifactStatus> {
  try {
    const done = await tryUpload(opts);
    if ('skipped' in done) return { state: 'skipped', why: done.skipped, dir: opts.dir };
    return { state: 'uploaded', name: done.name, id: done.id, url: artifactUrl(opts.env, done.id), files: done.files };
  } catch (e) {
    if (e instanceof ArtifactNameClashError) throw e;
    opts.log.warning(`Artifact upload failed: ${(e as Error).message}`);
    return { state: 'failed', name: opts.name, why: (e as Error).message, dir: opts.dir };
  }
}

async function tryUpload(opts: UploadOptions): Promise<UploadedArtifact | { skipped: string }> {
  const { dir, name, log } = opts;
  if (!opts.env.ACTIONS_RUNTIME_TOKEN || !opts.env.ACTIONS_RESULTS_URL) {
    log.notice(`Not on GitHub Actions (no ACTIONS_RUNTIME_TOKEN/ACTIONS_RESULTS_URL): no artifact uploaded; the results are in ${dir}`);
    return { skipped: 'not on GitHub Actions (no ACTIONS_RUNTIME_TOKEN/ACTIONS_RESULTS_URL)' };
  }
  checkArtifactName(name);
  let files: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    files = await listFiles(dir);
  } catch (e) {
    const why = `the results directory ${dir} cannot be read (${(e as Error).message})`;
    log.warning(`No artifact uploaded: ${why}.`);
    return { skipped: why };
  }
  if (files.length === 0) {
    log.warning(`No artifact uploaded: the results directory ${dir} is empty.`);
    return { skipped: `the results directory ${dir} is empty` };
  }

  const options = opts.retentionDays === null ? {} : { retentionDays: opts.retentionDays };
  let id: number | undefined;
  let size: number | undefined;
  try {
    // Loaded only when uploading: the client (with the Azure SDK) is most of
    // the bundle, and a run outside GitHub, or one that fails early, never needs it.
    const { DefaultArtifactClient } = await import('@actions/artifact');
    ({ id, size } = await withClientEnv(opts.env, () => new DefaultArtifactClient().uploadArtifact(name, files, dir, options)));
  } catch (e) {
    const message = redactSecretParams((e as Error).message ?? String(e));
    if (/\(409\)|already exists/i.test(message)) throw new ArtifactNameClashError(name);
    throw new Error(`Uploading the artifact '${name}' (${plural(files.length, 'file')} from ${dir}) failed: ${message}`);
  }
  log.info(`Uploaded artifact '${name}': ${plural(files.length, 'file')}${size !== undefined ? `, ${size} bytes zipped` : ''}, id ${id ?? 'unknown'}`);
  return { id: id ?? null, name, files: files.length };
}
