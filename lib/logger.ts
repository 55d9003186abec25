import { pino, type Logger } from 'pino';

export type { Logger };

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

/** One JSON logger per service; `service` is on every line so mixed output stays greppable. */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({ name: service, level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service } });
}
