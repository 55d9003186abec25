import { setDefaultLogDestination } from '../logger.js';

/** A parsed pino line: its fields, whatever the logger put there. */
export type LogLine = Record<string, any> & { service: string; level: number; msg: string };

export interface CapturedLogs {
  /** Every line as written, unparsed: what a log shipper would store. */
  readonly raw: string[];
  /** Every line, parsed. */
  lines(): LogLine[];
  /** Stops capturing; loggers created afterwards write to stdout again. */
  stop(): void;
}

/**
 * Captures what every logger created from now on writes (the apps a test builds after calling
 * this), in memory, so a test can read the logs as an operator would grep them.
 */
export function captureLogs(): CapturedLogs {
  const raw: string[] = [];
  setDefaultLogDestination({ write: (line: string) => void raw.push(line) });
  return {
    raw,
    lines: () => raw.map((line) => JSON.parse(line) as LogLine),
    stop: () => setDefaultLogDestination(undefined),
  };
}
