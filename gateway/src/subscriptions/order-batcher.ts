import type { FormattedExecutionResult, GraphQLSchema } from 'graphql';
import type { Identity } from '../../../lib/auth/identity.js';
import type { OrderBatchOperations, OrderRead } from './order-batch-operation.js';
import type { OrderQuery } from './operation-rewrite.js';

/** Runs one operation through the gateway as `reader`. */
export type RunOperation = (request: { query: string; variables: Record<string, unknown> }, reader: Identity) => Promise<FormattedExecutionResult>;

/**
 * Batches in flight at once. A burst then queues here rather than in the subgraphs, and what
 * queues is read in fewer, larger operations; a few in flight keep the subgraphs' I/O overlapping.
 */
export const BATCHES_IN_FLIGHT = 4;

interface Waiter {
  resolve(read: OrderRead): void;
  reject(err: unknown): void;
}

/** Reads that one operation can serve: the same selection, variables and reader. */
interface Group {
  key: string;
  query: OrderQuery;
  reader: Identity;
  /** Order ids not yet in an operation, in arrival order, each with everyone waiting for it. */
  pending: Map<string, Waiter[]>;
}

/**
 * Coalesces order reads. Reads asked for while operations are running queue by group (selection,
 * variables, reader); each operation then reads up to a batch of distinct orders of one group,
 * and every subscriber waiting for one of them gets the same answer. A read asked for after an
 * operation started waits for the next one, so every answer was read after it was asked for.
 * Groups take turns, and each operation starts in a macrotask of its own, so sockets and NATS
 * are served between batches.
 */
export class OrderBatcher {
  private readonly groups = new Map<string, Group>();
  /** Groups with pending reads, in turn order. */
  private readonly turns: Group[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** Operations run, and orders they read (counted for tests, metrics and the benchmark). */
  readonly stats = { executions: 0, orders: 0 };

  constructor(
    private readonly run: RunOperation,
    private readonly operations: OrderBatchOperations,
    private readonly schema: () => GraphQLSchema,
    private readonly maxInFlight = BATCHES_IN_FLIGHT,
  ) {}

  /**
   * Has the gateway plan `query`'s operations now (by running them for no order, as `reader`), the
   * first time it is asked, so the first events for that selection do not wait for the planner.
   */
  prepare(query: OrderQuery, reader: Identity): void {
    for (const op of this.operations.toPrepare(query)) {
      this.stats.executions++;
      // A failure here costs nothing: the first real batch plans the operation instead.
      this.run({ query: op.text, variables: op.variables(query, []) }, reader).catch(() => {});
    }
  }

  /** `orderId` read with `query` as `reader`, in the next operation of its group. */
  read(query: OrderQuery, orderId: string, reader: Identity): Promise<OrderRead> {
    const key = `${reader.role}:${reader.customerId}|${query.text}|${JSON.stringify(query.variables)}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { key, query, reader, pending: new Map() };
      this.groups.set(key, group);
      this.turns.push(group);
    }
    let waiters = group.pending.get(orderId);
    if (!waiters) {
      waiters = [];
      group.pending.set(orderId, waiters);
    }
    const read = new Promise<OrderRead>((resolve, reject) => waiters.push({ resolve, reject }));
    this.schedule();
    return read;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.turns.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startNext();
      this.schedule();
    });
  }

  private startNext(): void {
    const group = this.turns.shift();
    if (!group) return;
    const max = this.operations.maxSize(this.schema(), group.query);
    const batch: [orderId: string, waiters: Waiter[]][] = [];
    for (const entry of group.pending) {
      if (batch.length >= max) break;
      batch.push(entry);
    }
    for (const [orderId] of batch) group.pending.delete(orderId);
    if (group.pending.size > 0) this.turns.push(group);
    else this.groups.delete(group.key);
    this.inFlight++;
    void this.execute(group, batch).finally(() => {
      this.inFlight--;
      this.schedule();
    });
  }

  private async execute(group: Group, batch: [orderId: string, waiters: Waiter[]][]): Promise<void> {
    let reads: OrderRead[];
    try {
      const op = this.operations.operation(group.query);
      const orderIds = batch.map(([orderId]) => orderId);
      this.stats.executions++;
      this.stats.orders += batch.length;
      const result: FormattedExecutionResult = await this.run({ query: op.text, variables: op.variables(group.query, orderIds) }, group.reader);
      reads = op.split(result, batch.length);
    } catch (err) {
      for (const [, waiters] of batch) for (const waiter of waiters) waiter.reject(err);
      return;
    }
    batch.forEach(([, waiters], i) => {
      for (const waiter of waiters) waiter.resolve(reads[i]);
    });
  }
}
