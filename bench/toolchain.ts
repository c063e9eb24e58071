/**
 * Figures of the toolchain stage, printed, not asserted:
 *  1. cold install (download + checksum + guarded extraction + version check +
 *     cache commit) against plain `curl | tar -xJ` of the same archive from
 *     the same loopback mirror (goal: at most 1.2x);
 *  2. a tool-cache hit (goal: well under a second, no network).
 * The archive is a full toolchain in Arm's layout made from the Debian
 * packages (~800 MB unpacked, xz -6 single-threaded like Arm's), built once
 * into .test-work/bench-toolchain/.
 *
 * Run: node_modules/.bin/node bench/toolchain.ts [--runs N]
 * (Node 24 strips the types; the hook below maps the sources' .js imports to .ts.)
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// The sources' `.js` imports resolve to the `.ts` files beside them (also when run without npm run bench).
await import(new URL('../scripts/ts-resolve.mjs', import.meta.url).href);
const { setupToolchain } = (await import('../src/toolchain/install.js')) as typeof import('../src/toolchain/install.js');
const { memoryLogger } = (await import('../src/common/log.js')) as typeof import('../src/common/log.js');
type VersionsTable = import('../src/toolchain/install.js').VersionsTable;

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORK = path.join(ROOT, '.test-work', 'bench-toolchain');
const NAME = 'arm-gnu-toolchain-12.2.rel1-x86_64-arm-none-eabi';
const FILE = `${NAME}.tar.xz`;
const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 3;

async function sh(script: string): Promise<void> {
  await run('bash', ['-euo', 'pipefail', '-c', script], { maxBuffer: 1 << 26 });
}

/** The bench archive and its sha256, built on first use. */
async function benchArchive(): Promise<{ file: string; sha256: string }> {
  const file = path.join(WORK, FILE);
  const sumFile = `${file}.sha256`;
  if (existsSync(sumFile)) return { file, sha256: (await readFile(sumFile, 'utf8')).trim() };
  await mkdir(WORK, { recursive: true });
  const tree = path.join(WORK, 'tree');
  const r = path.join(tree, NAME);
  console.log(`building ${file} from the Debian toolchain (once; a few minutes)...`);
  await sh(`rm -rf '${tree}'; mkdir -p '${r}/bin' '${r}/lib/gcc' '${r}/arm-none-eabi'
    cp -a /usr/bin/arm-none-eabi-* '${r}/bin/'
    cp -a /usr/lib/gcc/arm-none-eabi '${r}/lib/gcc/'
    cp -a /usr/lib/arm-none-eabi/bin /usr/lib/arm-none-eabi/ldscripts '${r}/arm-none-eabi/'
    cp -a /usr/lib/arm-none-eabi/newlib '${r}/arm-none-eabi/lib'
    cp -a /usr/include/newlib '${r}/arm-none-eabi/include'
    tar -C '${tree}' -cf - '${NAME}' | xz -6 -T1 > '${file}.partial'
    mv '${file}.partial' '${file}'; rm -rf '${tree}'`);
  const sha256 = createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
  await writeFile(sumFile, `${sha256}\n`);
  return { file, sha256 };
}

