/**
 * The HTTP contract of the emulated farm: answers, JSON shape, and a clear
 * 4xx for every bad request (never repeating the key).
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServe } from '../../src/serve/server.js';
import { exampleFirmware, type FirmwareImages } from '../helpers/firmware.js';
import { createTask, getTask, postTask, waitFinished } from './helpers.js';

const KEY = 'a-good-key-1234';
let fw: FirmwareImages;
let keyed: RunningServe;
let open: RunningServe;
let dataDir: string;

beforeAll(async () => {
  fw = await exampleFirmware('mps2_an500');
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'serve-api-'));
  keyed = await startServe({ port: 0, boards: 1, keys: [KEY], dataDir, maxImageBytes: 100 * 1024, flashMsPerKiB: 0, bootMs: 0 });
  open = await startServe({ port: 0, boards: 1, liveOutput: true, flashMsPerKiB: 0, bootMs: 0 });
});
afterAll(async () => {
  await Promise.all([keyed?.close(), open?.close()]);
  await rm(dataDir, { recursive: true, force: true });
});

const fetchText = async (url: string, init?: RequestInit): Promise<{ status: number; body: string; headers: Headers }> => {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.text(), headers: res.headers };
};

describe('serve API: answers', () => {
  it('POST answers 200 with the task id as plain text; GET answers compact JSON, output null until finished', async () => {
    const { status, body } = await postTask(keyed.url, fw.elf, '#exit\n', { key: KEY });
    expect(status).toBe(200);
    expect(body).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/); // no newline: used as is

    const early = await fetchText(`${keyed.url}?id=${body}`);
    expect(early.headers.get('content-type')).toBe('application/json');
    const record = JSON.parse(early.body);
    expect(Object.keys(record)).toEqual(['status', 'created', 'started', 'finished', 'code', 'output', 'reservation']);
    if (record.status !== 'finished') expect(record.output).toBeNull();
    expect(new Date(record.created).toISOString()).toBe(record.created);

    await waitFinished(keyed.url, body);
    const done = await fetchText(`${keyed.url}?id=${body}`);
    expect(done.body).toContain('"status":"finished"'); // what All-HW's shell clients grep for
    expect(done.body).not.toMatch(/": /);
    expect(JSON.parse(done.body)).toMatchObject({ status: 'finished', code: 0, reservation: 1 });
  });

  it('binary=true gives base64 output; live output (a server flag) fills it while running', async () => {
    const id = await createTask(open.url, fw.elf, '', { binary: true, timeout: 3 });
    let record = await getTask(open.url, id);
    for (let i = 0; i < 50 && !(record.status === 'running' && record.output); i++) {
      await new Promise((r) => setTimeout(r, 100));
      record = await getTask(open.url, id);
    }
    expect(record.status).toBe('running');
    expect(Buffer.from(record.output!, 'base64').toString()).toContain('allhw-ci synth AOT runtime');
    const done = await waitFinished(open.url, id);
    expect(Buffer.from(done.output!, 'base64').toString()).toMatch(/Execution timeout detected \(3 s\)/);
  });

  it('any key, or none, is accepted when the server has no keys', async () => {
    expect((await postTask(open.url, fw.elf, '#exit\n', { key: 'whatever' })).status).toBe(200);
    expect((await postTask(open.url, fw.elf, '#exit\n', { query: { key: null } })).status).toBe(200);
  });
});

describe('serve API: clear 4xx answers', () => {
  it('a missing key is 401, an unknown key 403, and neither answer repeats a key', async () => {
    const missing = await postTask(keyed.url, fw.elf, '', { query: { key: null } });
    expect(missing.status).toBe(401);
    expect(missing.body).toMatch(/Missing API key: add \?key=/);
    const wrong = await postTask(keyed.url, fw.elf, '', { key: 'not-the-right-key' });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toContain('Unknown API key');
    expect(wrong.body).not.toContain('not-the-right-key');
    expect(wrong.body).not.toContain(KEY);
  });

  it.each([
    ['timeout', '0', /Bad timeout="0": expected a whole number of seconds from 1 to 3600/],
    ['timeout', 'ten', /Bad timeout="ten"/],
    ['timeout', '99999', /Bad timeout="99999"/],
    ['rate', '-9600', /Bad rate="-9600": expected a whole number of baud/],
    ['rate', '115200.5', /Bad rate="115200.5"/],
    ['version', 'V4', /Unsupported version "V4": this service speaks version=V3/],
    ['binary', 'yes', /Bad binary="yes"/],
  ])('bad %s=%s is 400 and says which parameter', async (name, value, message) => {
    const { status, body } = await postTask(keyed.url, fw.elf, '', { key: KEY, query: { [name]: value } });
    expect(status).toBe(400);
    expect(body).toMatch(message);
  });

  it('a missing part is 400 naming the part; an empty firmware is 400', async () => {
    const form = new FormData();
    form.append('firmware', new Blob([Buffer.from('\x7fELF')]), 'fw.elf');
    const noInput = await fetchText(`${keyed.url}?key=${KEY}&timeout=5`, { method: 'POST', body: form });
    expect(noInput.status).toBe(400);
    expect(noInput.body).toContain('Missing multipart part "input"');

    const onlyInput = new FormData();
    onlyInput.append('input', new Blob(['#exit\n']), 'in.txt');
    const noFirmware = await fetchText(`${keyed.url}?key=${KEY}`, { method: 'POST', body: onlyInput });
    expect(noFirmware.status).toBe(400);
    expect(noFirmware.body).toContain('Missing multipart part "firmware"');

    const empty = new FormData();
    empty.append('firmware', new Blob([]), 'fw.elf');
    empty.append('input', new Blob([]), 'in.txt');
    const emptyFirmware = await fetchText(`${keyed.url}?key=${KEY}`, { method: 'POST', body: empty });
    expect(emptyFirmware.status).toBe(400);
    expect(emptyFirmware.body).toContain('The "firmware" part is empty');
  });

  it('a body that is not multipart is 400 and shows how to send one', async () => {
    const res = await fetchText(`${keyed.url}?key=${KEY}`, { method: 'POST', body: 'firmware bytes', headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(400);
    expect(res.body).toContain('curl -F firmware=@fw.elf -F input=@input.txt');
  });

  it('an image over the size limit is 413 naming the flag, and leaves nothing on disk', async () => {
    const big = path.join(dataDir, 'big.bin');
    await writeFile(big, Buffer.alloc(300 * 1024, 1));
    const before = await readdir(path.join(dataDir, 'tasks'));
    const { status, body } = await postTask(keyed.url, big, '', { key: KEY });
    expect(status).toBe(413);
    expect(body).toContain("larger than this service's limit of 0.10 MiB (the server's --max-image-mb flag)");
    expect(await readdir(path.join(dataDir, 'tasks'))).toEqual(before);
  });

  it('an unknown task id is 404; a GET without id is 400', async () => {
    const unknown = await fetchText(`${keyed.url}?id=7b00ab0c-8566-46ae-ada8-45bc2bdc81d4`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('Unknown task id "7b00ab0c-8566-46ae-ada8-45bc2bdc81d4"');
    const noId = await fetchText(keyed.url);
    expect(noId.status).toBe(400);
    expect(noId.body).toContain('Missing task id');
  });

  it('other paths are 404 and other verbs 405', async () => {
    const other = await fetchText(keyed.url.replace('/ci/usertask', '/ci/tasks'));
    expect(other.status).toBe(404);
    expect(other.body).toContain('The CI API is at /ci/usertask');
    const put = await fetchText(keyed.url, { method: 'DELETE' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
  });
});
