/**
 * Client fixes found by the fault suite, each on a scripted loopback server:
 * a finished output garbled on the way (not base64 though binary=true was
 * asked) is read again, as a GET is safe to repeat; a service that really
 * answers in plain text still gets its text kept after a few reads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AllhwClient, decodeOutput } from '../../src/allhw/client.js';
import { startLoopback, type Loopback } from '../allhw/loopback.js';

const UART = Buffer.from('banner\r\n#result:1,2,3:456\r\n');
const record = (output: string) =>
  JSON.stringify({ status: 'finished', created: 'c', started: 's', finished: 'f', code: 0, output, reservation: 1 });

let server: Loopback | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function client(url: string): AllhwClient {
  return new AllhwClient({ baseUrl: url, apiKey: 'k', timeoutS: 10, rate: 115200, log: '0', retry: { baseDelayMs: 10, maxDelayMs: 20 } });
}

describe('a finished output that is not base64', () => {
  it('is read again until it is', async () => {
    const good = UART.toString('base64');
    const garbled = `${good.slice(0, 10)}*${good.slice(11, -1)}`;
    server = await startLoopback((_req, res, i) => res.end(record(i === 0 ? garbled : good)));
    const rec = await client(server.url).getTask('t1');
    expect(server.requests).toHaveLength(2);
    expect(decodeOutput(rec.output)).toEqual({ bytes: UART, plainText: false });
  });

  it('is kept as plain text when the service sends the same text on every read', async () => {
    server = await startLoopback((_req, res) => res.end(record(UART.toString('utf8'))));
    const rec = await client(server.url).getTask('t1');
    expect(server.requests).toHaveLength(3); // the first read and two re-reads, not the five a failure gets
    expect(decodeOutput(rec.output)).toEqual({ bytes: UART, plainText: true });
  });

  it('is not re-read while the task runs (partial output is a bonus)', async () => {
    server = await startLoopback((_req, res) => res.end(JSON.stringify({ status: 'running', code: null, output: 'partial text' })));
    const rec = await client(server.url).getTask('t1');
    expect(server.requests).toHaveLength(1);
    expect(rec.output).toBe('partial text');
  });
});