/** A loopback mirror streaming the archive from disk; counts requests. */
async function serve(file: string): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const size = (await stat(file)).size;
  const server = createServer((req, res) => {
    requests++;
    if (req.url !== `/${FILE}`) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** CPU seconds of this process plus the children it has waited for (Linux: /proc/self/stat). */
async function cpuSeconds(): Promise<number> {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const [, afterName] = (await readFile('/proc/self/stat', 'utf8')).split(') ');
    if (afterName === undefined) throw new Error('/proc/self/stat has no process name to skip');
    const fields = afterName.split(' ');
    // cutime and cstime: fields 16 and 17 of stat(5), in clock ticks (100 per second on Linux).
    children = (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    /* not Linux: own CPU only */
  }
  return (own.user + own.system) / 1e6 + children;
}

/** Wall seconds and CPU seconds (this process and its children, the mirror included) of fn. */
async function timed(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c0 = await cpuSeconds();
  const t0 = performance.now();
  await fn();
  return { wall: (performance.now() - t0) / 1000, cpu: (await cpuSeconds()) - c0 };
}

async function curlTar(url: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  const child = spawn('bash', ['-euo', 'pipefail', '-c', `curl -sSf '${url}/${FILE}' | tar -xJ -C '${dest}'`], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`curl | tar exited ${code}`);
}

const { file, sha256 } = await benchArchive();
const size = (await stat(file)).size;
const mirror = await serve(file);
const scratch = await mkdtemp(path.join(os.tmpdir(), 'allhw-bench-tc-'));
const table: VersionsTable = {
  version: 1,
  releases: [
    {
      name: '12.2.Rel1',
      gccVersion: '12.2.1',
      hosts: {
        'linux-x64': { file: FILE, url: `${mirror.url}/${FILE}`, mirrors: [], checksum: { algorithm: 'sha256', value: sha256 }, checksumSource: 'bench' },
      },
    },
  ],
};
const options = (toolCacheDir: string) => ({
  spec: '12.2.Rel1',
  table,
  platform: 'linux' as const,
  arch: 'x64',
  toolCacheDir,
  tempDir: path.join(scratch, 'temp'),
  log: memoryLogger(),
  searchPath: process.env.PATH ?? '',
});

console.log(`archive: ${FILE}, ${(size / 1e6).toFixed(1)} MB xz; ${os.cpus().length} CPUs; ${RUNS} runs each, alternating`);
const baseline: { wall: number; cpu: number }[] = [];
const cold: { wall: number; cpu: number }[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const a = path.join(scratch, `curl-${i}`);
    const b = await timed(() => curlTar(mirror.url, a));
    baseline.push(b);
    await rm(a, { recursive: true, force: true });
    const cache = path.join(scratch, `cache-${i}`);
    const c = await timed(() => setupToolchain(options(cache)));
    cold.push(c);
    if (i < RUNS - 1) await rm(cache, { recursive: true, force: true });
    console.log(
      `  run ${i + 1}: curl | tar -xJ ${b.wall.toFixed(2)} s (CPU ${b.cpu.toFixed(2)} s), setupToolchain cold ${c.wall.toFixed(2)} s (CPU ${c.cpu.toFixed(2)} s)`,
    );
  }
  const hitCache = path.join(scratch, `cache-${RUNS - 1}`);
  const before = mirror.requests();
  const hits: number[] = [];
  for (let i = 0; i < 5; i++) hits.push((await timed(() => setupToolchain(options(hitCache)))).wall);
  const row = (label: string, xs: { wall: number; cpu: number }[]): string =>
    `${label.padEnd(22)} wall ${median(xs.map((x) => x.wall)).toFixed(2)} s median, ${Math.min(...xs.map((x) => x.wall)).toFixed(2)} s best; CPU ${median(xs.map((x) => x.cpu)).toFixed(2)} s`;
  const ratio = (f: (xs: number[]) => number, key: 'wall' | 'cpu'): string => (f(cold.map((x) => x[key])) / f(baseline.map((x) => x[key]))).toFixed(2);
  console.log('');
  console.log(row('curl | tar -xJ', baseline));
  console.log(row('setupToolchain cold', cold));
  console.log(
    `ratio cold / curl|tar     wall ${ratio(median, 'wall')}x median, ${ratio((xs) => Math.min(...xs), 'wall')}x best (goal <= 1.20x); CPU ${ratio(median, 'cpu')}x`,
  );
  console.log(
    `setupToolchain cache hit  ${(median(hits) * 1000).toFixed(0)} ms median of 5 (max ${(Math.max(...hits) * 1000).toFixed(0)} ms), ${mirror.requests() - before} requests`,
  );
  console.log(
    `load average              ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} CPUs (wall figures are noisy when it is high; CPU less so)`,
  );
} finally {
  await mirror.close();
  await rm(scratch, { recursive: true, force: true });
}
