import { z } from 'zod';
import { booleanFromEnv, parseEnv, type Env } from '../config.js';

/**
 * Tracing is configured by OpenTelemetry's standard variables, so any collector's documentation
 * applies as written. Exporting is off unless `OTEL_TRACES_EXPORTER=otlp` or an OTLP endpoint is set:
 * a service that was not asked to export pays only for the API's no-op calls.
 */
export interface TracingConfig {
  enabled: boolean;
  serviceName: string;
  /** The full URL spans are POSTed to (OTLP over HTTP). */
  tracesUrl: string;
  headers: Record<string, string>;
}

/** "k1=v1,k2=v2", as the OTLP specification writes `OTEL_EXPORTER_OTLP_HEADERS`. */
function parseHeaders(value: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of value.split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

export function loadTracingConfig(env: Env, defaultServiceName: string): TracingConfig {
  const schema = z.object({
    exporter: z.array(z.string().min(1)).optional(),
    disabled: z.boolean(),
    endpoint: z.string().url().optional(),
    tracesEndpoint: z.string().url().optional(),
    serviceName: z.string().min(1),
    headers: z.record(z.string(), z.string()),
  });
  const parsed = parseEnv(
    schema,
    {
      exporter: env.OTEL_TRACES_EXPORTER ? env.OTEL_TRACES_EXPORTER.split(',').map((e) => e.trim()) : undefined,
      disabled: booleanFromEnv.parse(env.OTEL_SDK_DISABLED ?? 'false'),
      endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
      tracesEndpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || undefined,
      serviceName: env.OTEL_SERVICE_NAME || defaultServiceName,
      headers: parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS ?? ''),
    },
    'tracing',
  );
  // Only OTLP is installed; other exporter names (console, zipkin) leave tracing off rather than fail.
  const asked = parsed.exporter?.includes('otlp') || (parsed.exporter === undefined && Boolean(parsed.endpoint || parsed.tracesEndpoint));
  // The signal-specific endpoint is used as given; the generic one gets the traces path appended (OTLP spec).
  const tracesUrl = parsed.tracesEndpoint ?? `${(parsed.endpoint ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
  return { enabled: asked && !parsed.disabled, serviceName: parsed.serviceName, tracesUrl, headers: parsed.headers };
}
