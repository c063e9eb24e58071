/**
 * The generic MLF firmware's board-independent parts, built with the
 * machine's gcc and run on the host (firmware/mlf/host): value parsing for
 * every dtype (edges, out of range, malformed), float32 printing that is
 * glibc's "%.9g" and reads back to the same bits (subnormals, nan, inf, -0),
 * float32 reading that agrees with strtof, the protocol with a five-input,
 * three-output fake model, and the workspace allocator.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const HOST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../firmware/mlf/host');
const TMP = mkdtempSync(path.join(os.tmpdir(), 'mlf-host-test-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('firmware/mlf on the host', () => {
  it('parses, prints and round-trips values, answers the protocol, allocates the workspace', async () => {
    const r = await run('make', ['-s', '-C', HOST_DIR, `BUILD_DIR=${TMP}`, 'test'], { maxBuffer: 1 << 24 }).catch((e: { stdout: string; stderr: string }) => e);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  }, 120_000);
});
