/**
 * A loopback HTTP server standing in for Arm's servers and mirrors. It
 * counts requests, honours Range (so resumed downloads can be tested), and
 * can answer 404 or cut responses short on purpose.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sha256 } from './fixtures.js';

export interface Route {
  body: Buffer;
  /** Answer with this status and no body. */
  status?: number;
  /** Cut this many of the next responses short, at half of what they would send. */
  truncate?: number;
  /** Ignore Range headers (answer 200 with the whole file). */
  noRange?: boolean;
  /** Answer a 302 to this path instead. */
  redirectTo?: string;
}

export interface MirrorServer {
  url: string;
  /** Every request, as "METHOD /path [range]". */
  requests: string[];
  routes: Map<string, Route>;
  close(): Promise<void>;
}

export async function startMirror(): Promise<MirrorServer> {
  const routes = new Map<string, Route>();
  const requests: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const range = req.headers.range;
    requests.push(`${req.method} ${req.url}${range ? ` ${range}` : ''}`);
    const route = routes.get(decodeURIComponent(req.url ?? ''));
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (route.redirectTo) {
      res.writeHead(302, { location: route.redirectTo }).end();
      return;
    }
    if (route.status) {
      res.writeHead(route.status, { 'content-type': 'text/plain' }).end(`status ${route.status}\n`);
      return;
    }
    const etag = `"${sha256(route.body).slice(0, 16)}"`;
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(range ?? '');
    const ifRange = req.headers['if-range'];
    if (m && !route.noRange && (!ifRange || ifRange === etag)) start = Number(m[1]);
    const slice = route.body.subarray(start);
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'content-length': slice.length,
      etag,
      'accept-ranges': 'bytes',
    };
    if (start > 0) headers['content-range'] = `bytes ${start}-${route.body.length - 1}/${route.body.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    if (route.truncate && route.truncate > 0) {
      route.truncate--;
      res.write(slice.subarray(0, Math.floor(slice.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
