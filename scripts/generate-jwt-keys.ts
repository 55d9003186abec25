/**
 * `npm run -s keys:generate`: prints a fresh ES256 key pair as `.env` lines, for the containers
 * (`npm run -s keys:generate >> .env`). The order service signs tokens with JWT_PRIVATE_KEY; the
 * gateway verifies them with JWT_PUBLIC_KEY. `-s` matters: without it npm prints its own banner
 * on stdout, and that line would land in `.env`.
 */
import { generateJwtKeyPair } from '../lib/auth/jwt.js';
import { runCommand } from './readable-error.js';

/**
 * A PEM as one double-quoted line: Docker Compose's `.env` and Node's `--env-file` both turn `\n`
 * inside double quotes back into newlines, and a PEM holds nothing else that needs escaping.
 */
const pemAsEnvValue = (pem: string): string => `"${pem.replaceAll('\n', '\\n')}"`;

runCommand(async () => {
  const { privateKeyPem, publicKeyPem } = await generateJwtKeyPair();
  process.stdout.write(
    [
      `# ES256 pair made by npm run keys:generate on ${new Date().toISOString()}: order signs tokens, the gateway verifies them.`,
      `JWT_PRIVATE_KEY=${pemAsEnvValue(privateKeyPem)}`,
      `JWT_PUBLIC_KEY=${pemAsEnvValue(publicKeyPem)}`,
      '',
    ].join('\n'),
  );
  // Seen on a terminal, the lines are most likely meant for a file: say how, without touching stdout.
  if (process.stdout.isTTY) console.error('\nAppend them to your .env with: npm run -s keys:generate >> .env');
}, process.env.DEBUG_STACK === '1');
