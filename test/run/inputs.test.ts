import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/common/log.js';
import { formatFloat32, formatFloat64, plainDecimal } from '../../src/run/decimal.js';
import { loadInputs } from '../../src/run/inputs.js';
import { float32LE, int8, npyBytes } from './npy-writer.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'allhw-inputs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(name: string, content: string | Buffer): Promise<void> {
  await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
  await writeFile(path.join(dir, name), content);
}

const lines = async (globs: string[]): Promise<string[]> => (await loadInputs(globs, dir)).map((i) => i.line);

describe('decimal text', () => {
  it('writes plain decimals: no exponent, no +, no trailing zeros', () => {
    expect(plainDecimal('1e-7')).toBe('0.0000001');
    expect(plainDecimal('-2e+21')).toBe('-2000000000000000000000');
    expect(plainDecimal('+007.50')).toBe('7.5');
    expect(plainDecimal('1.25e1')).toBe('12.5');
    expect(plainDecimal('.5')).toBe('0.5');
    expect(plainDecimal('-0.000')).toBe('0');
    expect(() => plainDecimal('abc')).toThrow(/not a decimal/);
  });

  it('float32 values get the shortest text that reads back as the same float32', () => {
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(Math.fround(1e-7))).toBe('0.0000001');
    expect(formatFloat32(16777217)).toBe('16777216');
    expect(formatFloat32(3.4028234663852886e38)).toBe('340282350000000000000000000000000000000');
    expect(formatFloat32(Math.fround(-1.5))).toBe('-1.5');
    for (const x of [Math.PI, 1 / 3, 123456.789, 2 ** -149]) {
      const f = Math.fround(x);
      expect(Math.fround(Number(formatFloat32(f)))).toBe(f);
    }
    expect(() => formatFloat32(NaN)).toThrow(/cannot be written/);
  });

  it('float64 values round-trip', () => {
    expect(formatFloat64(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(formatFloat64(1e21)).toBe('1000000000000000000000');
    expect(formatFloat64(-0)).toBe('0');
  });
});

describe('loadInputs', () => {
  const values = [-128, 0, 5, 127];
  const floats = [0.1, -1.5, 1e-7, 3, 250.25];
  const floatLine = '#input:0.1,-1.5,0.0000001,3,250.25';

  it('converts .npy, .csv and .json to the same lines as #input files holding the same values', async () => {
    await put('ref/ints.txt', `#input:${values.join(',')}\r\n#input:${floatLine.slice(7)}\r\n`);
    await put('npy/ints.npy', npyBytes('|i1', [values.length], int8(values)));
    await put('npy/floats.npy', npyBytes('<f4', [floats.length], float32LE(floats)));
    await put('csv/both.csv', `${values.join(', ')}\r\n\r\n${floats.map((f) => f.toExponential()).join(',')}\n`);
    await put('json/both.json', JSON.stringify([values, floats]));
    const reference = await lines(['ref/*.txt']);
    expect(reference).toEqual([`#input:-128,0,5,127`, floatLine]);
    expect(await lines(['npy/ints.npy', 'npy/floats.npy'])).toEqual(reference);
    expect(await lines(['csv/*.csv'])).toEqual(reference);
    expect(await lines(['json/*.json'])).toEqual(reference);
  });

  it('reads every supported .npy layout: int16/int32/uint8, big-endian, version 2', async () => {
    const i16 = Buffer.alloc(6);
    [-300, 0, 32767].forEach((v, i) => i16.writeInt16LE(v, i * 2));
    const i32be = Buffer.alloc(8);
    [-70000, 2147483647].forEach((v, i) => i32be.writeInt32BE(v, i * 4));
    await put('a.npy', npyBytes('<i2', [3], i16));
    await put('b.npy', npyBytes('>i4', [2], i32be, { version: 2 }));
    await put('c.npy', npyBytes('|u1', [3], Buffer.from([0, 128, 255])));
    expect(await lines(['*.npy'])).toEqual(['#input:-300,0,32767', '#input:-70000,2147483647', '#input:0,128,255']);
  });

  it('takes the first axis of a 2-D+ .npy as the batch; a leading 1 is one input', async () => {
    const data = int8(Array.from({ length: 12 }, (_, i) => i - 6));
    await put('batch.npy', npyBytes('|i1', [3, 2, 2], data));
    await put('one.npy', npyBytes('|i1', [1, 3, 4], data));
    const log = memoryLogger();
    const items = await loadInputs(['batch.npy', 'one.npy'], dir, { log });
    expect(items.map((i) => i.name)).toEqual(['batch.npy#0', 'batch.npy#1', 'batch.npy#2', 'one.npy']);
    expect(items[1]?.line).toBe('#input:-2,-1,0,1');
    expect(items[3]?.line.split(',')).toHaveLength(12);
    expect(log.lines.join('\n')).toContain('shape (3, 2, 2) → 3 input(s) of 4 values');
  });

  it('names inputs by file, with #k for several, and by relative path when base names clash', async () => {
    await put('a/x.txt', '#input:1\n');
    await put('b/x.txt', '#input:2\n#input:3\n');
    await put('y.txt', '#input:4');
    const items = await loadInputs(['**/x.txt', 'y.txt'], dir);
    expect(items.map((i) => [i.name, i.source])).toEqual([
      ['a/x.txt', 'a/x.txt'],
      ['b/x.txt#0', 'b/x.txt'],
      ['b/x.txt#1', 'b/x.txt'],
      ['y.txt', 'y.txt'],
    ]);
  });

  it('keeps #input lines as they are, skips blank lines and warns about other lines', async () => {
    await put('in.txt', '\uFEFF#input:1, 2 ,3\r\n\r\nhello\n#input:4\n');
    const log = memoryLogger();
    const items = await loadInputs(['in.txt', '!nothing*'], dir, { log });
    expect(items.map((i) => i.line)).toEqual(['#input:1, 2 ,3', '#input:4']);
    expect(log.lines.filter((l) => l.startsWith('warning:'))).toEqual(["warning: in.txt: 1 line(s) not starting with '#input:' are not sent (line 3)"]);
  });

  it('excludes files with !glob and reports a glob matching nothing', async () => {
    await put('a.txt', '#input:1\n');
    await put('b.txt', '#input:2\n');
    expect(await lines(['*.txt', '!b.txt'])).toEqual(['#input:1']);
    await expect(loadInputs(['*.txt', 'data/*.npy'], dir)).rejects.toThrow(/Input glob 'data\/\*\.npy' matches no file/);
    await expect(loadInputs([], dir)).rejects.toThrow(/'inputs' is empty/);
  });

  it('refuses bad files with a message naming the file and the fix', async () => {
    await put('empty.txt', '');
    await put('plain.txt', '1,2,3\n');
    await put('header.csv', 'a,b\n1,2\n');
    await put('text.json', '[1, "two", 3]');
    await put('mixed.json', '[[1], 2]');
    await put('broken.json', '[1, 2');
    await put('notnpy.npy', 'hello world, not numpy');
    await put('short.npy', npyBytes('<f4', [4], float32LE([1, 2])));
    await put('fortran.npy', npyBytes('<f4', [2, 2], float32LE([1, 2, 3, 4]), { fortran: true }));
    await put('complex.npy', npyBytes('<c8', [1], Buffer.alloc(8)));
    await put('nan.npy', npyBytes('<f4', [2], float32LE([1, NaN])));
    const cases: [string, RegExp][] = [
      ['empty.txt', /empty\.txt is empty/],
      ['plain.txt', /plain\.txt holds no '#input:' line.*\.csv/],
      ['header.csv', /^header\.csv:1:1: column 1 is not a number.*header row/],
      ['text.json', /^text\.json: \[1\] is a string of 3 characters, not a number/],
      ['mixed.json', /mixes numbers and arrays/],
      ['broken.json', /^broken\.json is not valid JSON \(it ends too early\)/],
      ['notnpy.npy', /notnpy\.npy: not a valid \.npy file: .*magic/],
      ['short.npy', /short\.npy: .*needs 16 data bytes, the file holds 8/],
      ['fortran.npy', /Fortran order; save it with np\.save/],
      ['complex.npy', /dtype '<c8' is not supported/],
      ['nan.npy', /nan\.npy: value 1 .*NaN cannot be written/],
    ];
    for (const [file, message] of cases) {
      await expect(loadInputs([file], dir), file).rejects.toThrow(message);
    }
  });

  it('never quotes a file in an error: a symlink to a secret file, bad cells and values', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'allhw-outside-'));
    const SECRET = 'root:$6$SECRETHASH:19000:0:99999:7:::';
    await writeFile(path.join(outside, 'shadow'), `${SECRET}\n`);
    await symlink(path.join(outside, 'shadow'), path.join(dir, 'leak.csv'));
    await symlink(path.join(outside, 'missing'), path.join(dir, 'dangling.txt'));
    await put('secret-cell.csv', `1,2\n3,${SECRET}\n`);
    await put('secret.json', `[1, "${SECRET}"]`);
    await put('secret-syntax.json', `[1, ${SECRET}]`);
    await put(
      'secret.npy',
      Buffer.concat([
        Buffer.from('\x93NUMPY\x01\x00'),
        Buffer.from([0x30, 0]),
        Buffer.from(`{'descr': '${SECRET}', 'fortran_order': False, 'shape': (1,), }`.padEnd(48)),
      ]),
    );
    const cases: [string, RegExp][] = [
      ['leak.csv', /^Input file leak\.csv is a symbolic link that leads out of the workspace \(to .*shadow\): inputs are read only from inside it/],
      ['dangling.txt', /^Input file dangling\.txt is a symbolic link to a file that does not exist/],
      ['secret-cell.csv', /^secret-cell\.csv:2:3: column 2 is not a number/],
      ['secret.json', /^secret\.json: \[1\] is a string of \d+ characters, not a number/],
      ['secret-syntax.json', /^secret-syntax\.json is not valid JSON \(at line 1, column 5: invalid symbol\)/],
      ['secret.npy', /^secret\.npy: /],
    ];
    for (const [file, message] of cases) {
      const err = await loadInputs([file], dir).catch((e: Error) => e);
      expect(err, file).toBeInstanceOf(Error);
      expect((err as Error).message, file).toMatch(message);
      expect((err as Error).message, file).not.toContain('SECRETHASH');
      expect((err as Error).message, file).not.toContain('root:');
    }
    await rm(outside, { recursive: true, force: true });
  });

  it('names the file for numbers too large for a float64 and for nesting too deep', async () => {
    await put('huge.json', '[1, 1e999]');
    await put('huge.csv', '1,-1e999\n');
    await put('deep.json', '['.repeat(5000) + ']'.repeat(5000));
    await put('very-deep.json', '['.repeat(2_000_000) + ']'.repeat(2_000_000));
    await expect(loadInputs(['huge.json'], dir)).rejects.toThrow(/^huge\.json: \[1\] is a number too large for a float64, not a number/);
    await expect(loadInputs(['huge.csv'], dir)).rejects.toThrow(/^huge\.csv:1:3: column 2 is a number too large for a float64/);
    await expect(loadInputs(['deep.json'], dir)).rejects.toThrow(/^deep\.json: \[0\].* is nested more than 32 arrays deep/);
    await expect(loadInputs(['very-deep.json'], dir)).rejects.toThrow(
      /^very-deep\.json( is not valid JSON \(nested too deeply to read\)|: \[0\].* is nested more than 32 arrays deep)/,
    );
  });
});
