/**
 * The example "generated project" (examples/synth): builds for both boards
 * with the Debian GNU Arm toolchain, runs on QEMU's mps2-an500 and answers
 * exactly golden.json, and the host build reproduces golden.json.
 *
 * Builds go to a temporary directory under os.tmpdir().
 */
import { describe, it, expect, afterAll } from 'vitest';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const EXAMPLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/synth');
const INPUT_DIR = path.join(EXAMPLE_DIR, 'inputs');
const TMP = mkdtempSync(path.join(os.tmpdir(), 'synth-example-test-'));

afterAll(() => {
  rmSync(TMP, { recursive: true, force: true });
});

type Board = 'f746_disco' | 'mps2_an500';

interface Golden {
  version: number;
  model: string;
  output_shape: number[];
  outputs: Record<string, number[]>;
}

const golden: Golden = JSON.parse(readFileSync(path.join(EXAMPLE_DIR, 'golden.json'), 'utf8'));
const inputNames = readdirSync(INPUT_DIR)
  .filter((f) => /^input-\d\d\.txt$/.test(f))
  .sort();
const inputText = (name: string) => readFileSync(path.join(INPUT_DIR, name), 'utf8');
const hasPython = spawnSync('python3', ['--version']).status === 0;

interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { cwd: opts.cwd, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      if (err && code === null) return reject(err);
      resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

async function runOk(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Configure and build the example once per board (memoized). */
const builds = new Map<Board, Promise<{ dir: string; elf: string; hex: string }>>();
function build(board: Board) {
  let p = builds.get(board);
  if (!p) {
    p = (async () => {
      const dir = path.join(TMP, `build-${board}`);
      await runOk('cmake', ['-S', EXAMPLE_DIR, '-B', dir, `-DBOARD=${board}`]);
      await runOk('cmake', ['--build', dir]);
      return { dir, elf: path.join(dir, 'synth.elf'), hex: path.join(dir, 'synth.hex') };
    })();
    builds.set(board, p);
  }
  return p;
}

interface QemuRun {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms from spawn to the first #result line, if any */
  firstResultMs: number | null;
  /** true when we killed it (QEMU exits 0 on SIGTERM: the timeout is ours to record) */
  killed: boolean;
  /** was it still running when we killed it */
  aliveAtKill: boolean;
}

/**
 * Run an image on mps2-an500 with `input` on the UART (stdin from a file,
 * like the documented command line). Kill it after `timeoutMs`, or once
 * `until(stdout)` holds and `lingerMs` more have passed.
 */
function runQemu(
  image: string,
  input: string,
  opts: { timeoutMs?: number; until?: (out: string) => boolean; lingerMs?: number; hex?: boolean } = {},
): Promise<QemuRun> {
  const inputFile = path.join(TMP, `uart-in-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(inputFile, input);
  const fd = openSync(inputFile, 'r');
  const load = opts.hex ? ['-device', `loader,file=${image},cpu-num=0`] : ['-kernel', image];
  const args = [
    '-M',
    'mps2-an500',
    '-display',
    'none',
    '-monitor',
    'none',
    '-nodefaults',
    '-serial',
    'stdio',
    '-semihosting-config',
    'enable=on,target=native',
    ...load,
  ];
  const start = Date.now();
  const child = spawn('qemu-system-arm', args, { stdio: [fd, 'pipe', 'pipe'] });
  closeSync(fd);
  let stdout = '';
  let stderr = '';
  let firstResultMs: number | null = null;
  let killed = false;
  let aliveAtKill = false;
  let lingerTimer: NodeJS.Timeout | undefined;
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) {
      aliveAtKill = true;
      killed = true;
      child.kill('SIGTERM');
    }
  };
  const timeout = setTimeout(kill, opts.timeoutMs ?? 30_000);
  const childOut = child.stdout!;
  const childErr = child.stderr!;
  childOut.setEncoding('utf8');
  childErr.setEncoding('utf8');
  childOut.on('data', (chunk: string) => {
    stdout += chunk;
    if (firstResultMs === null && stdout.includes('#result:')) firstResultMs = Date.now() - start;
    if (opts.until && !lingerTimer && opts.until(stdout)) lingerTimer = setTimeout(kill, opts.lingerMs ?? 0);
  });
  childErr.on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timeout);
      if (lingerTimer) clearTimeout(lingerTimer);
      rmSync(inputFile, { force: true });
      resolve({ stdout, stderr, code, signal, firstResultMs, killed, aliveAtKill });
    });
  });
}

const lines = (out: string) =>
  out
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l !== '');

/** "#result:o1,...,o10:t" -> outputs and time */
function parseResult(line: string): { outputs: number[]; us: number } {
  const m = /^#result:(-?\d+(?:,-?\d+)*):(\d+)$/.exec(line);
  if (!m) throw new Error(`not a result line: ${line}`);
  return { outputs: m[1]!.split(',').map(Number), us: Number(m[2]) };
}

const allInputsPlusExit = () => inputNames.map(inputText).join('') + '#exit\n';

describe('examples/synth: data', () => {
  it('has 10 inputs of 784 int8 values and a golden entry for each', () => {
    expect(inputNames).toEqual(Array.from({ length: 10 }, (_, i) => `input-${String(i).padStart(2, '0')}.txt`));
    expect(golden.version).toBe(1);
    expect(golden.model).toBe('synth');
    expect(golden.output_shape).toEqual([1, 10]);
    expect(Object.keys(golden.outputs).sort()).toEqual(inputNames);
    for (const name of inputNames) {
      const text = inputText(name);
      expect(text).toMatch(/^#input:[-0-9,]+\n$/);
      const values = text.trim().slice('#input:'.length).split(',').map(Number);
      expect(values).toHaveLength(784);
      expect(values.every((v) => Number.isInteger(v) && v >= -128 && v <= 127)).toBe(true);
      const out = golden.outputs[name]!;
      expect(out).toHaveLength(10);
      expect(out.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)).toBe(true);
    }
    // the outputs vary with the input: several different top classes
    const top = new Set(Object.values(golden.outputs).map((o) => o.indexOf(Math.max(...o))));
    expect(top.size).toBeGreaterThanOrEqual(3);
  });

  it.skipIf(!hasPython)('weights.c and the inputs are what the committed generators produce', async () => {
    const weights = path.join(TMP, 'weights.c');
    await runOk('python3', [path.join(EXAMPLE_DIR, 'scripts/gen_weights.py'), '--output', weights]);
    expect(readFileSync(weights, 'utf8')).toBe(readFileSync(path.join(EXAMPLE_DIR, 'model/weights.c'), 'utf8'));
    const inputs = path.join(TMP, 'inputs');
    await runOk('python3', [path.join(EXAMPLE_DIR, 'scripts/gen_inputs.py'), '--out-dir', inputs]);
    for (const name of inputNames) expect(readFileSync(path.join(inputs, name), 'utf8')).toBe(inputText(name));
  });
});

describe('examples/synth: host build', () => {
  const hostDir = path.join(TMP, 'host');

  it('reproduces golden.json exactly', async () => {
    await runOk('make', ['-s', '-C', path.join(EXAMPLE_DIR, 'host'), `BUILD_DIR=${hostDir}`]);
    const bin = path.join(hostDir, 'synth_host');
    // one input per run, like one task per input
    for (const name of inputNames) {
      const r = await runOk(bin, [], { input: inputText(name) });
      const results = lines(r.stdout).filter((l) => l.startsWith('#result:'));
      expect(results, name).toHaveLength(1);
      const { outputs, us } = parseResult(results[0]!);
      expect(outputs, name).toEqual(golden.outputs[name]);
      expect(us).toBe(0);
    }
    // and all in one stream
    const r = await runOk(bin, [], { input: allInputsPlusExit() });
    const outs = lines(r.stdout)
      .filter((l) => l.startsWith('#result:'))
      .map((l) => parseResult(l).outputs);
    expect(outs).toEqual(inputNames.map((n) => golden.outputs[n]));
  });

  it('receive path: ring overflow drops the broken line only (64-byte ring, random interleavings)', async () => {
    const r = await runOk('make', ['-s', '-C', path.join(EXAMPLE_DIR, 'host'), `BUILD_DIR=${hostDir}`, 'test']);
    expect(r.stdout.trim()).toBe('ok');
  });
});

describe('examples/synth: firmware', () => {
  it('builds for both boards with the Debian toolchain (ELF + Intel HEX)', async () => {
    const [f746, mps2] = await Promise.all([build('f746_disco'), build('mps2_an500')]);
    for (const b of [f746, mps2]) {
      expect(existsSync(b.elf)).toBe(true);
      expect(existsSync(b.hex)).toBe(true);
      expect(readFileSync(b.hex, 'utf8')).toMatch(/^:[0-9A-F]+\r?\n/);
    }
  });

  it('rejects an unknown BOARD, listing the boards', async () => {
    const r = await run('cmake', ['-S', EXAMPLE_DIR, '-B', path.join(TMP, 'build-bad'), '-DBOARD=nucleo_h743zi']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Unknown BOARD 'nucleo_h743zi'");
    expect(r.stderr).toMatch(/f746_disco, mps2_an500/);
  });

  it('builds with a toolchain file given from outside', async () => {
    const tc = path.join(TMP, 'outside-toolchain.cmake');
    writeFileSync(
      tc,
      [
        'set(CMAKE_SYSTEM_NAME Generic)',
        'set(CMAKE_SYSTEM_PROCESSOR arm)',
        'set(CMAKE_C_COMPILER arm-none-eabi-gcc)',
        'set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)',
        'set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)',
        '',
      ].join('\n'),
    );
    const dir = path.join(TMP, 'build-outside-tc');
    await runOk('cmake', ['-S', EXAMPLE_DIR, '-B', dir, '-DBOARD=mps2_an500', `-DCMAKE_TOOLCHAIN_FILE=${tc}`]);
    const cache = readFileSync(path.join(dir, 'CMakeCache.txt'), 'utf8');
    expect(cache).toContain(`CMAKE_TOOLCHAIN_FILE:FILEPATH=${tc}`);
    await runOk('cmake', ['--build', dir]);
    expect(existsSync(path.join(dir, 'synth.elf'))).toBe(true);
    expect(existsSync(path.join(dir, 'synth.hex'))).toBe(true);
  });

  it('mps2_an500 in QEMU: banner, the 10 golden results, exit 0 after #exit', async () => {
    const { elf } = await build('mps2_an500');
    const r = await runQemu(elf, allInputsPlusExit());
    expect(r.killed, `QEMU did not exit by itself:\n${r.stdout}`).toBe(false);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toBe('allhw-ci synth AOT runtime (mps2_an500)');
    const results = out.filter((l) => l.startsWith('#result:')).map(parseResult);
    expect(results.map((x) => x.outputs)).toEqual(inputNames.map((n) => golden.outputs[n]));
    expect(results.every((x) => Number.isInteger(x.us) && x.us >= 0)).toBe(true);
    expect(out.filter((l) => l.startsWith('Error'))).toEqual([]);
    console.log(`synth on mps2-an500: boot to first result ${r.firstResultMs} ms; times ${results.map((x) => x.us).join(',')} us`);
  });

  it('mps2_an500 in QEMU: 783 values give one Error line and no result', async () => {
    const { elf } = await build('mps2_an500');
    const values = inputText('input-03.txt').trim().slice('#input:'.length).split(',');
    const r = await runQemu(elf, `#input:${values.slice(0, 783).join(',')}\n#exit\n`);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out.filter((l) => l.startsWith('#result'))).toEqual([]);
    const errors = out.filter((l) => l.startsWith('Error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/784/);
    expect(errors[0]).toMatch(/783/);
  });

  it('mps2_an500 in QEMU: CRLF lines, noise lines and bad numbers', async () => {
    const { elf } = await build('mps2_an500');
    const good = inputText('input-05.txt').trim();
    const values = good.slice('#input:'.length).split(',');
    const withValue = (v: string) => `#input:${[...values.slice(0, 9), v, ...values.slice(10)].join(',')}`;
    const input =
      [
        'hello, not for the model',
        '#result:1,2,3:4',
        withValue('+5'),
        withValue('1e2'),
        withValue('128'),
        `${good},`,
        'x'.repeat(5000),
        good,
        '#exit',
        good, // never read: main has returned
      ].join('\r\n') + '\r\n';
    const r = await runQemu(elf, input);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out).toEqual([
      'allhw-ci synth AOT runtime (mps2_an500)',
      'Error: bad number at value 10',
      'Error: bad number at value 10',
      'Error: value out of int8 range at value 10',
      'Error: bad number at value 785',
      'Error: line too long',
      expect.stringMatching(/^#result:/),
    ]);
    expect(parseResult(out[6]!).outputs).toEqual(golden.outputs['input-05.txt']);
  });

  it('mps2_an500 in QEMU: without #exit the firmware keeps running', async () => {
    const { elf } = await build('mps2_an500');
    const names = inputNames.slice(0, 3);
    const r = await runQemu(elf, names.map(inputText).join(''), {
      until: (o) => (o.match(/#result:/g) ?? []).length >= names.length,
      lingerMs: 1500,
      timeoutMs: 30_000,
    });
    expect(r.aliveAtKill).toBe(true);
    const results = lines(r.stdout)
      .filter((l) => l.startsWith('#result:'))
      .map((l) => parseResult(l).outputs);
    expect(results).toEqual(names.map((n) => golden.outputs[n]));
  });

  it('mps2_an500 in QEMU with a 16-byte RX ring: overflows drop lines, never reboot or corrupt', async () => {
    const dir = path.join(TMP, 'build-small-ring');
    await runOk('cmake', ['-S', EXAMPLE_DIR, '-B', dir, '-DBOARD=mps2_an500', '-DRX_BUFFER_SIZE=16']);
    await runOk('cmake', ['--build', dir]);
    const r = await runQemu(path.join(dir, 'synth.elf'), allInputsPlusExit());
    expect(r.killed).toBe(false);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out.filter((l) => l.startsWith('allhw-ci synth'))).toHaveLength(1); // no reboot
    const expected = inputNames.map((n) => golden.outputs[n]!);
    let next = 0;
    let errors = 0;
    let results = 0;
    for (const l of out.slice(1)) {
      if (l === 'Error: rx overflow') {
        errors++;
        continue;
      }
      const { outputs } = parseResult(l); // anything else fails here
      while (next < expected.length && JSON.stringify(expected[next]) !== JSON.stringify(outputs)) next++;
      expect(next, `result not from an intact input, in order: ${l}`).toBeLessThan(expected.length);
      next++;
      results++;
    }
    expect(results).toBeGreaterThan(0);
    if (results < expected.length) expect(errors).toBeGreaterThan(0);
  });

  it('mps2_an500 in QEMU: the Intel HEX image runs too', async () => {
    const { hex } = await build('mps2_an500');
    const r = await runQemu(hex, inputText('input-07.txt') + '#exit\n', { hex: true });
    expect(r.killed).toBe(false);
    expect(r.code).toBe(0);
    const results = lines(r.stdout)
      .filter((l) => l.startsWith('#result:'))
      .map((l) => parseResult(l).outputs);
    expect(results).toEqual([golden.outputs['input-07.txt']]);
  });

  it('f746_disco: links, fits 1 MiB flash / 320 KiB RAM, vector table at 0x08000000', async () => {
    const { elf, hex } = await build('f746_disco');
    const FLASH = { start: 0x08000000, size: 1024 * 1024 };
    const RAM = { start: 0x20000000, size: 320 * 1024 };
    const inside = (r: { start: number; size: number }, a: number) => a >= r.start && a < r.start + r.size;

    // sections: name size addr
    const sizeOut = (await runOk('arm-none-eabi-size', ['-A', '-d', elf])).stdout;
    const sections = lines(sizeOut)
      .map((l) => /^(\.\S+)\s+(\d+)\s+(\d+)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1]!, size: Number(m[2]), addr: Number(m[3]) }));
    let flash = 0;
    let ram = 0;
    for (const s of sections) {
      if (s.addr === 0) continue; // debug info, not loaded
      const inFlash = inside(FLASH, s.addr);
      const inRam = inside(RAM, s.addr);
      expect(inFlash || inRam, `${s.name} at 0x${s.addr.toString(16)}`).toBe(true);
      if (inFlash) {
        expect(s.addr + s.size).toBeLessThanOrEqual(FLASH.start + FLASH.size);
        flash += s.size;
      } else {
        expect(s.addr + s.size).toBeLessThanOrEqual(RAM.start + RAM.size);
        ram += s.size;
        if (s.name === '.data') flash += s.size; // its initial values live in flash
      }
    }
    expect(flash).toBeGreaterThan(1000);
    expect(flash).toBeLessThanOrEqual(FLASH.size);
    expect(ram).toBeLessThanOrEqual(RAM.size);
    console.log(`synth f746_disco: flash ${flash} B, RAM ${ram} B (with stack)`);

    // the vector table section and the first loaded segment start the flash
    const sectionsOut = (await runOk('arm-none-eabi-readelf', ['-S', '-W', elf])).stdout;
    const vt = /\]\s+\.isr_vector\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(sectionsOut);
    expect(vt, sectionsOut).not.toBeNull();
    expect(parseInt(vt![1]!, 16)).toBe(0x08000000);
    const segmentsOut = (await runOk('arm-none-eabi-readelf', ['-l', '-W', elf])).stdout;
    const loads = [...segmentsOut.matchAll(/LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)/g)].map((m) => ({
      vaddr: parseInt(m[2]!, 16),
      paddr: parseInt(m[3]!, 16),
      filesz: parseInt(m[4]!, 16),
    }));
    const withBytes = loads.filter((l) => l.filesz > 0);
    expect(Math.min(...withBytes.map((l) => l.paddr))).toBe(0x08000000);
    for (const l of withBytes) expect(inside(FLASH, l.paddr)).toBe(true);

    // initial SP and reset vector
    const bytes = readFileSync(elf);
    const off = parseInt(vt![2]!, 16);
    const sp = bytes.readUInt32LE(off);
    const reset = bytes.readUInt32LE(off + 4);
    expect(sp).toBe(RAM.start + RAM.size);
    expect(reset & 1).toBe(1); // Thumb
    expect(inside(FLASH, reset & ~1)).toBe(true);
    const entry = /Entry point address:\s+0x([0-9a-f]+)/.exec((await runOk('arm-none-eabi-readelf', ['-h', elf])).stdout);
    expect(reset).toBe(parseInt(entry![1]!, 16));
    const usart1 = bytes.readUInt32LE(off + 4 * (16 + 37)); // USART1 handler
    expect(usart1 & 1).toBe(1);
    expect(inside(FLASH, usart1 & ~1)).toBe(true);

    // the Intel HEX starts in the 0x0800xxxx page with the same vector table
    const hexLines = readFileSync(hex, 'utf8').split(/\r?\n/);
    expect(hexLines[0]).toBe(':020000040800F2');
    const firstData = hexLines.find((l) => l.slice(7, 9) === '00')!;
    expect(firstData.slice(3, 7)).toBe('0000');
    expect(Buffer.from(firstData.slice(9, 17), 'hex').readUInt32LE(0)).toBe(sp);
  });

  it('f746_disco: Reset_Handler selects the main stack and loads SP from the vector table before anything else', async () => {
    const { elf } = await build('f746_disco');
    const symbols = (await runOk('arm-none-eabi-nm', [elf])).stdout;
    const table = /^([0-9a-f]+) R vector_table$/m.exec(symbols);
    expect(table, symbols).not.toBeNull();
    const dis = (await runOk('arm-none-eabi-objdump', ['-d', '--disassemble=Reset_Handler', elf])).stdout;
    // the instructions up to the first branch: "movw r0, #0", "msr MSP, r1", ...
    const body = dis.slice(dis.indexOf('<Reset_Handler>:'));
    const instructions = [...body.matchAll(/^\s+[0-9a-f]+:\s+(?:[0-9a-f]{4}\s?)+\s+(\S+)\s*([^@\n]*)/gm)].map((m) => ({
      op: m[1]!,
      args: m[2]!.trim().replace(/\s+/g, ' '),
    }));
    const firstBranch = instructions.findIndex((i) => /^b(\.w|l|x)?$/.test(i.op));
    expect(firstBranch, dis).toBeGreaterThan(0);
    const before = instructions.slice(0, firstBranch);
    // a register gets the table's address (movw/movt), SP's value is loaded from it, CONTROL = 0, MSP set
    const regs = new Map<string, number>();
    let loaded: string | null = null;
    for (const { op, args } of before) {
      const comma = args.indexOf(', ');
      const [dst, src] = comma < 0 ? [args, ''] : [args.slice(0, comma), args.slice(comma + 2)];
      if (op === 'movw') regs.set(dst, Number(src.replace('#', '')));
      if (op === 'movt') regs.set(dst, ((Number(src.replace('#', '')) << 16) | ((regs.get(dst) ?? 0) & 0xffff)) >>> 0);
      if (op === 'ldr' && regs.get(/^\[(r\d+)(, #0)?\]$/.exec(src)?.[1] ?? '') === parseInt(table![1]!, 16)) loaded = dst;
    }
    expect(loaded, dis).not.toBeNull();
    expect(
      before.some((i) => i.op === 'msr' && i.args === `MSP, ${loaded}`),
      dis,
    ).toBe(true);
    expect(
      before.some((i) => i.op === 'msr' && i.args.startsWith('CONTROL,')),
      dis,
    ).toBe(true);
    // nothing touches the stack before that
    expect(
      before.some((i) => /^(push|pop|str)/.test(i.op) || /\bsp\b/.test(i.args)),
      dis,
    ).toBe(false);
  });
});
