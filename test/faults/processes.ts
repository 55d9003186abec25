import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../../lib/graphql/load-schema.js';

/**
 * One log file per run: every child's stdout and stderr, and the harness's own notes, each line
 * prefixed with who wrote it and when, so a failure can be read back in one place.
 */
export class RunLog {
  private readonly stream: WriteStream;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'a' });
  }

  line(source: string, text: string): void {
    this.stream.write(`${new Date().toISOString()} [${source}] ${text}\n`);
  }

  /** Copies a child's output line by line. */
  attach(source: string, child: ChildProcess): void {
    for (const out of [child.stdout, child.stderr]) {
      let rest = '';
      out?.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) if (l) this.stream.write(`[${source}] ${l}\n`);
      });
      out?.on('end', () => rest && this.stream.write(`[${source}] ${rest}\n`));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}

/** Ports this process has handed out: released at once, the kernel may offer one again before its child binds it. */
const handedOut = new Set<number>();

/**
 * A port nothing listens on right now (bound and released), for a child that must keep its port
 * across restarts; never one handed out before, so children started side by side never share one.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Resolves true when `url` answers 200 within a second. */
export async function answers200(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

export interface ProcessSpec {
  /** How the log and errors name it: "order", "order#2", "gateway", "nats". */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env: Record<string, string | undefined>;
  /** Resolves true once the process serves. */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

/** Every child still alive, killed if the test process exits by any path. */
const living = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of living) child.kill('SIGKILL');
});

/**
 * A child process the fault suite owns and breaks on purpose: started and awaited until ready,
 * killed with any signal, paused and resumed (SIGSTOP/SIGCONT), restarted with other settings.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<string> | undefined;
  /** Set while a kill or stop is on its way, so an exit then is not reported as a crash. */
  private expectingExit = false;
  /** Exits nobody asked for, e.g. "order exited (code 1)". */
  readonly crashes: string[] = [];

  constructor(
    readonly spec: ProcessSpec,
    private readonly log: RunLog,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns it (with `extraEnv` on top of its settings) and waits until it is ready. */
  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const { spec } = this;
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: { ...spec.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.expectingExit = false;
    living.add(child);
    this.log.line('harness', `started ${this.name} (pid ${child.pid})${Object.keys(extraEnv).length ? ` with ${JSON.stringify(extraEnv)}` : ''}`);
    this.log.attach(`${this.name}#${child.pid}`, child);
    this.exited = new Promise<string>((resolve) => {
      child.once('error', (err) => resolve(`could not start: ${err.message}`));
      child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`));
    }).then((how) => {
      living.delete(child);
      this.log.line('harness', `${this.name} (pid ${child.pid}) ${how}`);
      if (!this.expectingExit) this.crashes.push(`${this.name} ${how}`);
      return how;
    });

    const deadline = Date.now() + (spec.readyTimeoutMs ?? 60_000);
    for (;;) {
      const early = await Promise.race([this.exited, sleep(150).then(() => undefined)]);
      if (early !== undefined) throw new Error(`${this.name} stopped while starting (${early}); see ${this.log.path}`);
      if (await spec.ready()) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`${this.name} was not ready within ${(spec.readyTimeoutMs ?? 60_000) / 1000} s; see ${this.log.path}`);
      }
    }
  }

  /** Sends `signal` (SIGKILL unless told) and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    this.log.line('harness', `${signal} → ${this.name} (pid ${this.pid})`);
    // A stopped process does not act on SIGTERM until continued.
    if (signal !== 'SIGKILL') this.child!.kill('SIGCONT');
    this.child!.kill(signal);
    await this.exited;
  }

  /** Freezes it: it keeps its sockets and database sessions but answers nothing. */
  pause(): void {
    this.log.line('harness', `SIGSTOP → ${this.name} (pid ${this.pid})`);
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.log.line('harness', `SIGCONT → ${this.name} (pid ${this.pid})`);
    this.child?.kill('SIGCONT');
  }

  /** Asks it to stop cleanly (SIGTERM); kills it if it has not within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    const exited = this.exited!;
    const stopping = this.kill('SIGTERM');
    const clean = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!clean) await this.kill('SIGKILL');
    await stopping;
  }
}

/**
 * A service of this repository as a child process (`node --import tsx <main>`), ready once
 * `readyPath` on its port answers 200: how the fault suite and the benchmark cluster run the
 * subgraphs and gateways.
 */
export function tsxService(
  spec: { name: string; main: string; port: number; readyPath: string; env: Record<string, string | undefined>; readyTimeoutMs: number },
  log: RunLog,
): ManagedProcess {
  return new ManagedProcess(
    {
      name: spec.name,
      command: process.execPath,
      args: ['--import', 'tsx', spec.main],
      cwd: REPO_ROOT,
      env: spec.env,
      ready: () => answers200(`http://127.0.0.1:${spec.port}${spec.readyPath}`),
      readyTimeoutMs: spec.readyTimeoutMs,
    },
    log,
  );
}
