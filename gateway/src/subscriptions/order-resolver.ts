import { randomUUID } from 'node:crypto';
import { execute, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import { canSee, type Identity } from '../../../lib/auth/identity.js';
import type { GatewayContext } from '../context.js';
import type { OperationLimits } from '../limits.js';
import { OrderBatchOperations, type OrderData, type OrderRead } from './order-batch-operation.js';
import { OrderBatcher } from './order-batcher.js';
import type { OrderStatusEvent } from './order-event-dispatcher.js';
import type { OrderQuery } from './operation-rewrite.js';
import { readerFor, SHARED_READER } from './shared-reader.js';

/** Runs an operation through the gateway (Apollo's `executeOperation`): plugins, limits, formatError and all. */
export type ExecuteOperation = (
  request: { query: string; operationName?: string | null; variables: Record<string, unknown> },
  context: GatewayContext,
) => Promise<FormattedExecutionResult>;

/** The client's selection for the order, or null when it could not be read (see `errors`). */
export type ResolvedOrder = OrderRead;

const FAILURE_STATUSES = new Set(['FAILED', 'CANCELLED']);

/**
 * Resolves subscribers' selections for orders through the gateway: the subgraphs apply their own
 * owner rules, exactly as for an HTTP query. First states and deliveries of events alike are read
 * in batches (order-batcher.ts): many orders per operation, one read per order for every subscriber
 * with the same selection and the same right to it (shared-reader.ts).
 * Bounded in concurrency so a burst of events queues here instead of flooding the subgraphs.
 */
export class OrderResolver {
  private readonly batcher: OrderBatcher;

  constructor(
    private readonly executeOperation: ExecuteOperation,
    private readonly apiSchema: () => GraphQLSchema,
    /** Operations in flight at once (OrderBatcher's `maxInFlight`); every read goes through the batcher. */
    concurrency: number,
    limits: OperationLimits,
  ) {
    this.batcher = new OrderBatcher(
      (request, reader) => this.executeOperation(request, { identity: reader, requestId: randomUUID() }),
      new OrderBatchOperations(limits),
      apiSchema,
      concurrency,
    );
  }

  /** Operations run through the gateway (counted for tests and the benchmark). */
  get executions(): number {
    return this.batcher.stats.executions;
  }

  /** Orders those operations read. */
  get batchedOrders(): number {
    return this.batcher.stats.orders;
  }

  /** Readies the batched reads of a new subscriber's selection (see OrderBatcher.prepare); in the background. */
  prepare(query: OrderQuery): void {
    if (query.eventOnly) return;
    setImmediate(() => {
      try {
        this.batcher.prepare(query, SHARED_READER);
      } catch {
        // Only a head start is lost (a schema reload in between, say): the first batch plans instead.
      }
    });
  }

  /**
   * The order's state now, with its `statusVersion` (whether or not the client selected it): a first
   * message, or a resync after NATS came back. Batched like deliveries, so ten thousand subscribers
   * re-reading after a reconnect cost a hundred operations, not ten thousand. The subscriber's own
   * claim to the order picks the reader; the order's real owner is checked after the read.
   */
  async current(query: OrderQuery, orderId: string, identity: Identity): Promise<ResolvedOrder & { version: number | undefined }> {
    const read = await this.read(query, orderId, readerFor(this.apiSchema(), query, identity, identity.customerId), identity);
    const version = read.order?.[query.versionKey];
    return { order: read.order && visible(read.order, query), errors: read.errors, version: typeof version === 'number' ? version : undefined };
  }

  /**
   * Each order as of each of `events` (in their order), for one subscriber: status, failure reason
   * and version from the event, every other field as the gateway resolves it after the event
   * arrived. The reads are asked for together, so they share operations with each other and with
   * other subscribers'; an order that changed several times is read once for all its events, each
   * delivery still showing its own event's status. Await the results in order.
   */
  atEvents(query: OrderQuery, events: readonly OrderStatusEvent[], identity: Identity): Promise<ResolvedOrder>[] {
    if (query.eventOnly) return events.map((event) => Promise.resolve(asOfEvent(query, this.fromEvent(query, event), event)));
    const reads = new Map<string, Promise<OrderRead>>();
    return events.map((event) => {
      let read = reads.get(event.orderId);
      if (!read) {
        read = this.read(query, event.orderId, readerFor(this.apiSchema(), query, identity, event.customerId), identity);
        reads.set(event.orderId, read);
      }
      const resolved = read.then((r) => asOfEvent(query, r, event));
      // Awaited in order: a failure is seen by the await that reaches it, not reported as unhandled first.
      resolved.catch(() => {});
      return resolved;
    });
  }

  /**
   * A batched read for `subscriber`. What the shared reader read is delivered only when the order
   * itself (not only the event, which anyone able to publish on the bus could word) belongs to
   * someone the subscriber may see; otherwise the order is read again as the subscriber, and the
   * subgraphs answer as they would have without batching (FORBIDDEN).
   */
  private async read(query: OrderQuery, orderId: string, reader: Identity, subscriber: Identity): Promise<OrderRead> {
    const read = await this.batcher.read(query, orderId, reader);
    const owner = (read.order?.[query.ownerKey] as { id?: unknown } | null | undefined)?.id;
    if (reader === SHARED_READER && read.order && !(typeof owner === 'string' && canSee(subscriber, owner))) {
      return this.batcher.read(query, orderId, subscriber);
    }
    return read;
  }

  /**
   * A selection of only what the event carries is answered from the event: by its projection when
   * it has one, else with graphql-js over the gateway's schema so @skip and @include behave as they
   * would in a query. The subscriber's right to the order was checked when it subscribed and is
   * checked per event.
   */
  private fromEvent(query: OrderQuery, event: OrderStatusEvent): OrderRead {
    const order: Record<string, unknown> = {
      __typename: 'Order',
      id: event.orderId,
      status: event.status,
      statusVersion: event.sequence,
      failureReason: FAILURE_STATUSES.has(event.status) ? event.reason : null,
    };
    if (query.eventProjection) return { order: Object.fromEntries(query.eventProjection.map(([key, field]) => [key, order[field]])) };
    const result = execute({
      schema: this.apiSchema(),
      document: query.document,
      rootValue: { order },
      variableValues: { ...query.variables, [query.orderIdVariable]: event.orderId },
    });
    if ('then' in result) throw new Error('A selection of event fields resolved asynchronously; it cannot.');
    return { order: orderOf(result), ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}) };
  }
}

/** `read` with the fields the event decides set from the event (the order may have moved on since). */
function asOfEvent(query: OrderQuery, read: OrderRead, event: OrderStatusEvent): ResolvedOrder {
  if (!read.order) return read;
  const overridden: OrderData = { ...read.order };
  const set = (keys: string[], value: unknown) => {
    for (const key of keys) if (key in overridden) overridden[key] = value;
  };
  set(query.eventKeys.status, event.status);
  set(query.eventKeys.statusVersion, event.sequence);
  set(query.eventKeys.failureReason, FAILURE_STATUSES.has(event.status) ? event.reason : null);
  return { order: visible(overridden, query), ...(read.errors ? { errors: read.errors } : {}) };
}

function orderOf(result: { data?: unknown }): OrderData | null {
  const order = (result.data as { order?: OrderData | null } | null | undefined)?.order;
  return order ?? null;
}

/** Drops what only the gateway asked for: the version field, unless the client selected it, and the owner. */
function visible(order: OrderData, query: OrderQuery): OrderData {
  const { [query.ownerKey]: _owner, ...rest } = order;
  if (!query.versionHidden) return rest;
  const { [query.versionKey]: _version, ...clientFields } = rest;
  return clientFields;
}
