/** Turns failures into one or a few readable lines for the developer commands: no stack dumps. */

interface ErrorLike {
  message?: string;
  code?: string;
  errors?: unknown[];
}

function errorCode(err: unknown): string | undefined {
  const e = err as ErrorLike | undefined;
  if (typeof e?.code === 'string') return e.code;
  // Node's dual-stack connect attempts fail with an AggregateError that holds the real causes.
  return e?.errors?.map(errorCode).find(Boolean);
}

/** The URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** The message of any thrown value. Configuration errors span several lines on purpose and keep them. */
export function readableError(err: unknown): string {
  if (err instanceof Error) return err.message || errorCode(err) || err.name;
  return String(err);
}

const DATABASE_HINTS: Record<string, (where: string, err: unknown) => string> = {
  ECONNREFUSED: (where) =>
    `Cannot reach PostgreSQL at ${where}: connection refused. Start PostgreSQL there, or set DATABASE_URL to one that runs (\`DATABASE_URL= npm start\` runs an embedded one).`,
  ENOTFOUND: (where) => `Cannot reach PostgreSQL at ${where}: the host name does not resolve. Check DATABASE_URL.`,
  EAI_AGAIN: (where) => `Cannot reach PostgreSQL at ${where}: the host name does not resolve right now. Check DATABASE_URL and the network.`,
  ETIMEDOUT: (where) => `Cannot reach PostgreSQL at ${where}: the connection timed out. Check DATABASE_URL and the network.`,
  '28P01': (where) => `PostgreSQL at ${where} refused the password. Check the credentials in DATABASE_URL.`,
  '28000': (where, err) => `PostgreSQL at ${where} refused the login (${readableError(err)}). Check the user in DATABASE_URL.`,
  '42501': (where, err) => `PostgreSQL at ${where} denied a permission (${readableError(err)}); the user in DATABASE_URL must be allowed to create databases.`,
};

/** A database failure explained for a developer: where, what, and which variable to change. */
export function readableDatabaseError(err: unknown, databaseUrl: string): string {
  const code = errorCode(err);
  const url = safeUrl(databaseUrl);
  const where = url ? `${url.hostname}:${url.port || 5432}` : redactUrl(databaseUrl);
  const hint = code ? DATABASE_HINTS[code] : undefined;
  return hint ? hint(where, err) : readableError(err);
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * Runs a command's body; any failure prints readable lines on stderr and exits 1.
 * Set DEBUG_STACK=1 to see the stack when the readable line is not enough.
 */
export function runCommand(body: () => Promise<void>, showStack: boolean): void {
  body().catch((err: unknown) => {
    console.error(`\n✗ ${readableError(err)}`);
    if (showStack && err instanceof Error && err.stack) console.error(err.stack);
    // Exit now: a pool or socket left open by the failed step must not keep the command hanging.
    process.exit(1);
  });
}
