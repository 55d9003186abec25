import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseEnv, type Env } from '../../lib/config.js';
import { DATA_DIR } from '../dev-env.js';

const DEFAULT_EMBEDDED_PG_PORT = 54329;

/** `npm start`'s own settings; the services' settings come from their own config loaders. */
export function loadStartConfig(env: Env) {
  return parseEnv(
    z.object({
      /** An external server; when absent an embedded one is started. */
      databaseUrl: z.string().url().optional(),
      embeddedPostgres: z.object({
        port: z.coerce.number().int().min(1).max(65535),
        dir: z.string().min(1),
      }),
    }),
    {
      databaseUrl: env.DATABASE_URL,
      embeddedPostgres: {
        port: env.EMBEDDED_PG_PORT ?? DEFAULT_EMBEDDED_PG_PORT,
        dir: resolve(env.EMBEDDED_PG_DIR ?? join(DATA_DIR, 'postgres')),
      },
    },
    'npm start',
  );
}

