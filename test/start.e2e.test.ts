import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const SERVICES = ['GATEWAY', 'ORDER', 'INVENTORY', 'PAYMENT', 'NOTIFICATION', 'EMBEDDED_PG'] as const;

/** Distinct free ports: each is held open until all are found, so none is handed out twice. */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      servers.push(server);
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  }
}

const SERVICE_SETTING = /^(GATEWAY|ORDER|INVENTORY|PAYMENT|NOTIFICATION|EMBEDDED_PG)_(URL|DATABASE_URL|HOST|PORT|DIR)$/;

/** The child's environment: ours, minus what would point it at shared servers or make it behave like a test. */
function startEnv(ports: number[], pgDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const dropped = key === 'DATABASE_URL' || key === 'NODE_ENV' || key.startsWith('VITEST') || SERVICE_SETTING.test(key);
    if (!dropped) env[key] = value;
  }
  SERVICES.forEach((service, i) => (env[`${service}_PORT`] = String(ports[i])));
  return { ...env, NATS_URL: 'nats://127.0.0.1:4222', EMBEDDED_PG_DIR: pgDir };
}

describe('npm start: the whole supergraph in one process on an embedded PostgreSQL', () => {
  it('serves the demo catalog through the gateway, then stops cleanly on SIGINT', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'commerce-start-e2e-'));
    // As root the embedded server runs as user postgres, which must be able to enter this directory.
    await chmod(tmp, 0o755);
    const pgDir = join(tmp, 'postgres');
    const ports = await freePorts(SERVICES.length);

    const child = spawn('npm', ['start'], { cwd: REPO_ROOT, env: startEnv(ports, pgDir), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
    const tail = () => `\n--- npm start output (tail) ---\n${output.slice(-4000)}`;
    let startPid: number | undefined;

    try {
      const deadline = Date.now() + 120_000;
      let gatewayUrl: string | undefined;
      while (!gatewayUrl || !startPid) {
        if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}) before its banner${tail()}`);
        if (Date.now() > deadline) throw new Error(`no banner within 120 s${tail()}`);
        await sleep(250);
        gatewayUrl = /^ Gateway\s+(http:\/\/\S+\/graphql)/m.exec(output)?.[1];
        startPid = Number(/send SIGINT or SIGTERM to pid (\d+)/.exec(output)?.[1]) || undefined;
      }
      expect(gatewayUrl).toBe(`http://localhost:${ports[0]}/graphql`);

      const res = await fetch(gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ products(first: 30) { totalCount nodes { name price { amount } } } }' }),
      });
      const body = (await res.json()) as { data?: { products: { totalCount: number; nodes: { name: string; price: { amount: string } }[] } }; errors?: unknown };
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      expect(body.data!.products.totalCount).toBeGreaterThanOrEqual(20);
      expect(body.data!.products.nodes.length).toBeGreaterThanOrEqual(20);
      expect(body.data!.products.nodes[0].price.amount).toMatch(/^\d+\.\d{2}$/);

      // To the start process itself: npm hands a signal only to its `sh -c`, which keeps it. (A
      // terminal's Ctrl-C reaches the whole process group, after which sh exits 130 whatever happened.)
      process.kill(startPid, 'SIGINT');
      const code = await Promise.race([exited, sleep(20_000).then(() => 'still running after 20 s' as const)]);
      expect(code, tail()).toBe(0);
      expect(output).toMatch(/Stopping gateway… stopped/);
      expect(output).toMatch(/Stopping embedded PostgreSQL… stopped/);
      expect(output).toMatch(/^Stopped\.$/m);
    } finally {
      if (child.exitCode === null) {
        // Ask for the ordered stop first, so the embedded server (its own process group) stops too.
        if (startPid) process.kill(startPid, 'SIGTERM');
        const gone = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]);
        if (!gone) process.kill(-child.pid!, 'SIGKILL');
      }
      // A server that outlived a killed run would hold the directory; it is ours, so stop it.
      const pgPid = Number((await readFile(join(pgDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n', 1)[0]);
      const ours = pgPid && (await readFile(`/proc/${pgPid}/cmdline`, 'utf8').catch(() => '')).includes(pgDir);
      if (ours) {
        try {
          process.kill(pgPid, 'SIGQUIT');
          await sleep(1000);
        } catch {
          // already gone
        }
      }
      await rm(tmp, { recursive: true, force: true });
    }
  }, 180_000);
});
