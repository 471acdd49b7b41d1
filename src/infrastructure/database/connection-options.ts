/**
 * TCP keepalive of every connection the service opens to PostgreSQL, on both ends.
 *
 * A session that loses its network silently (a host that dies, a dropped route) keeps
 * whatever it holds on the server (a projection's advisory lock, a transaction id that holds
 * back the log) until the server notices that the peer is gone. With the operating system's
 * defaults it notices after about two hours; with these settings, within
 * `DEAD_PEER_SECONDS` of the last packet received from the client: probes after
 * `idle` seconds of silence, every `interval` seconds, `count` of them unanswered, and
 * `tcp_user_timeout` for data the server sent that is never acknowledged.
 */
export const SERVER_KEEPALIVE = { idleSeconds: 10, intervalSeconds: 5, count: 3 } as const;

/** The longest a server session outlives a client it can no longer reach. */
export const DEAD_PEER_SECONDS = SERVER_KEEPALIVE.idleSeconds + SERVER_KEEPALIVE.intervalSeconds * SERVER_KEEPALIVE.count;

/** After this much silence the client's own socket starts probing the server. */
const CLIENT_KEEPALIVE_DELAY_MS = SERVER_KEEPALIVE.idleSeconds * 1000;

/**
 * How often a server session busy in a statement (a long query, a lock wait) checks that its
 * client is still there (PostgreSQL 14 and later): keepalive alone is noticed only when the
 * session next reads or writes its socket.
 */
const CONNECTION_CHECK_MS = 10_000;

/** The keepalive part of a pg Pool or Client configuration, with the connection string to use. */
export interface KeepaliveOptions {
  readonly connectionString: string;
  readonly keepAlive: true;
  readonly keepAliveInitialDelayMillis: number;
  /** Startup options: the server's settings of the session (`-c name=value …`). */
  readonly options: string;
}

/**
 * Connection options for `pg.Pool`, `pg.Client` or TypeORM's `extra` with keepalive on both
 * ends, plus any other server settings of the session (e.g. `lock_timeout`). pg takes the
 * connection string's own `options` parameter over the configuration's: so it is moved out of
 * the string and put after the service's settings (a setting the operator gives there still
 * wins), and neither is lost.
 */
export function keepaliveOptions(connectionString: string, serverSettings: Readonly<Record<string, string | number>> = {}): KeepaliveOptions {
  const settings: Record<string, string | number> = {
    tcp_keepalives_idle: SERVER_KEEPALIVE.idleSeconds,
    tcp_keepalives_interval: SERVER_KEEPALIVE.intervalSeconds,
    tcp_keepalives_count: SERVER_KEEPALIVE.count,
    tcp_user_timeout: DEAD_PEER_SECONDS * 1000,
    client_connection_check_interval: CONNECTION_CHECK_MS,
    ...serverSettings,
  };
  const own = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
  const { url, options } = withoutOptions(connectionString);
  return {
    connectionString: url,
    keepAlive: true,
    keepAliveInitialDelayMillis: CLIENT_KEEPALIVE_DELAY_MS,
    options: options ? `${own} ${options}` : own,
  };
}

/** The connection string without its `options` parameter, and that parameter (null: none). */
function withoutOptions(connectionString: string): { url: string; options: string | null } {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return { url: connectionString, options: null };
  }
  const options = url.searchParams.get('options');
  if (options === null) return { url: connectionString, options: null };
  url.searchParams.delete('options');
  return { url: url.toString(), options };
}
