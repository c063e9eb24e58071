/** Small parts: the matcher's regexp and path anchoring, ELF checks, image names. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imageNames } from '../../src/build/images.js';
import { DiagnosticAnchor, matchDiagnostic } from '../../src/build/matcher.js';
import { measureImage } from '../../src/build/size.js';
import { removeTempDirs, run, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const anchorOf = (line: string): string => new DiagnosticAnchor('/w/proj').line(line);

describe('gcc matcher', () => {
  it('reads errors, fatal errors and warnings, with or without a column; ignores notes and linker noise', () => {
    expect(matchDiagnostic('/src/a.c:12:5: error: expected ; before }')).toEqual({
      file: '/src/a.c',
      line: 12,
      column: 5,
      severity: 'error',
      message: 'expected ; before }',
    });
    expect(matchDiagnostic('a.c:3: fatal error: foo.h: No such file or directory')).toEqual({
      file: 'a.c',
      line: 3,
      column: null,
      severity: 'error',
      message: 'foo.h: No such file or directory',
    });
    expect(matchDiagnostic('src/x.c:7:1: warning: unused [-Wunused]')?.severity).toBe('warning');
    expect(matchDiagnostic('src/x.c:7:1: note: declared here')).toBeNull();
    expect(matchDiagnostic('/usr/bin/ld: main.o: in function `main`:')).toBeNull();
    expect(matchDiagnostic("/usr/bin/ld: region `RAM' overflowed by 12 bytes")).toEqual({
      file: null,
      line: null,
      column: null,
      severity: 'error',
      message: "region `RAM' overflowed by 12 bytes",
    });
    expect(anchorOf("main.c:(.text+0x4): undefined reference to `f'")).toBe("/w/proj/main.c:(.text+0x4): undefined reference to `f'");
    expect(anchorOf("/usr/bin/ld: main.o:(.text+0x4): undefined reference to `f'")).toBe("/usr/bin/ld: main.o:(.text+0x4): undefined reference to `f'");
  });

  it('anchors relative paths to the directory make is in', () => {
    const anchor = new DiagnosticAnchor('/w/proj');
    expect(anchor.line('src/a.c:1:2: error: boom')).toBe('/w/proj/src/a.c:1:2: error: boom');
    expect(anchor.line("make[1]: Entering directory '/w/proj/lib'")).toBe("make[1]: Entering directory '/w/proj/lib'");
    expect(anchor.line('b.c:3:4: warning: hmm')).toBe('/w/proj/lib/b.c:3:4: warning: hmm');
    anchor.line("make[1]: Leaving directory '/w/proj/lib'");
    expect(anchor.line('../c.c:5:6: error: x')).toBe('/w/c.c:5:6: error: x');
    expect(anchor.line('/abs/d.c:1:1: error: y')).toBe('/abs/d.c:1:1: error: y');
    expect(anchor.line('plain output')).toBe('plain output');
  });
});

describe('measureImage', () => {
  it('refuses an image built for the host, saying so', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'main.c'), 'int main(void) { return 0; }\n');
    await run('gcc', ['-o', path.join(dir, 'host.elf'), path.join(dir, 'main.c')]);
    await expect(measureImage(path.join(dir, 'host.elf'), 'f746_disco')).rejects.toThrow(/64-bit ELF for x86-64.*arm-none-eabi-gcc|built for x86/);
  });

  it('refuses a file that is not ELF', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'x.elf'), 'hello, not an ELF file at all, but long enough to have a header.............');
    await expect(measureImage(path.join(dir, 'x.elf'), 'f746_disco')).rejects.toThrow(/is not an ELF file/);
  });
});

describe('imageNames', () => {
  it('is <board>-<base name>, with the directory when base names repeat, and file-name safe', () => {
    expect(imageNames('f746_disco', ['/p/build/synth.elf'], '/p')).toEqual(['f746_disco-synth']);
    expect(imageNames('f746_disco', ['/p/a/app.elf', '/p/b/app.elf', '/p/my app!.hex'], '/p')).toEqual([
      'f746_disco-a-app',
      'f746_disco-b-app',
      'f746_disco-my_app_',
    ]);
  });
});
