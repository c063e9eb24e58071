import { rename, writeFile } from 'node:fs/promises';

let tmpCount = 0;

/**
 * Write-then-rename, so a cancel or a reader mid-write never sees half a file
 * (results.json and the reports are read while the run goes on, and uploaded
 * by the post step of a cancelled job).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${++tmpCount}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}
