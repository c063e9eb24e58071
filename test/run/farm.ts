/**
 * A scripted All-HW farm on a real loopback HTTP server, speaking the
 * contract (POST multipart → id; GET ?id= → compact JSON record, output in
 * base64). Each task's life is decided by a script from its input, so tests
 * can ask for what a real farm does only by bad luck: a 255, a task stuck in
 * queue, an unknown status, output before `finished`.
 */
import { startLoopback, parseMultipart, type Loopback } from '../allhw/loopback.js';

export interface TaskScript {
  queueMs?: number;
  runMs?: number;
  code?: number;
  /** UART output given the input bytes (default: an echo-sum firmware, see fakeFirmware). */
  output?: (input: string) => string;
  /** Status values reported while running instead of 'running' (e.g. an unknown one). */
  runningStatus?: string;
  /** Fill `output` while running (partial: the bytes printed so far, by time). */
  liveOutput?: boolean;
  /** Never finish. */
  hang?: boolean;
}

export interface FarmTask {
  id: string;
  firmwareName: string | null;
  firmware: Buffer;
  input: string;
  query: Record<string, string>;
  createdAt: number;
  script: TaskScript;
  /** The client read it as finished. */
  seenFinished: boolean;
}

export interface Farm {
  url: string;
  key: string;
  tasks: FarmTask[];
  /** Most tasks created and not yet read back as finished, at any POST. */
  maxInFlight: number;
  gets: number;
  server: Loopback;
  close(): Promise<void>;
}

/** A firmware stand-in: banner, then per #input line `#result:<sum>,<count>:<µs>`, stopping at `#exit`. */
export function fakeFirmware(input: string): string {
  let out = 'Synth firmware ready\r\n';
  for (const line of input.split('\n')) {
    if (line === '#exit') break;
    if (!line.startsWith('#input:')) continue;
    const values = line.slice(7).split(',').map(Number);
    out += `#result:${values.reduce((a, b) => a + b, 0)},${values.length}:${100 + values.length}\r\n`;
  }
  return out;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

export async function startFarm(script: (input: string, index: number) => TaskScript, key = 'farm-key-0042'): Promise<Farm> {
  const farm: Farm = {
    url: '',
    key,
    tasks: [],
    maxInFlight: 0,
    gets: 0,
    server: undefined as unknown as Loopback,
    close: () => farm.server.close(),
  };
  farm.server = await startLoopback((req, res) => {
    const q = Object.fromEntries(req.url.searchParams);
    if (req.method === 'POST') {
      if (q.key !== key) return res.writeHead(401).end('invalid key');
      const parts = parseMultipart(req.body, String(req.headers['content-type']));
      const firmware = parts.find((p) => p.name === 'firmware');
      const input = parts.find((p) => p.name === 'input')?.data.toString('utf8') ?? '';
      const task: FarmTask = {
        id: `task-${farm.tasks.length}-${Date.now().toString(36)}`,
        firmwareName: firmware?.filename ?? null,
        firmware: firmware?.data ?? Buffer.alloc(0),
        input,
        query: q,
        createdAt: Date.now(),
        script: script(input, farm.tasks.length),
        seenFinished: false,
      };
      farm.tasks.push(task);
      farm.maxInFlight = Math.max(farm.maxInFlight, farm.tasks.filter((t) => !t.seenFinished).length);
      return res.end(task.id);
    }
    farm.gets++;
    const task = farm.tasks.find((t) => t.id === q.id);
    if (!task) return res.writeHead(404).end('no such task');
    const s = task.script;
    const elapsed = Date.now() - task.createdAt;
    const queueMs = s.queueMs ?? 0;
    const runMs = s.runMs ?? 100;
    const full = (s.output ?? fakeFirmware)(task.input);
    const started = elapsed >= queueMs ? task.createdAt + queueMs : null;
    const finished = !s.hang && elapsed >= queueMs + runMs;
    let output: string | null = null;
    if (finished) output = full;
    else if (s.liveOutput && started !== null) output = full.slice(0, Math.floor((full.length * (elapsed - queueMs)) / runMs));
    if (finished) task.seenFinished = true;
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        status: finished ? 'finished' : started !== null ? (s.runningStatus ?? 'running') : 'queued',
        created: iso(task.createdAt),
        started: iso(started),
        finished: finished ? iso(task.createdAt + queueMs + runMs) : null,
        code: finished ? (s.code ?? 0) : null,
        output: output === null ? null : Buffer.from(output, 'utf8').toString('base64'),
        reservation: 7,
      }),
    );
  });
  farm.url = farm.server.url;
  return farm;
}
