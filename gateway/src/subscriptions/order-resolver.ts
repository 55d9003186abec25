import { randomUUID } from 'node:crypto';
import { execute, type FormattedExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Identity } from '../../../lib/auth/identity.js';
import type { GatewayContext } from '../context.js';
import type { OrderStatusEvent } from './order-event-dispatcher.js';
import type { OrderQuery } from './operation-rewrite.js';
import { Semaphore } from './semaphore.js';

/** Runs an operation through the gateway (Apollo's `executeOperation`): plugins, limits, formatError and all. */
export type ExecuteOperation = (
  request: { query: string; operationName?: string | null; variables: Record<string, unknown> },
  context: GatewayContext,
) => Promise<FormattedExecutionResult>;

type OrderData = Record<string, unknown>;

export interface ResolvedOrder {
  /** The client's selection for the order, or null when it could not be read (see `errors`). */
  order: OrderData | null;
  errors?: readonly GraphQLFormattedError[];
}

const FAILURE_STATUSES = new Set(['FAILED', 'CANCELLED']);

/**
 * Resolves a subscriber's selection for one order through the gateway, as the subscriber: the
 * subgraphs apply their own owner rules, exactly as for an HTTP query. Bounded in concurrency so a
 * burst of events queues here instead of flooding the subgraphs; deliveries of one event to
 * subscribers who would run the same operation as the same caller share one execution.
 */
export class OrderResolver {
  private readonly limiter: Semaphore;
  private readonly inFlight = new Map<string, Promise<FormattedExecutionResult>>();
  /** Operations run through the gateway (counted for tests and the benchmark). */
  executions = 0;

  constructor(
    private readonly executeOperation: ExecuteOperation,
    private readonly apiSchema: () => GraphQLSchema,
    concurrency: number,
  ) {
    this.limiter = new Semaphore(concurrency);
  }

  /** The order's state now, with its `statusVersion` (whether or not the client selected it). */
  async current(query: OrderQuery, orderId: string, identity: Identity): Promise<ResolvedOrder & { version: number | undefined }> {
    const result = await this.run(query, orderId, identity);
    const order = orderOf(result);
    const version = order?.[query.versionKey];
    return { order: order && visible(order, query), errors: result.errors, version: typeof version === 'number' ? version : undefined };
  }

  /**
   * The order as of `event`: status, failure reason and version from the event (the order may
   * have moved on since), every other field as the gateway resolves it now.
   */
  async atEvent(query: OrderQuery, event: OrderStatusEvent, identity: Identity): Promise<ResolvedOrder> {
    const result = query.eventOnly ? this.fromEvent(query, event) : await this.shared(query, event, identity);
    const order = orderOf(result);
    if (!order) return { order: null, errors: result.errors };
    const overridden: OrderData = { ...order };
    const set = (keys: string[], value: unknown) => {
      for (const key of keys) if (key in overridden) overridden[key] = value;
    };
    set(query.eventKeys.status, event.status);
    set(query.eventKeys.statusVersion, event.sequence);
    set(query.eventKeys.failureReason, FAILURE_STATUSES.has(event.status) ? event.reason : null);
    return { order: visible(overridden, query), errors: result.errors };
  }

  private shared(query: OrderQuery, event: OrderStatusEvent, identity: Identity): Promise<FormattedExecutionResult> {
    const key = `${event.eventId}|${identity.role}:${identity.customerId}|${query.text}|${JSON.stringify(query.variables)}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.run(query, event.orderId, identity).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private run(query: OrderQuery, orderId: string, identity: Identity): Promise<FormattedExecutionResult> {
    return this.limiter.run(() => {
      this.executions++;
      return this.executeOperation(
        { query: query.text, variables: { ...query.variables, [query.orderIdVariable]: orderId } },
        { identity, requestId: randomUUID() },
      );
    });
  }

  /**
   * A selection of only what the event carries is answered from the event: by its projection when
   * it has one, else with graphql-js over the gateway's schema so @skip and @include behave as they
   * would in a query. The subscriber's right to the order was checked when it subscribed and is
   * checked per event.
   */
  private fromEvent(query: OrderQuery, event: OrderStatusEvent): FormattedExecutionResult {
    const order: Record<string, unknown> = {
      __typename: 'Order',
      id: event.orderId,
      status: event.status,
      statusVersion: event.sequence,
      failureReason: FAILURE_STATUSES.has(event.status) ? event.reason : null,
    };
    if (query.eventProjection) {
      return { data: { order: Object.fromEntries(query.eventProjection.map(([key, field]) => [key, order[field]])) } };
    }
    const result = execute({
      schema: this.apiSchema(),
      document: query.document,
      rootValue: { order },
      variableValues: { ...query.variables, [query.orderIdVariable]: event.orderId },
    });
    if ('then' in result) throw new Error('A selection of event fields resolved asynchronously; it cannot.');
    return { data: result.data, ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}) };
  }
}

function orderOf(result: FormattedExecutionResult): OrderData | null {
  const order = (result.data as { order?: OrderData | null } | null | undefined)?.order;
  return order ?? null;
}

/** Drops the version field when only the gateway asked for it. */
function visible(order: OrderData, query: OrderQuery): OrderData {
  if (!query.versionHidden) return order;
  const { [query.versionKey]: _version, ...rest } = order;
  return rest;
}
