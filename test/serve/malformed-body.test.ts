/**
 * A POST whose multipart body is malformed gets its 400 (or 413) at once,
 * with the reason, over real sockets: raw bytes written with node:net (so
 * nothing fixes the body up), and curl. Every request has a time bound: the
 * failure these guard against is a server that never answers.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServe } from '../../src/serve/server.js';

const run = promisify(execFile);
let serve: RunningServe;
let dataDir: string;
let port: number;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'serve-malformed-'));
  serve = await startServe({ port: 0, boards: 1, dataDir, maxImageBytes: 4 * 1024 * 1024, maxInputBytes: 1024 * 1024, flashMsPerKiB: 0, bootMs: 0 });
  port = Number(new URL(serve.url).port);
});
afterAll(async () => {
  await serve?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const PATH = '/ci/usertask?key=k&timeout=5&version=V3&rate=115200';

interface RawAnswer {
  status: number;
  body: string;
  /** Body bytes this client had written when the answer's first bytes came. */
  sentWhenAnswered: number;
}

/** Reads the answer on a socket: status line, headers, body (to the end or Content-Length). */
function answerOf(socket: Socket, sent: () => number, withinMs: number): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let text = '';
    let sentWhenAnswered = -1;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${withinMs} ms (got ${JSON.stringify(text.slice(0, 200))})`));
    }, withinMs);
    const done = (): void => {
      const m = /^HTTP\/1\.1 (\d+)[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
      if (!m) return;
      const length = /content-length: *(\d+)/i.exec(m[2]!);
      if (length && Buffer.byteLength(m[3]!) < Number(length[1])) return;
      clearTimeout(timer);
      resolve({ status: Number(m[1]), body: m[3]!, sentWhenAnswered });
    };
    socket.on('data', (d: Buffer) => {
      if (sentWhenAnswered < 0) sentWhenAnswered = sent();
      text += d.toString('utf8');
      done();
    });
    socket.on('error', () => undefined); // a reset after the answer is allowed
    socket.on('close', () => done());
  });
}

/** Sends a whole request (head and body) and reads the answer. */
async function rawPost(contentType: string, body: Buffer | string, withinMs = 5000): Promise<RawAnswer> {
  const bytes = Buffer.from(body);
  const socket = connect(port, '127.0.0.1');
  const answer = answerOf(socket, () => bytes.length, withinMs);
  socket.write(`POST ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\nContent-Length: ${bytes.length}\r\n\r\n`);
  socket.write(bytes);
  return answer;
}

const B = 'X-test-boundary-3f9a';
const CT = `multipart/form-data; boundary=${B}`;
const part = (name: string, content: string, headers = `Content-Disposition: form-data; name="${name}"; filename="${name}.bin"`): string =>
  `--${B}\r\n${headers}\r\n\r\n${content}\r\n`;
const good = part('firmware', 'ELF?') + part('input', '#exit\n');

async function tasksLeft(): Promise<string[]> {
  return readdir(path.join(dataDir, 'tasks'));
}

describe('serve: a malformed multipart body is answered at once', () => {
  it.each([
    ['no closing boundary', good, /ended before the closing multipart boundary/],
    ['garbage after a boundary', `--${B}junk\r\n` + good.slice(B.length + 4) + `--${B}--\r\n`, /unexpected bytes after a multipart boundary/],
    ['garbage after the last boundary, no line end', good + `--${B}xx`, /unexpected bytes after a multipart boundary/],
    [
      'a part without Content-Disposition',
      part('firmware', 'x', 'Content-Type: application/octet-stream') + `--${B}--\r\n`,
      /no "Content-Disposition: form-data" header/,
    ],
    ['a part with no headers at all', `--${B}\r\n\r\nbytes\r\n--${B}--\r\n`, /no "Content-Disposition: form-data" header/],
    [
      'a body that uses another boundary',
      good.replaceAll(B, 'other-boundary') + '--other-boundary--\r\n',
      /does not start with the boundary "--X-test-boundary-3f9a"/,
    ],
    ['an empty body', '', /does not start with the boundary/],
  ])('%s: 400 with the reason', async (_name, body, reason) => {
    const answer = await rawPost(CT, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/^Malformed multipart body: /);
    expect(answer.body).toMatch(reason);
    expect(await tasksLeft()).toEqual([]);
  });

  it('a boundary longer than the 70 characters of RFC 2046 is 400 saying so, and a 70-character one works', async () => {
    const long = 'b'.repeat(71);
    const answer = await rawPost(`multipart/form-data; boundary=${long}`, `--${long}\r\n` + good.slice(B.length + 4).replaceAll(B, long) + `--${long}--\r\n`);
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('71 characters long; RFC 2046 allows at most 70');
    const ok = 'c'.repeat(70);
    // A body with the 70-character boundary reaches the part checks (the firmware is empty): the boundary was accepted.
    const body = `--${ok}\r\n${part('firmware', '').slice(B.length + 4)}${part('input', '').replaceAll(B, ok)}--${ok}--\r\n`;
    const accepted = await rawPost(`multipart/form-data; boundary="${ok}"`, body);
    expect(accepted.body).toContain('The "firmware" part is empty');
  });

  it('a boundary with characters RFC 2046 forbids is 400', async () => {
    const answer = await rawPost('multipart/form-data; boundary=ab{c}', `--ab{c}\r\n`);
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('characters RFC 2046 does not allow');
  });

  it('a declared body over the size limit is 413 before any of it is read', async () => {
    const socket = connect(port, '127.0.0.1');
    const answer = answerOf(socket, () => 0, 5000);
    socket.write(`POST ${PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: ${CT}\r\nContent-Length: ${200 * 1024 * 1024}\r\n\r\n`);
    const got = await answer;
    socket.destroy();
    expect(got.status).toBe(413);
    expect(got.body).toContain("larger than this service's limit of 6 MiB");
  });

  /** Streams `total` bytes of `fill` as a chunked body until the server answers; returns the answer. */
  async function streamUntilAnswered(first: string, fill: Buffer, total: number): Promise<RawAnswer & { closedByServer: boolean }> {
    const socket = connect(port, '127.0.0.1');
    let sent = 0;
    let answered = false;
    let closed = false;
    socket.on('close', () => (closed = true));
    const answer = answerOf(socket, () => sent, 20_000).finally(() => (answered = true));
    socket.write(`POST ${PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: ${CT}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = (b: Buffer): Buffer => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
    if (first) socket.write(chunk(Buffer.from(first))); // a 0-length chunk would end the body
    while (sent < total && !answered && !closed) {
      const ok = socket.write(chunk(fill));
      sent += fill.length;
      if (!ok) await new Promise((r) => socket.once('drain', r).once('close', r));
      else await new Promise((r) => setImmediate(r));
    }
    const got = await answer;
    // The server stops reading what it no longer needs: it hangs up while we still have most of the body to send.
    for (let i = 0; i < 200 && !closed; i++) {
      if (socket.writable) socket.write(chunk(fill));
      await new Promise((r) => setTimeout(r, 25));
    }
    socket.destroy();
    return { ...got, closedByServer: closed };
  }

  it.each([
    ['200 MB with no boundary: 400 after the first KiBs', '', 0x41, 400, 'does not start with the boundary', 32],
    [
      'an endless unknown part: 413 once the body passes the limit',
      `--${B}\r\nContent-Disposition: form-data; name="padding"\r\n\r\n`,
      0x42,
      413,
      '--max-image-mb and --max-input-mb',
      48,
    ],
  ] as const)('%s, then the server hangs up', async (_name, head, fill, status, reason, answeredWithinMiB) => {
    const got = await streamUntilAnswered(head, Buffer.alloc(64 * 1024, fill), 200 * 1024 * 1024);
    expect(got.status).toBe(status);
    expect(got.body).toContain(reason);
    expect(got.sentWhenAnswered).toBeLessThan(answeredWithinMiB * 1024 * 1024);
    expect(got.closedByServer).toBe(true);
    expect(await tasksLeft()).toEqual([]);
  });

  it('after all of these, the server still creates tasks', async () => {
    const answer = await rawPost(CT, good + `--${B}--\r\n`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.skipIf(!existsSync('/usr/bin/curl'))('curl gets its 400 for a body without its closing boundary, within seconds', async () => {
    const file = path.join(dataDir, 'cut.body');
    await writeFile(file, good);
    const { stdout } = await run(
      'curl',
      ['-sS', '--max-time', '10', '-H', `Content-Type: ${CT}`, '--data-binary', `@${file}`, '-w', '\n%{http_code}', `http://127.0.0.1:${port}${PATH}`],
      { timeout: 15_000 },
    );
    const lines = stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('400');
    expect(lines.slice(0, -1).join('\n')).toContain('ended before the closing multipart boundary');
  });
});
