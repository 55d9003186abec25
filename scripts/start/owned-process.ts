import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface OwnedProcessOptions {
  /** How messages name it: "nats-server", "PostgreSQL". */
  name: string;
  command: string;
  args: string[];
  /** Run as another user (Postgres refuses to run as root). */
  uid?: number;
  gid?: number;
  /** Resolves true once the server serves; polled until then. */
  ready: () => Promise<boolean>;
  readyTimeoutMs: number;
  /** The signal that asks the server for a quick, clean shutdown. */
  stopSignal: NodeJS.Signals;
}

export interface OwnedProcess {
  pid: number;
  stop(): Promise<'stopped' | 'already stopped'>;
}

/** Servers write much more than a developer needs; the tail is kept to explain a failure. */
function outputTail(limit = 40) {
  const lines: string[] = [];
  return {
    push(chunk: Buffer) {
      lines.push(...chunk.toString().split('\n').map((l) => l.trim()).filter(Boolean));
      lines.splice(0, Math.max(0, lines.length - limit));
    },
    /** Postgres (FATAL, ERROR) and nats-server ([FTL], [ERR]) mark what matters; else the last lines. */
    explain(): string {
      const serious = lines.filter((l) => /\b(FATAL|PANIC|ERROR)\b|\[(FTL|ERR)\]/.test(l));
      return (serious.length ? serious : lines.slice(-5)).join('\n    ');
    },
  };
}

/**
 * Starts a server process that this process owns: in its own process group, so a Ctrl-C in the
 * terminal reaches only us and we stop it after the services that use it; signalled when we exit
 * by any path; reported if it dies while we run. Resolves once `ready` says it serves.
 */
export async function startOwnedProcess(opts: OwnedProcessOptions): Promise<OwnedProcess> {
  const child = spawn(opts.command, opts.args, {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.gid }),
  });
  const output = outputTail();
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk));
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`could not run ${opts.command}: ${err.message}`));
    child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`));
  });
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const signalOnExit = () => child.kill(opts.stopSignal);
  process.once('exit', signalOnExit);

  const deadline = Date.now() + opts.readyTimeoutMs;
  for (;;) {
    const early = await Promise.race([exited, sleep(100).then(() => undefined)]);
    if (early !== undefined) {
      process.off('exit', signalOnExit);
      throw new Error(`${opts.name} did not start (${early}):\n    ${output.explain()}`);
    }
    if (await opts.ready()) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      process.off('exit', signalOnExit);
      throw new Error(`${opts.name} did not become ready within ${opts.readyTimeoutMs / 1000} s:\n    ${output.explain()}`);
    }
  }

  let stopping = false;
  void exited.then((how) => {
    if (!stopping) console.error(`\n✗ ${opts.name} stopped unexpectedly (${how}):\n    ${output.explain()}`);
  });
  return {
    pid: child.pid!,
    async stop() {
      stopping = true;
      process.off('exit', signalOnExit);
      if (hasExited()) return 'already stopped';
      child.kill(opts.stopSignal);
      const stopped = await Promise.race([exited.then(() => true), sleep(8000).then(() => false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
      return 'stopped';
    },
  };
}
