import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from './tracing-config.js';

/**
 * Spans across the gateway, the subgraphs and the event consumers. Code everywhere uses only
 * `@opentelemetry/api`: until `startTracing` registers an SDK (or a test registers its own
 * provider), every call here is the API's no-op and no trace context is propagated.
 */

const TRACER = 'commerce-supergraph';

export interface Tracing {
  /** Exports the spans still buffered; call it last when the process stops. */
  shutdown(): Promise<void>;
}

/** Registers the SDK with an OTLP/HTTP exporter when the configuration asks for it. */
export function startTracing(config: TracingConfig): Tracing {
  if (!config.enabled) return { shutdown: async () => undefined };
  const provider = new NodeTracerProvider({
    resource: new Resource({ [ATTR_SERVICE_NAME]: config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesUrl, headers: config.headers }))],
  });
  // Also installs the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  return { shutdown: () => provider.shutdown() };
}

/**
 * Runs `fn` in a new active span, a child of `parent`; the span records a thrown error and ends
 * when `fn` settles.
 */
export function inSpan<T>(name: string, opts: { kind: SpanKind; parent?: Context; attributes?: Attributes }, fn: () => Promise<T>): Promise<T> {
  return trace.getTracer(TRACER).startActiveSpan(name, { kind: opts.kind, attributes: opts.attributes }, opts.parent ?? context.active(), async (span) => {
    try {
      return await fn();
    } catch (err) {
      markActiveSpanFailed(err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Records `err` on the active span, for failures that are handled rather than thrown out of it. */
export function markActiveSpanFailed(err: unknown): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/** The trace context a sender put in `carrier` (W3C `traceparent`); the root context when there is none. */
export function extractTraceContext(carrier: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** `ctx` (by default the active context) as a W3C `traceparent`, or undefined when nothing is being traced. */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}
