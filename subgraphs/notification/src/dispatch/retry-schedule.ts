/** What becomes of a message after an attempt that failed. */
export type AfterFailure = { status: 'PENDING'; nextAttemptAt: Date } | { status: 'FAILED'; nextAttemptAt: null };

/**
 * The n-th failed attempt is followed by the n-th delay of `scheduleMs`; once the schedule is used
 * up (or the failure is permanent) the message is FAILED. A schedule of k delays allows k + 1 attempts.
 */
export function afterFailure(scheduleMs: readonly number[], failedAttempts: number, opts: { permanent?: boolean; now?: Date } = {}): AfterFailure {
  const delay = failedAttempts >= 1 && failedAttempts <= scheduleMs.length ? scheduleMs[failedAttempts - 1] : undefined;
  if (opts.permanent || delay === undefined) return { status: 'FAILED', nextAttemptAt: null };
  return { status: 'PENDING', nextAttemptAt: new Date((opts.now ?? new Date()).getTime() + delay) };
}

/** Error text kept on a row: enough to diagnose, bounded so a chatty server cannot bloat the table. */
export function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > 1000 ? `${message.slice(0, 1000)}…` : message;
}
