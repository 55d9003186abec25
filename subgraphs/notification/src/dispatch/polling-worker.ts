import type { Logger } from '../../../../lib/logger.js';

export interface PollingWorkerOptions {
  /** Handles one batch and resolves with how many items it took. */
  runBatch: () => Promise<number>;
  /** A full batch means more is probably waiting: the next one starts at once instead of after the interval. */
  batchSize: number;
  intervalMs: number;
  logger: Logger;
}

/**
 * Runs batches one after another until stopped: right away while batches come back full, else
 * every `intervalMs`; after an error (the database restarting, say) it backs off up to 5 s.
 */
export class PollingWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly opts: PollingWorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Lets the batch in hand finish, then returns. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let delay = this.opts.intervalMs;
      try {
        const taken = await this.opts.runBatch();
        failures = 0;
        if (taken >= this.opts.batchSize) delay = 0;
      } catch (err) {
        failures++;
        delay = Math.min(5000, this.opts.intervalMs * 2 ** failures);
        this.opts.logger.warn({ err, failures, retryInMs: delay }, 'dispatch batch failed; retrying');
      }
      if (delay > 0 && this.running) await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/**
 * Waits for every send of a batch, even when one fails to record its outcome, so stopping never
 * leaves a send behind; then reports the first such failure to the worker, which backs off.
 */
export async function settleAll(work: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
