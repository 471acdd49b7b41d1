import { plainToInstance, Transform } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateIf, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * The service's configuration, read from the environment and validated at boot. Rules are
 * checked bottom-up and a variable reports only its first broken rule: the type check sits last.
 */
export class AppConfig {
  @Transform(toInt)
  @Min(0)
  @Max(65535)
  @IsInt()
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
  @Min(1024)
  @Max(65535)
  @IsInt()
  EMBEDDED_PG_PORT = 54329;

  @IsIn(['postgres', 'eventstoredb'])
  EVENT_STORE: 'postgres' | 'eventstoredb' = 'postgres';

  @ValidateIf((c: AppConfig) => c.EVENT_STORE === 'eventstoredb' || c.EVENTSTORE_CONNECTION_STRING !== undefined)
  @Matches(/^(esdb|kurrentdb|kdb)(\+discover)?:\/\/\S+$/, {
    message: 'EVENTSTORE_CONNECTION_STRING must be an esdb:// connection string (required when EVENT_STORE=eventstoredb)',
  })
  EVENTSTORE_CONNECTION_STRING?: string;

  @Transform(toInt)
  @Min(1)
  @Max(10000)
  @IsInt()
  PROJECTION_BATCH_SIZE = 500;

  @Transform(toInt)
  @Min(10)
  @Max(60000)
  @IsInt()
  POLL_INTERVAL_MS = 500;

  /** How long a standby instance waits between attempts to take over a projection. */
  @Transform(toInt)
  @Min(50)
  @Max(600000)
  @IsInt()
  PROJECTION_LOCK_RETRY_MS = 2000;

  @Transform(toInt)
  @Min(0)
  @Max(20)
  @IsInt()
  COMMAND_RETRIES = 3;

  /**
   * Seconds a transaction may hold a transaction id, anywhere in the event store's PostgreSQL
   * cluster, before /health reports `degraded`: readers of the log never pass it.
   */
  @Transform(toInt)
  @Min(1)
  @Max(86400)
  @IsInt()
  HEALTH_OPEN_TRANSACTION_SECONDS = 60;

  /**
   * HS256 signing secret of the bearer tokens. Required with DATABASE_URL; the embedded
   * development mode generates one under DATA_DIR when it is unset.
   */
  @ValidateIf((c: AppConfig) => c.DATABASE_URL !== undefined || c.AUTH_JWT_SECRET !== undefined)
  @MinLength(32, { message: 'AUTH_JWT_SECRET must be at least 32 characters (256 bits for HS256)' })
  @IsDefined({ message: 'AUTH_JWT_SECRET is required when DATABASE_URL is set (only the embedded mode generates one)' })
  AUTH_JWT_SECRET?: string;

  /** When set, tokens must carry this `iss`. */
  @IsOptional()
  @IsString()
  AUTH_JWT_ISSUER?: string;

  /** When set, tokens must carry this `aud`. */
  @IsOptional()
  @IsString()
  AUTH_JWT_AUDIENCE?: string;

  /** Seconds of clock difference with the token issuer tolerated on `exp`, `nbf` and `iat`. */
  @Transform(toInt)
  @Min(0)
  @Max(300)
  @IsInt()
  AUTH_CLOCK_TOLERANCE_SECONDS = 5;

  /** Failed authentications one client may make per window before it is refused with 429. */
  @Transform(toInt)
  @Min(1)
  @Max(1000000)
  @IsInt()
  AUTH_FAILURE_LIMIT = 30;

  @Transform(toInt)
  @Min(1)
  @Max(86400)
  @IsInt()
  AUTH_FAILURE_WINDOW_SECONDS = 60;

  /** Comma-separated origins allowed to call from a browser; unset: no cross-origin access. */
  @IsOptional()
  @Matches(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\s*,\s*https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?)*$/, {
    message: 'CORS_ORIGINS must be a comma-separated list of origins such as https://dashboard.example.vn',
  })
  CORS_ORIGINS?: string;

  /**
   * Which proxies in front of the service to believe about the client's address (Express
   * "trust proxy": a hop count, or addresses, subnets, loopback / linklocal / uniquelocal).
   * Unset: the connection's own address, which is what the failed-authentication limit counts.
   */
  @IsOptional()
  @Matches(/^(\d{1,2}|(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?))*)$/, {
    message: 'TRUST_PROXY must be a hop count or a comma-separated list of addresses, subnets or loopback/linklocal/uniquelocal',
  })
  TRUST_PROXY?: string;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const KEYS = Object.keys(new AppConfig()).concat([
  'DATABASE_URL',
  'EVENTSTORE_CONNECTION_STRING',
  'AUTH_JWT_SECRET',
  'AUTH_JWT_ISSUER',
  'AUTH_JWT_AUDIENCE',
  'CORS_ORIGINS',
  'TRUST_PROXY',
]);

/** Reads the known keys from `env`, applies defaults, and throws a ConfigError naming each bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, string> = {};
  for (const key of KEYS) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  // The first failing rule of each variable: one clear reason, not every rule it also breaks.
  const errors = validateSync(config, { forbidUnknownValues: true, stopAtFirstError: true });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => `${e.property}=${shown(e.property, raw[e.property])}: ${Object.values(e.constraints ?? {}).join('; ')}`),
    );
  }
  return config;
}

/** A secret's value is never printed, only whether it was given. */
function shown(key: string, value: string | undefined): string {
  if (key === 'AUTH_JWT_SECRET') return value === undefined ? 'unset' : '(hidden)';
  return JSON.stringify(value ?? null);
}

/** The origins of CORS_ORIGINS, or none. */
export function corsOrigins(config: AppConfig): string[] {
  return config.CORS_ORIGINS ? config.CORS_ORIGINS.split(',').map((o) => o.trim()) : [];
}

/** TRUST_PROXY as Express takes it: a hop count, or the list of trusted addresses. */
export function trustProxy(config: AppConfig): number | string | false {
  if (!config.TRUST_PROXY) return false;
  return /^\d+$/.test(config.TRUST_PROXY) ? Number(config.TRUST_PROXY) : config.TRUST_PROXY;
}
