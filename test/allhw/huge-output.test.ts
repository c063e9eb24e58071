/**
 * Reading a task record from its bytes (record.ts readTaskRecord, body.ts,
 * base64.ts): a plain base64 output is decoded from the response's chunks
 * without ever being one string. It must read every body exactly as the
 * general way (JSON.parse, then decodeOutput) does — whatever the chunking,
 * escapes or odd key placement — and keep the key out of every message.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeBase64Parts } from '../../src/allhw/base64.js';
import { ChunkedBody } from '../../src/allhw/body.js';
import { AllhwClient, AllhwError, decodeOutput, parseTaskRecord, readTaskRecord } from '../../src/allhw/client.js';
import { record, startLoopback, type Loopback } from './loopback.js';

const KEY = 'k3y/with+special&chars=';
const WHERE = 'GET http://farm/ci/usertask?id=t';

/** The body cut into chunks of the given sizes, cycling (the last chunk takes the rest). */
function chunked(body: string | Buffer, sizes: number[]): ChunkedBody {
  const bytes = Buffer.from(body);
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return new ChunkedBody(chunks);
}

/** What the record means, read the general way (the reference). */
function reference(body: string) {
  const rec = parseTaskRecord(body, WHERE, KEY);
  return { ...rec, uart: decodeOutput(rec.output) };
}

function expectSameReading(body: string, sizes: number[]): void {
  const want = reference(body);
  const got = readTaskRecord(chunked(body, sizes), WHERE, KEY);
  expect({ ...got, output: undefined }).toEqual({ ...want, output: undefined });
  expect(got.uart?.bytes.equals(want.uart!.bytes) ?? want.uart === null).toBe(true);
}

const CHUNKINGS = [[1], [2, 3], [7], [4096], [65_536 + 3], [1_000_000]];

describe('readTaskRecord reads a body as JSON.parse + decodeOutput would', () => {
  const uart = randomBytes(200_003); // every byte value, a length that needs padding
  const base64 = uart.toString('base64');

  it('a plain base64 output, however the body is chunked', () => {
    const body = record({ status: 'finished', code: 0, output: base64, reservation: 3 });
    for (const sizes of CHUNKINGS) {
      const got = readTaskRecord(chunked(body, sizes), WHERE, KEY);
      expect(got.uart).toEqual({ bytes: uart, plainText: false });
      expect(got).toMatchObject({ status: 'finished', code: 0, reservation: 3 });
      expect(got.output).toBe(base64); // made again from the bytes when asked for
    }
  });

  it('slashes escaped as \\/ (split across chunks anywhere), padding of every length', () => {
    for (const n of [0, 1, 2, 3, 1000, 1001, 1002]) {
      const bytes = randomBytes(n);
      const body = record({ status: 'finished', output: bytes.toString('base64') }).replaceAll('/', '\\/');
      for (const sizes of CHUNKINGS) expectSameReading(body, sizes);
      expect(readTaskRecord(chunked(body, [3]), WHERE, KEY).uart?.bytes.equals(bytes)).toBe(true);
    }
  });

  it('outputs that are not plain base64 take the general path', () => {
    const bodies = [
      record({ status: 'finished', output: base64.replace(/.{76}/g, '$&\n') }), // MIME-wrapped: \n escapes
      record({ status: 'finished', output: 'hello world\r\n#result:1,2:3\n' }), // plain text
      record({ status: 'finished', output: 'QUJD\\/' }), // a real backslash: \\/ in JSON
      record({ status: 'finished', output: 'QUJD=A==' }), // padding in the middle
      record({ status: 'finished', output: 'QUJDRA' }), // length not a multiple of 4
      record({ status: 'finished', output: 'QUJDRA== ' }),
      record({ status: 'finished', output: 'Zm9v\u00e9' }),
      record({ status: 'running', output: null }),
      record({ status: 'running', output: '' }),
      `{"status":"finished","output" : "${base64.slice(0, 400)}","code":0}`,
    ];
    for (const body of bodies) for (const sizes of CHUNKINGS) expectSameReading(body, sizes);
  });

  it('an "output" that is not the record\'s own is never taken for it', () => {
    const good = Buffer.from('good').toString('base64');
    const bad = Buffer.from('bad!').toString('base64');
    const bodies = [
      `{"status":"finished","x":{"output":"${bad}"},"output":"${good}"}`, // nested first
      `{"status":"finished","a\\"output":"${bad}","output":"${good}"}`, // inside an escaped key
      `{"status":"finished","output":"${bad}","output":"${good}"}`, // duplicate: JSON.parse keeps the last
      `{"status":"finished","note":"\\"output\\":\\"${bad}\\"","output":"${good}"}`,
    ];
    for (const body of bodies) {
      expect(readTaskRecord(Buffer.from(body), WHERE, KEY).uart?.bytes.toString()).toBe('good');
      for (const sizes of CHUNKINGS) expectSameReading(body, sizes);
    }
  });

  it('scrubs the key from the small fields, never from the output bytes', () => {
    const uartWithKey = Buffer.from(`banner ${KEY}\n`);
    const body = record({ status: `odd ${KEY}`, created: `?key=${encodeURIComponent(KEY)}`, output: uartWithKey.toString('base64') });
    const got = readTaskRecord(chunked(body, [5]), WHERE, KEY);
    expect(got.status).toBe('odd ***');
    expect(got.created).toBe('?key=***');
    // The board's bytes as they came: the results store masks them before any file (test/results/store.test.ts).
    expect(got.uart?.bytes.equals(uartWithKey)).toBe(true);
  });
});

