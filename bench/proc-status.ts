/** A process's memory figure from /proc/<pid>/status, in KiB (VmHWM: its peak RSS so far); null once it has exited. */
import { readFile } from 'node:fs/promises';

export async function procStatusKiB(pid: number, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
