import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startOwnedProcess } from './owned-process.js';

export interface NatsServerAddress {
  host: string;
  port: number;
}

/** NATS_URL may list several servers (`nats://a:4222,nats://b:4222`) and may omit the scheme or port. */
function natsServers(natsUrl: string): NatsServerAddress[] {
  return natsUrl
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      let url: URL;
      try {
        url = new URL(s.includes('://') ? s : `nats://${s}`);
      } catch {
        throw new Error(`NATS_URL holds "${s}", which is not a server address such as nats://127.0.0.1:4222.`);
      }
      return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 4222) };
    });
}

/**
 * Resolves true when a NATS server greets us on host:port within `timeoutMs`. A server sends
 * `INFO {…}` as soon as a client connects; an accepted connection alone proves little, since some
 * networks (sandboxes, proxies) accept connections to any address.
 */
export function natsAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let greeting = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      greeting += chunk.toString('latin1');
      if (greeting.length >= 5) done(greeting.startsWith('INFO '));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

function findOnPath(command: string, pathVariable: string | undefined): string | undefined {
  for (const dir of (pathVariable ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

/** How `npm start` gets its NATS: one that already answers, or a nats-server it starts. */
export type NatsPlan =
  | { kind: 'running'; url: string }
  | { kind: 'start'; binary: string; address: NatsServerAddress };

export interface StartedNats {
  description: string;
  stop(): Promise<string>;
}

/**
 * Decides, before anything starts, where NATS comes from: a server that already answers on
 * `natsUrl`, else a local `nats-server` (looked up on `pathVariable`) when NATS_URL points at this
 * machine. Throws, saying what to do, when neither is possible.
 */
export async function planNats(natsUrl: string, pathVariable: string | undefined): Promise<NatsPlan> {
  const servers = natsServers(natsUrl);
  const answering = await Promise.all(servers.map((s) => natsAnswers(s.host, s.port)));
  if (answering.some(Boolean)) return { kind: 'running', url: natsUrl };

  const [first] = servers;
  if (!first || !isLoopback(first.host)) {
    throw new Error(`NATS does not answer at ${natsUrl}. Start it there, or set NATS_URL to a server that runs (or to this machine, where \`npm start\` can run a nats-server for you).`);
  }
  const binary = findOnPath('nats-server', pathVariable);
  if (!binary) {
    throw new Error(
      `No NATS server answers at ${natsUrl} and nats-server is not on PATH. Install it (\`apt-get install nats-server\`, \`brew install nats-server\` or https://github.com/nats-io/nats-server/releases) or set NATS_URL to a running server.`,
    );
  }
  return { kind: 'start', binary, address: first };
}

/** Starts nats-server with JetStream, its store in a temporary directory removed when it stops. */
export async function startNatsServer({ binary, address }: Extract<NatsPlan, { kind: 'start' }>): Promise<StartedNats> {
  const storeDir = await mkdtemp(join(tmpdir(), 'commerce-nats-'));
  const host = address.host === 'localhost' ? '127.0.0.1' : address.host;
  try {
    const server = await startOwnedProcess({
      name: 'nats-server',
      command: binary,
      args: ['-js', '-sd', storeDir, '-a', host, '-p', String(address.port)],
      ready: () => natsAnswers(host, address.port, 500),
      readyTimeoutMs: 15_000,
      stopSignal: 'SIGTERM',
    });
    return {
      description: `started nats-server with JetStream on nats://${host}:${address.port} (pid ${server.pid}, store ${storeDir})`,
      async stop() {
        const outcome = await server.stop();
        await rm(storeDir, { recursive: true, force: true });
        return outcome;
      },
    };
  } catch (err) {
    await rm(storeDir, { recursive: true, force: true });
    throw err;
  }
}
