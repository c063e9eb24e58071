/**
 * A real HTTP server on 127.0.0.1 whose behaviour each test scripts: the
 * way to exercise what a well-behaved farm never does on demand (429, 503,
 * resets, bad JSON, slow tasks). It records every request with its raw body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type Handler = (req: Recorded, res: ServerResponse, index: number) => unknown;

export interface Loopback {
  url: string;
  port: number;
  requests: Recorded[];
  handle: Handler;
  close(): Promise<void>;
}

export async function startLoopback(handle: Handler, port = 0): Promise<Loopback> {
  const requests: Recorded[] = [];
  const state: Loopback = {
    url: '',
    port: 0,
    requests,
    handle,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rec: Recorded = {
      method: req.method ?? '',
      url: new URL(req.url ?? '/', 'http://127.0.0.1'),
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    requests.push(rec);
    try {
      await state.handle(rec, res, requests.length - 1);
    } catch (e) {
      res.statusCode = 599;
      res.end(String(e));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}/ci/usertask`;
  return state;
}

/** A port on which nothing listens (bound, then released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Part {
  headers: string;
  name: string | null;
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

/** Splits a multipart/form-data body into its parts (bytes kept exact). */
export function parseMultipart(body: Buffer, contentType: string): Part[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!m) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts: Part[] = [];
  let pos = body.indexOf(delimiter);
  if (pos !== 0) throw new Error('body does not start with the boundary');
  for (;;) {
    const afterDelim = pos + delimiter.length;
    if (body.subarray(afterDelim, afterDelim + 2).toString() === '--') break;
    const headerStart = afterDelim + 2; // CRLF
    const headerEnd = body.indexOf('\r\n\r\n', headerStart);
    const headers = body.subarray(headerStart, headerEnd).toString('latin1');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new Error('unterminated part');
    const data = body.subarray(headerEnd + 4, next);
    parts.push({
      headers,
      name: /name="([^"]*)"/.exec(headers)?.[1] ?? null,
      filename: /filename="([^"]*)"/.exec(headers)?.[1] ?? null,
      contentType: /content-type:\s*(.+)/i.exec(headers)?.[1]?.trim() ?? null,
      data,
    });
    pos = next + 2;
  }
  return parts;
}

/** A compact task record, as the service writes it. */
export function record(fields: Partial<Record<string, unknown>>): string {
  return JSON.stringify({
    status: 'queued',
    created: '2024-01-01T00:00:00Z',
    started: null,
    finished: null,
    code: null,
    output: null,
    reservation: null,
    ...fields,
  });
}
