import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/** The service's configuration, read from the environment and validated at boot. */
export class AppConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** PostgreSQL for the read models (and the events, with the PostgreSQL store). Unset: embedded. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// connection string' })
  DATABASE_URL?: string;

  /** Where the embedded PostgreSQL keeps its cluster when DATABASE_URL is unset. */
  @IsString()
  DATA_DIR = './.data';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(65535)
  EMBEDDED_PG_PORT = 54329;

  @IsIn(['postgres', 'eventstoredb'])
  EVENT_STORE: 'postgres' | 'eventstoredb' = 'postgres';

  @ValidateIf((c: AppConfig) => c.EVENT_STORE === 'eventstoredb' || c.EVENTSTORE_CONNECTION_STRING !== undefined)
  @Matches(/^(esdb|kurrentdb|kdb)(\+discover)?:\/\/\S+$/, {
    message: 'EVENTSTORE_CONNECTION_STRING must be an esdb:// connection string (required when EVENT_STORE=eventstoredb)',
  })
  EVENTSTORE_CONNECTION_STRING?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  PROJECTION_BATCH_SIZE = 500;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60000)
  POLL_INTERVAL_MS = 500;

  /** How long a standby instance waits between attempts to take over a projection. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(600000)
  PROJECTION_LOCK_RETRY_MS = 2000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(20)
  COMMAND_RETRIES = 3;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const KEYS = Object.keys(new AppConfig()).concat(['DATABASE_URL', 'EVENTSTORE_CONNECTION_STRING']);

/** Reads the known keys from `env`, applies defaults, and throws a ConfigError naming each bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, string> = {};
  for (const key of KEYS) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => `${e.property}=${JSON.stringify(raw[e.property] ?? null)}: ${Object.values(e.constraints ?? {}).join('; ')}`),
    );
  }
  return config;
}
