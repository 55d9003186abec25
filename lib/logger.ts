import { pino, type DestinationStream, type Logger } from 'pino';

export type { DestinationStream, Logger };

/** Fields whose values never reach a log line, wherever they appear. */
const REDACT = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'cardNumber',
  '*.cardNumber',
  'cvc',
  '*.cvc',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["x-gateway-secret"]',
  'headers.authorization',
  'headers["x-gateway-secret"]',
];

/** Where loggers write when they are not given a destination: stdout unless a test says otherwise. */
let defaultDestination: DestinationStream | undefined;

/**
 * Sends the lines of every logger created from now on (without a destination of its own) to
 * `destination`, or back to stdout with undefined. Tests capture the logs of apps they build this way.
 */
export function setDefaultLogDestination(destination: DestinationStream | undefined): void {
  defaultDestination = destination;
}

/** One JSON logger per service; `service` is on every line so mixed output stays greppable. */
export function createLogger(service: string, level = 'info', destination = defaultDestination): Logger {
  const options = { name: service, level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service } };
  return destination ? pino(options, destination) : pino(options);
}
