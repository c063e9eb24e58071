/**
 * Writes the report files made from results.json into the results directory:
 * junit.xml and summary.md (results.json itself is the results store's),
 * each through a temp file and a rename so the artifact never holds half a file.
 */
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../common/disk-write.js';
import path from 'node:path';
import { Redactor } from '../common/secrets.js';
import type { Results } from '../results/index.js';
import { renderJUnit } from './junit.js';
import { renderSummary, type SummaryOptions } from './summary.js';

export { emitAnnotations } from './annotations.js';
export { computeOutputs } from './outputs.js';
export { uploadResults, uploadWithStatus, ArtifactNameClashError, type ArtifactStatus, type UploadedArtifact } from './artifact.js';
export { collectProblems, describeProblem } from './problems.js';
export { renderJUnit } from './junit.js';
export { baselineLine, renderSummary, renderTextTable, type SummaryOptions } from './summary.js';
export { mdCell, mdCode } from './markdown.js';

export interface ReportOptions extends SummaryOptions {
  /** The run's redactor: the files are made from masked results, and redacted once more as written. */
  redactor?: Redactor;
}

export async function writeReportFiles(results: Results, dir: string, opts: ReportOptions = {}): Promise<{ summaryMarkdown: string; files: string[] }> {
  await mkdir(dir, { recursive: true });
  const redactor = opts.redactor ?? new Redactor();
  const summaryMarkdown = redactor.redact(renderSummary(results, opts));
  const junit = path.join(dir, 'junit.xml');
  const summary = path.join(dir, 'summary.md');
  await writeFileAtomic(junit, redactor.redact(renderJUnit(results)));
  await writeFileAtomic(summary, summaryMarkdown);
  return { summaryMarkdown, files: [junit, summary] };
}

/** Renders summary.md again (e.g. once the upload's outcome is known) and returns its Markdown. */
export async function rewriteSummary(results: Results, dir: string, opts: ReportOptions): Promise<string> {
  const markdown = renderSummary(results, opts);
  await writeFileAtomic(path.join(dir, 'summary.md'), markdown);
  return markdown;
}
