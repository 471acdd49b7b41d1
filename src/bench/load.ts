import http from 'node:http';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/**
 * A closed-loop load generator: `clients` loops, each issuing its next operation as soon
 * as the previous one answered, until `count` operations are done. Latency is measured per
 * operation, from just before it is issued to the end of its answer.
 */
export async function closedLoop(clients: number, count: number, op: (i: number) => Promise<void>): Promise<LoopResult> {
  const latencies = new Float64Array(count);
  let next = 0;
  let failed = false;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(clients, count) }, async () => {
      while (!failed && next < count) {
        const i = next++;
        const begun = process.hrtime.bigint();
        try {
          await op(i);
        } catch (error) {
          failed = true;
          throw error;
        }
        latencies[i] = Number(process.hrtime.bigint() - begun) / 1e6;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { count, seconds, latencies };
}

export interface LoopResult {
  readonly count: number;
  readonly seconds: number;
  /** Milliseconds, in the order the operations were issued. */
  readonly latencies: Float64Array;
  /** How busy the load generator's thread was (0..1), when it has one of its own. */
  readonly loaderBusy?: number;
}

export interface Figures {
  readonly count: number;
  readonly seconds: number;
  readonly opsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

export function figures(result: LoopResult): Figures {
  const sorted = Float64Array.from(result.latencies).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { count: result.count, seconds: result.seconds, opsPerSecond: result.count / result.seconds, p50: at(0.5), p99: at(0.99) };
}

/** Where the CPU went during a measure: the whole machine, and the main thread's event loop. */
export interface CpuUse {
  /** Busy share of all cores (0..1), PostgreSQL included. */
  readonly machine: number;
  /** Busy share of the main thread's event loop (0..1): the servers, and the raw measure's client. */
  readonly mainThread: number;
}

/** Starts watching the CPU; the returned function tells how it was used since. */
export function watchCpu(): () => CpuUse {
  const times = () =>
    cpus().reduce(
      (sum, c) => ({ busy: sum.busy + c.times.user + c.times.nice + c.times.sys + c.times.irq, all: sum.all + c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle }),
      { busy: 0, all: 0 },
    );
  const start = times();
  const loop = performance.eventLoopUtilization();
  return () => {
    const end = times();
    return { machine: (end.busy - start.busy) / Math.max(1, end.all - start.all), mainThread: performance.eventLoopUtilization(loop).utilization };
  };
}

/** A response other than the expected one: the bench stops and shows it. */
export class UnexpectedResponse extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnexpectedResponse';
  }
}

/** One POST of the load: the body is serialised beforehand. */
export interface HttpRequest {
  readonly path: string;
  readonly token: string;
  readonly body: string;
  readonly expected: number;
}

/**
 * The HTTP load generator, on a worker thread of the bench's process. The servers it loads
 * (the ceiling app, the service) run in the same process, on the main thread, as the bench
 * always had them: the requests' client side (node:http over keep-alive connections, no
 * fetch/undici machinery) runs on its own event loop and does not take the servers' CPU
 * time on the main thread, but it does share this machine's cores with them and with
 * PostgreSQL, so the figures are a floor of what a separate client machine would see.
 * The CPU profiles (main thread) show the servers alone.
 */
export class HttpLoad {
  private readonly worker: Worker;

  constructor(port: number, clients: number) {
    this.worker = new Worker(new URL('./load-worker.js', import.meta.url), { workerData: { port, clients } });
  }

  /** Runs the requests in a closed loop; rejects with the first unexpected answer. */
  run(requests: readonly HttpRequest[]): Promise<LoopResult> {
    return new Promise<LoopResult>((resolve, reject) => {
      const onError = (error: Error) => {
        this.worker.off('message', onMessage);
        reject(error);
      };
      const onMessage = (message: LoadOutcome) => {
        this.worker.off('error', onError);
        if (message.ok) resolve({ count: requests.length, seconds: message.seconds, latencies: message.latencies, loaderBusy: message.busy });
        else reject(new UnexpectedResponse(message.message));
      };
      this.worker.once('message', onMessage);
      this.worker.once('error', onError);
      this.worker.postMessage({ requests });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

export type LoadOutcome =
  | { readonly ok: true; readonly seconds: number; readonly latencies: Float64Array; readonly busy: number }
  | { readonly ok: false; readonly message: string };

/** POSTs JSON to one local server over keep-alive connections (at most `clients` of them). */
export class JsonClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly port: number,
    clients: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  }

  /** Resolves when the answer has the expected status; rejects with the answer otherwise. */
  post({ path, token, body: payload, expected }: HttpRequest): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'POST',
          path,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (res) => {
          if (res.statusCode === expected) {
            res.on('error', reject);
            res.on('end', () => resolve());
            res.resume();
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            reject(new UnexpectedResponse(`POST ${path} answered ${res.statusCode} (expected ${expected}): ${Buffer.concat(chunks).toString('utf8')}\nrequest body: ${payload}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
