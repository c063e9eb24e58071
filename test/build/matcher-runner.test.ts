/**
 * The problem matcher as the GitHub runner applies it: every regexp of
 * matchers/gcc.json, in order, against each line the build logged (the lines
 * the runner sees), the first match wins, severity from the match or the
 * matcher's default. The errors come from the real arm-none-eabi toolchain:
 * an assembler error, three linker errors and a compile error printed with
 * -fdiagnostics-color=always.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProject } from '../../src/build/build.js';
import { gccMatcherFile } from '../../src/build/assets.js';
import type { MatcherFile } from '../../src/build/matcher.js';
import { planBuild } from '../../src/build/plan.js';
import { memoryLogger } from '../../src/common/log.js';
import { removeTempDirs, SYSTEM_TOOLCHAIN, tempDir } from './helpers.js';
import { itemAt } from '../helpers/item.js';

afterAll(removeTempDirs);

/** The file's shape (the runner's, as documented by actions/toolkit). */
type Matcher = MatcherFile['problemMatcher'][number];

interface Annotation {
  owner: string;
  severity: string;
  file?: string;
  line?: number;
  message: string;
}

/** What the runner does with one line: the first matcher whose (single-line) pattern matches makes the annotation. */
function runnerMatch(matchers: Matcher[], line: string): Annotation | null {
  for (const m of matchers) {
    expect(m.pattern, `${m.owner}: single-line patterns only`).toHaveLength(1);
    const p = itemAt(m.pattern, 0);
    const found = new RegExp(p.regexp).exec(line);
    if (!found) continue;
    const severity = (p.severity !== undefined ? found[p.severity] : undefined) ?? m.severity ?? 'error';
    return {
      owner: m.owner,
      // The runner reads the severity case-insensitively.
      severity: severity.toLowerCase(),
      file: p.file !== undefined ? found[p.file] : undefined,
      line: p.line !== undefined && found[p.line] ? Number(found[p.line]) : undefined,
      message: found[p.message] ?? '',
    };
  }
  return null;
}

const SCRIPT = `
set +e
arm-none-eabi-as bad.s -o bad.o
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -g -nostdlib -Wl,-e,main undef.c -o undef.elf
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -nostdlib -Wl,-e,dup dup1.c dup2.c -o dup.elf
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -nostdlib -Wl,-e,main big.c -T tiny.ld -o big.elf
arm-none-eabi-gcc -fdiagnostics-color=always -c colour.c -o colour.o
exit 1
`;

async function failingProject(): Promise<string> {
  const dir = await tempDir('allhw-matcher-');
  const files: Record<string, string> = {
    'build.sh': SCRIPT,
    'bad.s': '.syntax unified\n.thumb\n.text\nstart:\n  nop\n  bogus r0, r1\n',
    'undef.c': 'int missing(void);\nint main(void) { return missing(); }\n',
    'dup1.c': 'int dup(void) { return 1; }\n',
    'dup2.c': 'int dup(void) { return 2; }\n',
    'big.c': 'static const char table[8192] = {1};\nconst char *p = table;\nint main(void) { return 0; }\n',
    'tiny.ld':
      'MEMORY { FLASH (rx) : ORIGIN = 0, LENGTH = 1K\n RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 1K }\n' +
      'SECTIONS { .text : { *(.text*) *(.rodata*) } > FLASH\n .data : { *(.data*) } > RAM AT > FLASH }\n',
    'colour.c': 'int main(void) { return undeclared_thing; }\n',
  };
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('matchers/gcc.json applied to real toolchain output, as the runner applies it', () => {
  const matchers = (JSON.parse(readFileSync(gccMatcherFile(), 'utf8')) as { problemMatcher: Matcher[] }).problemMatcher;
  let project: string;
  let logged: string[];
  let annotations: Annotation[];

  beforeAll(async () => {
    project = await failingProject();
    const log = memoryLogger();
    await expect(
      buildProject({
        system: 'command',
        command: 'sh build.sh',
        board: 'f746_disco',
        args: [],
        image: '',
        toolchain: SYSTEM_TOOLCHAIN,
        env: process.env,
        projectDir: project,
        resultsDir: path.join(project, 'results'),
        githubActions: true,
        log,
      }),
    ).rejects.toThrow(/exit code 1/);
    logged = log.lines.filter((l) => l.startsWith('info: ')).map((l) => l.slice('info: '.length));
    annotations = logged.map((l) => runnerMatch(matchers, l)).filter((a): a is Annotation => a !== null);
  });

  it('registers and removes every owner of the file', () => {
    const owners = matchers.map((m) => m.owner);
    expect(new Set(owners).size).toBe(owners.length);
    expect(logged.filter((l) => l.startsWith('::add-matcher::'))).toEqual([`::add-matcher::${gccMatcherFile()}`]);
    expect(logged.filter((l) => l.startsWith('::remove-matcher')).sort()).toEqual(owners.map((o) => `::remove-matcher owner=${o}::`).sort());
  });

  it('matches the assembler error (capital E) with its file and line', () => {
    expect(annotations).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        file: path.join(project, 'bad.s'),
        line: 6,
        message: expect.stringMatching(/^bad instruction `bogus r0,r1'/),
      }),
    );
  });

  it('matches the linker errors: undefined reference, multiple definition, region overflow', () => {
    const messages = annotations.map((a) => a.message);
    expect(annotations).toContainEqual(expect.objectContaining({ severity: 'error', line: 2, message: "undefined reference to `missing'" }));
    expect(annotations.find((a) => a.message.startsWith('undefined reference'))!.file).toMatch(/undef\.c$/);
    expect(messages).toContainEqual(expect.stringMatching(/^multiple definition of `dup'/));
    expect(messages).toContainEqual(expect.stringMatching(/^region `FLASH' overflowed by \d+ bytes$/));
    // ld prints this one alone when only a section is too big for its region.
    expect(messages).toContainEqual(expect.stringMatching(/big\.elf section `\.text' will not fit in region `FLASH'$/));
    // The collect2 summary line and "in function" context lines are not annotations of their own.
    expect(messages.filter((m) => /ld returned|in function/.test(m))).toEqual([]);
  });

  it('matches a diagnostic printed in colour: the lines the runner sees carry no escape codes', () => {
    expect(annotations).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        file: path.join(project, 'colour.c'),
        line: 1,
        message: "'undeclared_thing' undeclared (first use in this function)",
      }),
    );
    expect(logged.join('\n')).not.toMatch(/\x1b/);
  });

  it('asks the build for colour-free output through the environment', () => {
    const plan = planBuild({
      system: 'make',
      projectDir: '/p',
      buildDir: '/p/build',
      board: 'f746_disco',
      args: [],
      command: '',
      toolchain: SYSTEM_TOOLCHAIN,
      facts: { gcc: '/usr/bin/arm-none-eabi-gcc' } as never,
      baseEnv: { PATH: '/usr/bin', CLICOLOR_FORCE: '1' },
      jobs: 1,
      toolchainFile: '/t.cmake',
    });
    expect(plan.env).toMatchObject({ GCC_COLORS: '', NO_COLOR: '1', CLICOLOR_FORCE: '0', CMAKE_COLOR_DIAGNOSTICS: 'OFF' });
  });
});
