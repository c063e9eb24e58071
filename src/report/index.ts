/**
 * Writes the report files made from results.json into the results directory:
 * junit.xml and summary.md (results.json itself is the results store's),
 * each through a temp file and a rename so the artifact never holds half a file.
 */
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../common/disk-write.js';
import path from 'node:path';
import type { Results } from '../results/index.js';
import { renderJUnit } from './junit.js';
import { renderSummary, type SummaryOptions } from './summary.js';

export { emitAnnotations } from './annotations.js';
export { computeOutputs } from './outputs.js';
export { uploadResults, ArtifactNameClashError, type UploadedArtifact } from './artifact.js';
export { renderJUnit } from './junit.js';
export { baselineLine, renderSummary, renderTextTable } from './summary.js';
export { mdCell, mdCode } from './markdown.js';

export type ReportOptions = SummaryOptions;

export async function writeReportFiles(
  results: Results,
  dir: string,
  opts: ReportOptions = {},
): Promise<{ summaryMarkdown: string; files: string[] }> {
  await mkdir(dir, { recursive: true });
  const summaryMarkdown = renderSummary(results, opts);
  const junit = path.join(dir, 'junit.xml');
  const summary = path.join(dir, 'summary.md');
  await writeFileAtomic(junit, renderJUnit(results));
  await writeFileAtomic(summary, summaryMarkdown);
  return { summaryMarkdown, files: [junit, summary] };
}
