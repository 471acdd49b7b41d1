import { createService } from './bootstrap.js';
import { ConfigError, loadConfig } from './config/app-config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const service = await createService(config);
  await service.app.listen(config.PORT, config.HOST);
  const where = config.HOST === '0.0.0.0' ? `http://localhost:${config.PORT} (all interfaces)` : `http://${config.HOST}:${config.PORT}`;
  process.stdout.write(
    `union-study-ledger listening on ${where} (event store: ${config.EVENT_STORE}, ` +
      `database: ${service.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'})\n`,
  );
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    process.stdout.write(`${signal}: shutting down\n`);
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? error.message : JSON.stringify(error)}\n`);
  process.exit(1);
});
