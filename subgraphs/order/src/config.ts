import { z } from 'zod';
import { parseEnv, subgraphBaseConfig, type Env } from '../../../lib/config.js';

/** The order subgraph's settings: the base ones plus identity (JWT signing, the configured admin). */
export function loadOrderConfig(env: Env) {
  const base = subgraphBaseConfig(env, 'order');
  const own = parseEnv(
    z.object({
      jwtPrivateKey: z.string().includes('PRIVATE KEY', { message: 'must be a PKCS#8 PEM (ES256) private key' }),
      jwtIssuer: z.string().min(1),
      jwtAudience: z.string().min(1),
      adminEmail: z.string().email(),
      adminPassword: z.string().min(base.production ? 12 : 8, 'must be set (at least 12 characters in production)'),
      adminName: z.string().min(1),
    }),
    {
      jwtPrivateKey: env.JWT_PRIVATE_KEY ?? '',
      jwtIssuer: env.JWT_ISSUER ?? 'commerce-order',
      jwtAudience: env.JWT_AUDIENCE ?? 'commerce-gateway',
      adminEmail: env.ADMIN_EMAIL ?? 'admin@example.com',
      adminPassword: env.ADMIN_PASSWORD ?? (base.production ? '' : 'admin-password'),
      adminName: env.ADMIN_NAME ?? 'Admin',
    },
    'order',
  );
  return { ...base, ...own };
}
export type OrderConfig = ReturnType<typeof loadOrderConfig>;
