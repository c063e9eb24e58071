/**
 * Reading MLFs: the real letscope.tar, the tests' own tarballs of each
 * metadata version and entry point, and one bad tarball per error, each
 * with its own message.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync, existsSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { extractTarball } from '../../src/mlf/archive.js';
import { MlfError } from '../../src/mlf/errors.js';
import { loadModel } from '../../src/mlf/model.js';
import { generateProject } from '../../src/mlf/generate.js';
import { V5_MULTI, V6_FLOAT, V7_KWS } from './models.js';
import { writeMlfDir, writeMlfTar, type FakeMlf } from './mlf-writer.js';

const LETSCOPE = path.resolve(import.meta.dirname, '../../../shared/mlf/letscope.tar');
const TMP = mkdtempSync(path.join(os.tmpdir(), 'mlf-read-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

let n = 0;
const tmp = (name: string) => path.join(TMP, `${n++}-${name}`);

async function load(source: string) {
  const m = await loadModel(source, { stagingParent: TMP });
  await m.cleanup();
  return m;
}

async function failure(source: string, board?: string): Promise<MlfError> {
  try {
    if (board) await generateProject({ model: source, board, outDir: tmp('out'), stagingParent: TMP });
    else await load(source);
  } catch (e) {
    expect(e).toBeInstanceOf(MlfError);
    return e as MlfError;
  }
  throw new Error(`${source} was accepted`);
}

describe('reading MLFs', () => {
  it('letscope.tar (TVM 0.13, v7): module, tensors, workspace, entry point, runtime headers', async () => {
    const m = await load(LETSCOPE);
    expect(m.metadataVersion).toBe(7);
    expect(m.module).toBe('default');
    expect(m.cpu).toBe('cortex-m7');
    expect(m.inputs).toEqual([{ name: 'serving_default_input_1:0', member: 'serving_default_input_1_0', dtype: 'int8', count: 5 }]);
    expect(m.outputs).toEqual([{ name: 'StatefulPartitionedCall_0', member: 'StatefulPartitionedCall_0', dtype: 'int8', count: 1 }]);
    expect(m.workspaceBytes).toBe(3088);
    expect(m.entry).toEqual({ kind: 'structs', symbol: 'tvmgen_default_run', file: 'codegen/host/src/default_lib0.c' });
    expect(m.hasRuntimeInclude).toBe(true);
    expect(existsSync(m.dir)).toBe(false); // cleaned up
  });

  it('v5 tarball: types from the Relay text (tuple result), only run_model defined, no runtime/', async () => {
    const m = await load(await writeMlfTar(tmp('v5.tar'), V5_MULTI.spec));
    expect(m.metadataVersion).toBe(5);
    expect(m.inputs.map((t) => [t.name, t.dtype, t.count])).toEqual([
      ['pixels', 'uint8', 4],
      ['bias', 'int16', 3],
    ]);
    expect(m.outputs.map((t) => [t.name, t.dtype, t.count])).toEqual([
      ['output0', 'int32', 2],
      ['output1', 'uint8', 4],
    ]);
    expect(m.entry).toMatchObject({ kind: 'pointers', symbol: 'tvmgen_default_run_model', argCount: 4 });
    expect(m.hasRuntimeInclude).toBe(false);
  });

  it('v6 .tgz: target list, module sensor_net, a sanitized tensor name, float32', async () => {
    const m = await load(await writeMlfTar(tmp('v6.tgz'), V6_FLOAT.spec, { gzip: true }));
    expect(m.metadataVersion).toBe(6);
    expect(m.module).toBe('sensor_net');
    expect(m.prefix).toBe('tvmgen_sensor_net');
    expect(m.inputs).toEqual([{ name: 'input_1:0', member: 'input_1_0', dtype: 'float32', count: 3 }]);
    expect(m.entry).toMatchObject({ kind: 'structs', symbol: 'tvmgen_sensor_net_run' });
  });

  it('v7 directory: tensor order is the header order, not the sorted metadata order', async () => {
    const m = await load(await writeMlfDir(tmp('v7dir'), V7_KWS.spec));
    expect(m.inputs.map((t) => t.name)).toEqual(['z_audio', 'a_gain']);
    expect(m.outputs.map((t) => [t.name, t.dtype, t.count])).toEqual([
      ['scores', 'int32', 2],
      ['energy', 'int16', 1],
    ]);
    expect(m.workspaceBytes).toBe(128);
  });

  it('v7 without tensors in metadata (TVM 0.9): types from the Relay text', async () => {
    const m = await load(await writeMlfDir(tmp('v7-09'), { ...V7_KWS.spec, metadataTensors: false }));
    expect(m.inputs.map((t) => [t.name, t.dtype, t.count])).toEqual([
      ['z_audio', 'int8', 6],
      ['a_gain', 'int8', 1],
    ]);
  });

  it('a tarball of a folder holding the MLF', async () => {
    const dir = tmp('wrapped');
    await writeMlfDir(path.join(dir, 'model'), V7_KWS.spec);
    const file = `${dir}.tar`;
    await tar.c({ file, cwd: dir }, ['model']);
    expect((await load(file)).module).toBe('kws');
  });
});

const MARKER = 'do-not-quote-5f1e';

/** One spec per problem; a marker in the files must never reach a message. */
const withMarker = (spec: FakeMlf): FakeMlf => ({ ...spec, extra: { 'README.txt': MARKER, ...spec.extra } });