describe('decodeBase64Parts', () => {
  /** The text cut into parts at every pair of places. */
  function splits(text: string): Buffer[][] {
    const bytes = Buffer.from(text, 'latin1');
    const out: Buffer[][] = [[bytes]];
    for (let i = 1; i < bytes.length; i++) {
      for (let j = i; j < bytes.length; j++) out.push([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)].filter((b) => b.length > 0));
    }
    return out;
  }

  it('decodes base64 with \\/ escapes, cut anywhere', () => {
    const bytes = Buffer.from([0xff, 0xff, 0xff, 0xfc, 0x3f, 0xff, 0x01]); // base64 '////P/8B': many slashes
    const escaped = bytes.toString('base64').replaceAll('/', '\\/');
    for (const parts of splits(escaped)) expect(decodeBase64Parts(parts)?.equals(bytes)).toBe(true);
    expect(decodeBase64Parts([])?.length).toBe(0);
  });

  it('decodes a large output read in many pieces', () => {
    const bytes = randomBytes(300_001);
    const text = bytes.toString('base64').replaceAll('/', '\\/');
    const parts = chunked(text, [65_535, 17, 100_000]).chunks;
    expect(decodeBase64Parts(parts)?.equals(bytes)).toBe(true);
  });

  it('refuses anything but plain, well-formed base64, cut anywhere', () => {
    for (const text of ['QUJD\\\\/', 'QUJD\\', 'QU\\nJD', 'QUJD=A==', 'QUJDRA', 'QUJDRA== ', 'QU JD', 'QUJ\u00e9', 'A===', '====', 'QUJDR===']) {
      for (const parts of splits(text)) expect(decodeBase64Parts(parts), `${text} in ${parts.length} part(s)`).toBeNull();
    }
  });
});

describe('errors about a huge body', () => {
  it('show a short, scrubbed snippet, and no part of a key cut by the window', () => {
    // Garbage past JSON, the key where the 64 KiB window ends: the first half is inside it.
    const window = 64 * 1024;
    for (const form of [KEY, encodeURIComponent(KEY)]) {
      const body = `${' '.repeat(window - Math.floor(form.length / 2))}${form}${'x'.repeat(5_000_000)}`;
      let error: unknown;
      try {
        readTaskRecord(chunked(body, [65_536]), WHERE, KEY);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AllhwError);
      const message = (error as Error).message;
      expect(message).toMatch(/answered 200 with a body that is not JSON: '/);
      expect(message.length).toBeLessThan(500);
      for (let k = 4; k <= form.length; k++) expect(message).not.toContain(form.slice(0, k));
    }
  });
});

describe('AllhwClient.getTask with a large output over HTTP', () => {
  let server: Loopback | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('decodes it whole, with and without a Content-Length', async () => {
    const uart = randomBytes(20 * 1024 * 1024 + 1);
    const body = Buffer.from(record({ status: 'finished', code: 156, output: uart.toString('base64') }));
    server = await startLoopback((req, res) => {
      // Chunked transfer for one request, a declared length for the other.
      if (req.url.searchParams.get('id') === 'sized') res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    });
    const allhw = new AllhwClient({ baseUrl: server.url, apiKey: KEY, timeoutS: 5, rate: 115200, log: '0' });
    try {
      for (const id of ['sized', 'streamed']) {
        const rec = await allhw.getTask(id);
        expect(rec).toMatchObject({ status: 'finished', code: 156 });
        expect(rec.uart?.plainText).toBe(false);
        expect(rec.uart?.bytes.equals(uart)).toBe(true);
      }
      expect(server.requests).toHaveLength(2);
    } finally {
      await allhw.close();
    }
  });
});
