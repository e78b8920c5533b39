/** A listener (HTTP or syslog) could not bind: names it, its config key and the variable that overrides it. */
export class ListenError extends Error {
  override name = 'ListenError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly key: string,
  ) {
    super(message);
  }
}

export interface ListenerWhere {
  /** e.g. `syslog listener "udp-514" (udp)` or `HTTP server`. */
  what: string;
  /** The config key of the port, e.g. `syslog[0].port`. */
  key: string;
  /** Environment variables that override it. */
  env: string[];
  host: string;
  port: number;
}

export function listenError(where: ListenerWhere, err: NodeJS.ErrnoException): ListenError {
  const at = `${where.host}:${where.port}`;
  const fix = `change ${where.key} in the config file or set ${where.env.join(' or ')}`;
  const why =
    err.code === 'EADDRINUSE'
      ? `${at} is already in use (EADDRINUSE): another process (another Gwanje?) holds it; stop it, or ${fix}`
      : err.code === 'EACCES'
        ? `${at} needs privileges (EACCES): ports below 1024 need root or CAP_NET_BIND_SERVICE; ${fix}`
        : err.code === 'EADDRNOTAVAIL'
          ? `${where.host} is not an address of this machine (EADDRNOTAVAIL)`
          : `cannot listen on ${at}: ${err.message}`;
  return new ListenError(`${where.what}: ${why}`, err.code, where.key);
}
