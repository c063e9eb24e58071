/**
 * A newcomer's mistakes at the terminal, through the bundled CLI: each one
 * gets one message that says what was wrong and how to fix it, and a run
 * that stopped before any input prints no empty table.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_DIR, REPO_ROOT, exampleFirmware } from '../helpers/firmware.js';
import { NODE, runNode } from './run-dist.js';

const env = { PATH: process.env.PATH, HOME: process.env.HOME };

/** A workspace with one input file, as a user's checkout would have. */
async function workspace(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'allhw-mistakes-'));
  await mkdir(path.join(dir, 'in'));
  await writeFile(path.join(dir, 'in/a.txt'), '#input:1,2,3\n');
  await writeFile(path.join(dir, 'in/b.txt'), '#input:4,5,6\n');
  return dir;
}

const count = (text: string, fragment: string): number => text.split(fragment).length - 1;

describe('allhw run: mistakes at the terminal', () => {
  it('--help and -h list every flag with the CLI default; demo --help describes the demo', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await runNode('dist/cli.js', ['run', flag], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^usage: allhw run --inputs 'GLOB'/);
      expect(r.stdout).toMatch(/^ {2}--toolchain +system$/m);
      expect(r.stdout).toMatch(/^ {2}--inputs +\(required\)$/m);
      expect(r.stdout).toMatch(/^ {2}--ci-api-key +.*prefer the ALLHW_API_KEY environment variable: a command line is visible in ps/m);
      expect(r.stdout).toMatch(/^ {2}--verbose /m);
    }
    const demo = await runNode('dist/cli.js', ['demo', '--help'], env);
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/^usage: allhw demo/);
    expect(demo.stdout).toContain('examples/synth');
    for (const args of [
      ['toolchain', 'install', '-h'],
      ['toolchain', '-h'],
    ]) {
      const t = await runNode('dist/cli.js', args, env);
      expect(t.code, args.join(' ')).toBe(0);
      expect(t.stdout).toMatch(/^usage: allhw toolchain install/);
    }
    const top = await runNode('dist/cli.js', ['--help'], env);
    expect(top.stdout).toMatch(/toolchain list/);
  });

  it('no flags at all: says --inputs is needed, with an example', async () => {
    const r = await runNode('dist/cli.js', ['run'], env, await workspace());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Input 'inputs' is required");
    expect(r.stderr).toContain("On the command line: --inputs 'model/inputs/*.txt'.");
  });

  it('mode allhw without a key: names the flag and the environment variable', async () => {
    const r = await runNode('dist/cli.js', ['run', '--mode', 'allhw', '--inputs', 'in/*.txt'], env, await workspace());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/'ci-api-key' is empty.*set the ALLHW_API_KEY environment variable \(or --ci-api-key KEY, which others can see in ps\)/);
  });

  it('an unquoted glob the shell expanded: says to quote it', async () => {
    const dir = await workspace();
    // What `allhw run --inputs in/*.txt` becomes after the shell.
    const r = await runNode('dist/cli.js', ['run', '--inputs', 'in/a.txt', 'in/b.txt'], env, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unexpected argument 'in/b.txt'");
    expect(r.stderr).toContain("quote the glob (--inputs 'model/inputs/*.txt')");
  });

  it('globs separated by a space: says to use commas or new lines; no empty table, the reason once', async () => {
    const dir = await workspace();
    const r = await runNode(
      'dist/cli.js',
      ['run', '--mode', 'emulator', '--toolchain', 'none', '--build-system', 'none', '--inputs', 'in/a.txt in/b.txt'],
      env,
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Input glob 'in\/a\.txt in\/b\.txt' matches no file.*separate them with commas or new lines, not spaces\.$/m);
    const all = r.stdout + r.stderr;
    expect(count(all, 'matches no file')).toBe(1);
    expect(r.stdout).not.toMatch(/^input +status/m);
    expect(r.stdout).not.toContain('0 inputs');
    // The results directory still records why.
    const results = JSON.parse(await readFile(path.join(dir, 'allhw-results/results.json'), 'utf8'));
    expect(results.error).toContain('matches no file');
  });

  it('an F746 image on the emulated board: stops before any task, saying why and what to build', async () => {
    const f746 = await exampleFirmware('f746_disco');
    const dir = await workspace();
    const r = await runNode(
      'dist/cli.js',
      ['run', '--board', 'f746_disco', '--mode', 'emulator', '--toolchain', 'none', '--build-system', 'none', '--image', f746.hex, '--inputs', 'in/*.txt'],
      env,
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("notice: mode 'emulator'; board 'mps2_an500' (the emulated one) instead of 'f746_disco'");
    expect(r.stderr).toContain(`cannot run on the emulated board: The firmware HEX loads nothing at address 0 (its lowest address is 0x08000000)`);
    expect(r.stderr).toContain('-DBOARD=mps2_an500');
    expect(r.stdout).not.toMatch(/: created /);
    const results = JSON.parse(await readFile(path.join(dir, 'allhw-results/results.json'), 'utf8'));
    expect(results.tasks).toEqual([]);
  });

  it('Ctrl-C during the build: the reason says the run was cancelled, then what it interrupted', async () => {
    const dir = await workspace();
    const child = spawn(
      NODE,
      [
        path.join(REPO_ROOT, 'dist/cli.js'),
        'run',
        '--mode',
        'emulator',
        '--toolchain',
        'none',
        '--project-dir',
        EXAMPLE_DIR,
        '--build-system',
        'command',
        '--build-command',
        'sleep 60',
        '--inputs',
        'in/*.txt',
        '--results-dir',
        path.join(dir, 'r'),
      ],
      { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes("$ sh -c 'sleep 60'")) resolve();
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', () => reject(new Error(`exited before the build started:\n${stdout}\n${stderr}`)));
    });
    // The line is printed as the shell is spawned: let it start its sleep.
    await new Promise((r) => setTimeout(r, 1000));
    // As a terminal's Ctrl-C does: SIGINT to the whole process group.
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(1);
    const last = stderr.trimEnd().split('\n').at(-1)!;
    expect(stderr).toContain('warning: SIGINT: stopping');
    expect(last).toMatch(
      new RegExp(
        `^error: The run was cancelled; partial results are in ${path.join(dir, 'r').replace(/[/.]/g, '\\$&')}\\. \\(It stopped: Build command was killed by SIGINT`,
      ),
    );
    const results = JSON.parse(await readFile(path.join(dir, 'r/results.json'), 'utf8'));
    expect(results.error).toMatch(/^The run was cancelled/);
  });
});
