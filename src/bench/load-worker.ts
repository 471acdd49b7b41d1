import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { closedLoop, type HttpRequest, JsonClient, type LoadOutcome } from './load.js';

/** The load generator's thread (see HttpLoad): runs each batch of requests it is sent. */
const { port, clients } = workerData as { port: number; clients: number };
const client = new JsonClient(port, clients);

parentPort!.on('message', ({ requests }: { requests: HttpRequest[] }) => {
  const before = performance.eventLoopUtilization();
  closedLoop(clients, requests.length, (i) => client.post(requests[i]!)).then(
    (result) => {
      const busy = performance.eventLoopUtilization(before).utilization;
      const outcome: LoadOutcome = { ok: true, seconds: result.seconds, latencies: result.latencies, busy };
      parentPort!.postMessage(outcome, [result.latencies.buffer as ArrayBuffer]);
    },
    (error: unknown) => {
      const outcome: LoadOutcome = { ok: false, message: error instanceof Error ? error.message : String(error) };
      parentPort!.postMessage(outcome);
    },
  );
});