describe('bad MLFs: each gets its own message', () => {
  const messages = new Map<string, string>();
  afterAll(() => {
    // every message differs from every other
    expect(new Set(messages.values()).size).toBe(messages.size);
    if (process.env.SHOW_MLF_MESSAGES) for (const [k, m] of messages) console.log(`${k}: ${m}`);
    for (const m of messages.values()) expect(m).not.toContain(MARKER);
  });

  it('not a tar', async () => {
    const file = tmp('model.tar');
    writeFileSync(file, `${MARKER}\n`.repeat(100));
    const e = await failure(file);
    expect(e.kind).toBe('unreadable');
    expect(e.message).toMatch(/not a tar archive/);
    messages.set('not-tar', e.message);
  });

  it('a damaged .tar.gz', async () => {
    const file = await writeMlfTar(tmp('cut.tgz'), V7_KWS.spec, { gzip: true });
    const { readFileSync } = await import('node:fs');
    writeFileSync(file, readFileSync(file).subarray(0, 200));
    const e = await failure(file);
    expect(e.kind).toBe('unreadable');
    messages.set('damaged', e.message);
  });

  it('a missing file', async () => {
    const e = await failure(tmp('nowhere.tar'));
    expect(e.message).toMatch(/does not exist/);
    messages.set('missing', e.message);
  });

  it('no metadata.json', async () => {
    const e = await failure(await writeMlfTar(tmp('nometa.tar'), withMarker({ ...V7_KWS.spec, omit: ['metadata'] })));
    expect(e.kind).toBe('no-metadata');
    expect(e.message).toMatch(/no metadata\.json/);
    messages.set('no-metadata', e.message);
  });

  it('an unsupported metadata version', async () => {
    const dir = await writeMlfDir(tmp('v4'), withMarker(V6_FLOAT.spec));
    const { readFileSync } = await import('node:fs');
    const meta = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
    writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify({ ...meta, version: 4 }));
    const e = await failure(dir);
    expect(e.kind).toBe('version');
    expect(e.message).toMatch(/version 4.*5, 6, 7/);
    messages.set('version', e.message);
  });

  it('graph executor (host-driven)', async () => {
    const e = await failure(await writeMlfTar(tmp('graph.tar'), withMarker({ ...V7_KWS.spec, executor: 'graph' })));
    expect(e.kind).toBe('executor');
    expect(e.message).toMatch(/graph executor/);
    expect(e.message).toContain('--executor=aot');
    expect(e.message).toContain('--runtime=crt');
    messages.set('graph', e.message);
  });

  it('a target that is not Cortex-M, and an llvm target', async () => {
    const a53 = await failure(await writeMlfTar(tmp('a53.tar'), withMarker({ ...V6_FLOAT.spec, target: 'c -keys=arm_cpu,cpu -mcpu=cortex-a53' })));
    expect(a53.kind).toBe('target');
    expect(a53.message).toMatch(/cortex-a53.*not a Cortex-M/);
    expect(a53.message).toContain('--executor=aot');
    const host = await failure(await writeMlfTar(tmp('host.tar'), withMarker({ ...V5_MULTI.spec, target: 'c -keys=cpu' })));
    expect(host.message).toMatch(/for the host/);
    const llvm = await failure(await writeMlfTar(tmp('llvm.tar'), withMarker({ ...V7_KWS.spec, target: 'llvm -mtriple=thumbv7em-none-eabi -mcpu=cortex-m7' })));
    expect(llvm.message).toMatch(/'llvm' target/);
    messages.set('a53', a53.message).set('host', host.message).set('llvm', llvm.message);
  });

  it('a missing header', async () => {
    const e = await failure(await writeMlfTar(tmp('nohdr.tar'), withMarker({ ...V7_KWS.spec, omit: ['header'] })));
    expect(e.kind).toBe('header');
    expect(e.message).toContain('codegen/host/include/tvmgen_kws.h');
    expect(e.message).toContain('--executor-aot-interface-api=c');
    messages.set('header', e.message);
  });

  it('an unsupported dtype', async () => {
    const spec: FakeMlf = { ...V7_KWS.spec, outputs: [{ name: 'half', dtype: 'float16', shape: [2] }], body: '  out0[0] = 0;' };
    const e = await failure(await writeMlfTar(tmp('f16.tar'), withMarker(spec)));
    expect(e.kind).toBe('dtype');
    expect(e.message).toMatch(/float16.*int8, uint8, int16, int32, float32/);
    messages.set('dtype', e.message);
  });

  it('v5 without the Relay text: the types are nowhere', async () => {
    const e = await failure(await writeMlfTar(tmp('norelay.tar'), withMarker({ ...V5_MULTI.spec, omit: ['relay'] })));
    expect(e.message).toMatch(/neither in metadata\.json nor in the Relay text/);
    messages.set('no-relay', e.message);
  });

  it('no entry point defined (a header without the code behind it)', async () => {
    const spec: FakeMlf = { ...V6_FLOAT.spec, entry: 'pointers' };
    const dir = await writeMlfDir(tmp('noentry'), withMarker(spec));
    const lib = path.join(dir, 'codegen/host/src/sensor_net_lib1.c');
    const { readFileSync } = await import('node:fs');
    writeFileSync(lib, readFileSync(lib, 'utf8').replace('_run_model(', '_compute('));
    const e = await failure(dir);
    expect(e.kind).toBe('entry-point');
    messages.set('entry', e.message);
  });

  it('too big for the board, from metadata, before any build', async () => {
    const file = await writeMlfTar(tmp('bigws.tar'), withMarker({ ...V7_KWS.spec, workspaceBytes: 400 * 1024 }));
    const e = await failure(file, 'f746_disco');
    expect(e.kind).toBe('too-big');
    expect(e.message).toMatch(/too big for f746_disco.*320\.0 KiB/);
    messages.set('too-big', e.message);
    // the emulated board has 4 MiB of RAM: the same tarball generates
    const project = await generateProject({ model: file, board: 'mps2_an500', outDir: tmp('bigws-mps2'), stagingParent: TMP });
    expect(project.model.workspaceBytes).toBe(400 * 1024);
    expect(project.note).toBeNull();
  });

  it('a model for another Cortex-M core generates, with a note', async () => {
    const file = await writeMlfTar(tmp('m4.tar'), { ...V7_KWS.spec, target: 'c -keys=arm_cpu,cpu -mcpu=cortex-m4' });
    const project = await generateProject({ model: file, board: 'f746_disco', outDir: tmp('m4-out'), stagingParent: TMP });
    expect(project.model.cpu).toBe('cortex-m4');
    expect(project.note).toMatch(/compiled for cortex-m4; f746_disco is a cortex-m7/);
  });

  it('a symbolic link, and a tarball past the size cap', async () => {
    const src = tmp('link-src');
    await writeMlfDir(src, V7_KWS.spec);
    symlinkSync('/etc/passwd', path.join(src, 'codegen/host/src/kws_lib2.c'));
    const file = tmp('link.tar');
    await tar.c({ file, cwd: src }, ['.']);
    const link = await failure(file);
    expect(link.kind).toBe('unsafe');
    expect(link.message).toMatch(/is a link, which an MLF never holds/);
    const out = tmp('capped');
    mkdirSync(out);
    const small = await writeMlfTar(tmp('small.tar'), V7_KWS.spec);
    const capped = await extractTarball(small, out, 1000).then(
      () => null,
      (e: unknown) => e as MlfError,
    );
    expect(capped?.kind).toBe('unsafe');
    expect(capped?.message).toMatch(/unpacks to more than 1000 bytes/);
    messages.set('link', link.message).set('cap', capped!.message);
  });

  it('an entry that climbs out of the staging directory', async () => {
    const src = tmp('evil-src');
    mkdirSync(path.join(src, 'a'), { recursive: true });
    writeFileSync(path.join(src, 'evil'), MARKER);
    const file = tmp('evil.tar');
    await tar.c({ file, cwd: path.join(src, 'a'), preservePaths: true }, ['../evil']);
    const e = await failure(file);
    expect(e.kind).toBe('unsafe');
    expect(e.message).toMatch(/'\.\.'/);
    messages.set('unsafe', e.message);
    expect(readdirSync(TMP).filter((f) => f === 'evil')).toEqual([]);
  });
});
