import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { generateJwtKeyPair } from '../lib/auth/jwt.js';
import type { Env } from '../lib/config.js';

/** Local state of the developer commands (keys, embedded Postgres); git-ignored. */
export const DATA_DIR = resolve(import.meta.dirname, '../.data');
const JWT_DIR = resolve(DATA_DIR, 'jwt');
const PRIVATE_KEY_FILE = resolve(JWT_DIR, 'private.pem');
const PUBLIC_KEY_FILE = resolve(JWT_DIR, 'public.pem');

/**
 * The environment for local development: `base` (the caller passes `process.env`) plus a JWT key
 * pair kept in `.data/jwt`, so tokens the order service signs stay valid for the gateway across
 * restarts. An empty variable (`DATABASE_URL= npm start`) counts as unset, as it does for most tools.
 */
export async function devEnv(base: Env): Promise<Env> {
  const env: Env = Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined && v !== ''));
  const hasPrivate = env.JWT_PRIVATE_KEY !== undefined;
  const hasPublic = env.JWT_PUBLIC_KEY !== undefined;
  if (hasPrivate && hasPublic) return env;
  if (hasPrivate || hasPublic) {
    // Completing a pair with a key from .data would make every token fail verification.
    throw new Error(`${hasPrivate ? 'JWT_PRIVATE_KEY' : 'JWT_PUBLIC_KEY'} is set but ${hasPrivate ? 'JWT_PUBLIC_KEY' : 'JWT_PRIVATE_KEY'} is not; set both (a matching ES256 pair) or neither.`);
  }
  const keys = await devJwtKeys();
  return { ...env, JWT_PRIVATE_KEY: keys.privateKeyPem, JWT_PUBLIC_KEY: keys.publicKeyPem };
}

async function readKeys(): Promise<{ privateKeyPem: string; publicKeyPem: string } | undefined> {
  try {
    const [privateKeyPem, publicKeyPem] = await Promise.all([readFile(PRIVATE_KEY_FILE, 'utf8'), readFile(PUBLIC_KEY_FILE, 'utf8')]);
    return { privateKeyPem, publicKeyPem };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes through a temporary file and a rename, so a concurrent reader never sees half a key. */
async function writeSecret(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o600 });
  await chmod(tmp, 0o600); // `mode` above is masked by the umask
  await rename(tmp, path);
}

/** The development key pair, generated and saved (mode 0600) on first use. */
export async function devJwtKeys(): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  const existing = await readKeys();
  if (existing) return existing;
  // Only the key folder is private: the embedded Postgres, running as user postgres, lives beside it.
  await mkdir(DATA_DIR, { recursive: true });
  await mkdir(JWT_DIR, { recursive: true, mode: 0o700 });
  const keys = await generateJwtKeyPair();
  // Public first: a reader finding the private key can rely on its public half being there too.
  await writeSecret(PUBLIC_KEY_FILE, keys.publicKeyPem);
  await writeSecret(PRIVATE_KEY_FILE, keys.privateKeyPem);
  return keys;
}
