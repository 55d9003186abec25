import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { waitFor } from '../lib/testing/wait.js';
import { addCard, createProduct, placeOrder, waitForStatus } from './saga-helpers.js';

/**
 * The stack runs in this process, so one provider sees every service's spans. Other test files
 * register none: the API's no-ops are what they exercise.
 */
describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let stack: TestStack;

  beforeAll(async () => {
    provider.register();
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  const parentOf = (span: ReadableSpan) => span.parentSpanId;
  const idOf = (span: ReadableSpan) => span.spanContext().spanId;
  const traceOf = (span: ReadableSpan) => span.spanContext().traceId;

  it('follows placeOrder from the gateway through the order subgraph to the inventory consumer, in one trace', async () => {
    const customer = await stack.registerCustomer();
    const card = await addCard(stack, customer.token);
    const product = await createProduct(stack, { name: 'Traced Teapot', priceCents: 1500, stock: 5 });
    exporter.reset();

    const placed = await placeOrder(stack, customer.token, [{ productId: product.id, quantity: 1 }], card);
    expect(placed.errors).toBeUndefined();
    await waitForStatus(stack, customer.token, placed.data.placeOrder.id);

    const consumed = await waitFor('the inventory consumer span of order.placed', async () =>
      exporter
        .getFinishedSpans()
        .find((s) => s.name === 'order.placed' && String(s.attributes['messaging.consumer.group.name']).startsWith('inventory_')),
    );
    const spans = exporter.getFinishedSpans();
    const orderSpan = spans.find((s) => idOf(s) === parentOf(consumed));
    expect(orderSpan, 'the span that recorded order.placed').toBeDefined();
    expect(orderSpan).toMatchObject({ name: 'order graphql', kind: SpanKind.SERVER });
    const gatewaySpan = spans.find((s) => idOf(s) === parentOf(orderSpan!));
    expect(gatewaySpan, 'the gateway span that called the order subgraph').toBeDefined();
    expect(gatewaySpan).toMatchObject({ name: 'gateway graphql', kind: SpanKind.SERVER });
    expect(parentOf(gatewaySpan!)).toBeUndefined();
    expect(consumed.kind).toBe(SpanKind.CONSUMER);
    expect(new Set([traceOf(gatewaySpan!), traceOf(orderSpan!), traceOf(consumed)]).size).toBe(1);

    // The trace context travels in the message's NATS headers, not only inside the envelope.
    const stored = await stack.bus.jsm.streams.getMessage(stack.bus.eventsStream, { last_by_subj: stack.bus.subject('order.placed') });
    expect(stored.header.get('traceparent')).toBe(`00-${traceOf(orderSpan!)}-${idOf(orderSpan!)}-01`);
  });

  it('starts a new trace at the gateway rather than continue one a client sent', async () => {
    exporter.reset();
    const foreign = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: foreign },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.status).toBe(200);
    const gatewaySpan = await waitFor('the gateway span', async () => exporter.getFinishedSpans().find((s) => s.name === 'gateway graphql'));
    expect(traceOf(gatewaySpan)).not.toBe('0af7651916cd43dd8448eb211c80319c');
    expect(parentOf(gatewaySpan)).toBeUndefined();
  });
});
