import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createService, type RunningService } from '../bootstrap.js';
import { ConfigError, loadConfig } from '../config/app-config.js';
import { type DemoApi, type DemoProgress, runDemo } from './demo-scenario.js';
import { issueToken } from './issue-token.js';

const USAGE = `usage: npm run demo [-- --url http://localhost:3000] [--members-per-unit 100] [--concurrency 8]

Loads the demo scenario through the public API: three provinces with their district-level and
grassroots units and members, the Bắc Kạn 2020 and Bình Thuận 2024 campaigns with a year of
facts each, and the 2025 reorganisation. Without --url it starts the service itself on the
embedded PostgreSQL under DATA_DIR (as npm start does) and stops it when done. Tokens are
signed with the service's secret (AUTH_JWT_SECRET, or the embedded one). Run again, it
creates nothing twice.`;

/** A refusal or a failure of the service, with what it said. */
class DemoRequestError extends Error {}

function httpApi(base: string, token: string, counts: { requests: number; replayed: number }): DemoApi {
  return {
    async post(path, body, idempotencyKey) {
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(new URL(path, base), {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
          body: JSON.stringify(body),
        });
        const text = await res.text();
        if (res.ok) {
          counts.requests += 1;
          if (res.headers.get('idempotent-replayed') === 'true') counts.replayed += 1;
          return;
        }
        const problem = (() => {
          try {
            return JSON.parse(text) as { code?: string; detail?: string };
          } catch {
            return { detail: text };
          }
        })();
        const inProgress = res.status === 409 && problem.code === 'idempotency.in_progress';
        // Retried: the service busy, or the same request still in progress (a run cut short).
        if ((res.status === 503 || inProgress) && attempt < 10) {
          await new Promise((resolve) => setTimeout(resolve, 1000 * Number(res.headers.get('retry-after') ?? 1)));
          continue;
        }
        if (problem.code === 'idempotency.key_reused') {
          throw new DemoRequestError(
            `POST ${path}: this database holds the demo loaded with other data (another --members-per-unit, or another version of the demo); load it into a fresh database (DATA_DIR) or with the same options (${problem.detail ?? ''})`,
          );
        }
        throw new DemoRequestError(`POST ${path} answered ${res.status} ${problem.code ?? ''}: ${problem.detail ?? text}`);
      }
    },
  };
}

/** One line on stderr, rewritten in place on a terminal. */
function progressLine(counts: { requests: number; replayed: number }): DemoProgress & { end(): void } {
  let name = '';
  let total = 0;
  let done = 0;
  let last = 0;
  const tty = process.stderr.isTTY;
  const show = (force = false): void => {
    const now = Date.now();
    if (!force && now - last < (tty ? 100 : 2000)) return;
    last = now;
    const line = `demo: ${name} ${done}/${total} · ${counts.requests} requests, ${counts.replayed} answered from an earlier run`;
    process.stderr.write(tty ? `\r${line.padEnd(100)}` : `${line}\n`);
  };
  return {
    step(next, count) {
      if (name) show(true);
      name = next;
      total = count;
      done = 0;
      show(true);
    },
    done(count = 1) {
      done += count;
      show();
    },
    end() {
      show(true);
      if (tty) process.stderr.write('\n');
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      'members-per-unit': { type: 'string', default: '100' },
      concurrency: { type: 'string', default: '8' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const membersPerUnit = Number(values['members-per-unit']);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(membersPerUnit) || membersPerUnit < 12 || membersPerUnit > 10_000) throw new DemoRequestError('--members-per-unit must be a whole number from 12 to 10000');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new DemoRequestError('--concurrency must be a whole number from 1 to 64');

  let service: RunningService | null = null;
  let base = values.url ?? process.env['DEMO_URL'];
  if (!base) {
    const config = loadConfig();
    service = await createService(config);
    const server = await service.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  try {
    const { token } = await issueToken(['--sub', 'demo-loader', '--role', 'admin', '--expires-in', '4h'], process.env);
    const counts = { requests: 0, replayed: 0 };
    const progress = progressLine(counts);
    const started = Date.now();
    const summary = await runDemo(httpApi(base, token, counts), progress, { membersPerUnit, concurrency });
    progress.end();
    const list = (entries: Readonly<Record<string, string>>): string => Object.entries(entries).map(([name, id]) => `  ${id}  ${name}`).join('\n');
    process.stdout.write(
      `demo loaded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${counts.requests} commands, ${counts.replayed} of them answered from an earlier run (nothing created twice)\n` +
        `campaigns (GET /campaigns/<id>):\n${list(summary.campaigns)}\nunits (GET /org-units/<id>?asOf=2024-06-30):\n${list(summary.units)}\n`,
    );
  } finally {
    await service?.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DemoRequestError) process.stderr.write(`\ndemo: ${error.message}\n`);
  else process.stderr.write(`\ndemo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
