import { z } from 'zod';
import { databaseUrl } from './db/database.js';

/** The environment, or any record shaped like it (tests and `npm start` pass their own). */
export type Env = Record<string, string | undefined>;

export const SUBGRAPH_NAMES = ['order', 'inventory', 'payment', 'notification'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export const DEFAULT_PORTS: Record<SubgraphName | 'gateway', number> = {
  gateway: 4000,
  order: 4001,
  inventory: 4002,
  payment: 4003,
  notification: 4004,
};

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** "50,200,500" → [50, 200, 500]; anything unparsable becomes NaN and fails validation by name. */
export const msList = (value: string): number[] => value.split(',').map((v) => Number(v.trim()));

/** Parses with zod and reports every bad variable at once, by name. */
export function parseEnv<S extends z.ZodType>(schema: S, values: Record<string, unknown>, service: string): z.output<S> {
  const result = schema.safeParse(values);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration for ${service}:\n${lines.join('\n')}`);
  }
  return result.data;
}

export const envName = (service: string, key: string) => `${service.toUpperCase()}_${key}`;

/** Settings every subgraph has; each reads `<NAME>_…` variables so one environment can hold them all. */
export function subgraphBaseConfig(env: Env, name: SubgraphName) {
  const production = env.NODE_ENV === 'production';
  const schema = z.object({
    production: z.boolean(),
    host: z.string().min(1),
    port,
    databaseUrl: z.string().url(),
    createDatabase: z.boolean(),
    dbPoolMax: z.number().int().min(1).max(200),
    gatewaySecret: z.string().min(production ? 32 : 8, 'must be set (at least 32 characters in production)'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    natsUrl: z.string().min(1),
    /** Off only for the benchmark that measures what DataLoader batching saves. */
    batchLoaders: z.boolean(),
    /** Subjects and streams are named from it; each test run uses its own. */
    eventsPrefix: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only'),
    eventMaxDeliveries: z.number().int().min(1),
    eventRetryBackoffMs: z.array(z.number().int().nonnegative()).min(1),
    /**
     * Test only (test/faults): the outbox relay starts this long after the service, so events
     * committed meanwhile wait unpublished, as after a crash between commit and publish.
     */
    outboxRelayStartDelayMs: z.number().int().nonnegative().max(production ? 0 : 600_000, 'is for fault tests only: leave it unset in production'),
  });
  const serverUrl = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  return parseEnv(
    schema,
    {
      production,
      host: env[envName(name, 'HOST')] ?? env.HOST ?? '127.0.0.1',
      port: port.parse(env[envName(name, 'PORT')] ?? DEFAULT_PORTS[name]),
      databaseUrl: env[envName(name, 'DATABASE_URL')] ?? databaseUrl(serverUrl, `commerce_${name}`),
      createDatabase: bool.parse(env.DB_CREATE ?? (production ? 'false' : 'true')),
      dbPoolMax: Number(env.DB_POOL_MAX ?? 10),
      gatewaySecret: env[envName(name, 'GATEWAY_SECRET')] ?? (production ? '' : `dev-only-${name}-secret`),
      logLevel: env.LOG_LEVEL ?? 'info',
      natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
      batchLoaders: bool.parse(env.LOADERS_BATCH ?? 'true'),
      eventsPrefix: env.EVENTS_PREFIX ?? 'commerce',
      eventMaxDeliveries: Number(env.EVENT_MAX_DELIVERIES ?? 5),
      eventRetryBackoffMs: msList(env.EVENT_RETRY_BACKOFF_MS ?? '200,1000,5000,15000'),
      outboxRelayStartDelayMs: Number(env.OUTBOX_RELAY_START_DELAY_MS ?? 0),
    },
    name,
  );
}
export type SubgraphBaseConfig = ReturnType<typeof subgraphBaseConfig>;

export { bool as booleanFromEnv, port as portFromEnv };
