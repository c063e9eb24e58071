/**
 * Memory of `allhw run` with a large image: the image is streamed to the
 * service, never read whole, so the CLI's peak RSS must stay far below the
 * image's size (goal: under 150 MiB with a 64 MiB image).
 *
 * The image is the example firmware padded to 64 MiB (the emulated farm's
 * default limit, like a large real image): a valid
 * ELF (loaders ignore bytes past the sections), so the task really runs.
 * Peak RSS is the kernel's VmHWM of each process, read from /proc while it runs.
 *
 * Run: node_modules/.bin/node bench/memory.ts [MiB]
 */
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { procStatusKiB } from './proc-status.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const EXAMPLE = path.join(ROOT, 'examples/synth');
const imageMiB = Number(process.argv[2] ?? 64);
const KEY = 'bench-memory-key';

async function peakRssKiB(pid: number): Promise<number> {
  return (await procStatusKiB(pid)) ?? 0;
}

const work = await mkdtemp(path.join(os.tmpdir(), 'allhw-bench-mem-'));
try {
  const build = path.join(work, 'build');
  await run('cmake', ['-S', EXAMPLE, '-B', build, '-DBOARD=mps2_an500'], { maxBuffer: 1 << 26 });
  await run('cmake', ['--build', build], { maxBuffer: 1 << 26 });
  const image = path.join(work, 'big.elf');
  await copyFile(path.join(build, 'synth.elf'), image);
  const file = await open(image, 'a');
  const total = imageMiB * (1 << 20);
  const chunk = Buffer.alloc(1 << 20, 0xa5);
  for (let size = (await file.stat()).size; size < total; size += chunk.length) {
    await file.write(chunk.subarray(0, Math.min(chunk.length, total - size)));
  }
  await file.close();

  // The farm runs as its own process, as the real service would: the figure
  // is the client's alone (the server's is printed too).
  const serve = spawn(NODE, [path.join(ROOT, 'dist/cli.js'), 'serve', '--port', '0', '--boards', '1', '--key', KEY, '--max-image-mb', String(imageMiB + 1)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    serve.stdout.on('data', (d: Buffer) => {
      text += d;
      const [, address] = /allhw serve listening on (\S+)/.exec(text) ?? [];
      if (address !== undefined) resolve(address);
    });
    serve.on('close', () => reject(new Error(`serve exited: ${text}`)));
  });
  let servePeak = 0;
  const serveSampler = setInterval(async () => {
    servePeak = Math.max(servePeak, await peakRssKiB(serve.pid!));
  }, 20);

  try {
    const args = [
      path.join(ROOT, 'dist/cli.js'),
      'run',
      '--mode',
      'allhw',
      '--ci-url',
      url,
      '--build-system',
      'none',
      '--image',
      image,
      '--board',
      'mps2_an500',
      '--inputs',
      path.join(EXAMPLE, 'inputs/input-00.txt'),
      '--golden',
      path.join(EXAMPLE, 'golden.json'),
      '--exit-line',
      '#exit',
      '--results-dir',
      path.join(work, 'results'),
    ];
    const started = Date.now();
    const child = spawn(NODE, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ALLHW_API_KEY: KEY } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    let peak = 0;
    const sampler = setInterval(async () => {
      peak = Math.max(peak, await peakRssKiB(child.pid!));
    }, 20);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(sampler);
    const seconds = (Date.now() - started) / 1000;
    if (code !== 0) {
      console.error(output);
      throw new Error(`allhw run exited ${code}`);
    }
    console.log(`image: the example ELF padded to ${imageMiB} MiB`);
    console.log(
      `allhw run (1 input, result checked against golden): ${seconds.toFixed(1)} s, client peak RSS ${(peak / 1024).toFixed(1)} MiB (goal < 150 MiB)`,
    );
    console.log(`allhw serve (1 board): peak RSS ${(servePeak / 1024).toFixed(1)} MiB`);
  } finally {
    clearInterval(serveSampler);
    serve.kill('SIGTERM');
    await new Promise((resolve) => serve.on('close', resolve));
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
