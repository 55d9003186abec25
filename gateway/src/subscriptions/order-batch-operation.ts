import {
  getVariableValues,
  Kind,
  OperationTypeNode,
  parse,
  print,
  validate,
  type DocumentNode,
  type FieldNode,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import { operationLimitRules, operationParseOptions, type OperationLimits } from '../limits.js';
import { operationCost } from '../security/operation-cost.js';
import type { OrderQuery } from './operation-rewrite.js';

export type OrderData = Record<string, unknown>;

/** One order as a selection reads it: the data under `order`, and the errors that concern it (paths from `order`). */
export interface OrderRead {
  order: OrderData | null;
  errors?: readonly GraphQLFormattedError[];
}

/** The most orders one operation reads: what the order subgraph's `ordersByIds` takes at once. */
export const MAX_BATCH_ORDERS = 100;

/** Variable values kept per selection; past it they start over (clients rarely vary them). */
const MAX_VARIABLE_SETS = 100;

/** One operation reading any number of orders (up to the selection's `maxSize`) with one selection. */
export interface OrderBatchOperation {
  text: string;
  /** The operation's variables for `orderIds`, with the client's that the selection uses. */
  variables(query: OrderQuery, orderIds: readonly string[]): Record<string, unknown>;
  /** The result as one read per order of `orderIds`, in their order. */
  split(result: FormattedExecutionResult, count: number): OrderRead[];
}

interface SelectionEntry {
  op: OrderBatchOperation;
  /** Largest batch, by the variables' JSON (costs can depend on them: a `first: $n` inside the selection). */
  sizes: Map<string, number>;
  prepared: boolean;
}

/**
 * Operations reading many orders with one subscriber selection: `ordersByIds(ids: $ids)` with the
 * client's selection of `order`. The gateway plans it once whatever the number of ids, and the
 * plan fetches each subgraph once for the whole batch. The batch runs through the gateway like any
 * operation, limits and all: its cost grows with the number of ids, so a selection's largest batch
 * is what the cost limit lets through (at most MAX_BATCH_ORDERS). Built once per selection.
 */
export class OrderBatchOperations {
  private readonly bySelection = new WeakMap<DocumentNode, SelectionEntry>();

  constructor(
    private readonly limits: OperationLimits,
    private readonly maxOrders = MAX_BATCH_ORDERS,
  ) {}

  /** The largest batch `query` (with these variables) may read in one operation. */
  maxSize(schema: GraphQLSchema, query: OrderQuery): number {
    const entry = this.entry(query);
    const key = JSON.stringify(query.variables);
    let size = entry.sizes.get(key);
    if (size === undefined) {
      size = largestWithinLimits(schema, query, entry.op, this.limits, this.maxOrders);
      if (entry.sizes.size >= MAX_VARIABLE_SETS) entry.sizes.clear();
      entry.sizes.set(key, size);
    }
    return size;
  }

  /** The operation reading orders with `query`'s selection. */
  operation(query: OrderQuery): OrderBatchOperation {
    return this.entry(query).op;
  }

  /** The first time a selection is asked about: its operation, to have the gateway plan it. */
  toPrepare(query: OrderQuery): OrderBatchOperation[] {
    const entry = this.entry(query);
    if (entry.prepared) return [];
    entry.prepared = true;
    return [entry.op];
  }

  private entry(query: OrderQuery): SelectionEntry {
    let entry = this.bySelection.get(query.document);
    if (!entry) {
      entry = { op: listOperation(query), sizes: new Map(), prepared: false };
      this.bySelection.set(query.document, entry);
    }
    return entry;
  }
}

/**
 * Every batch size has the same shape, so only the cost limit depends on the size, and linearly:
 * the largest size is the cost limit over the cost of one order. A selection the limits refuse even
 * for one order reads one at a time, and each read reports the refusal.
 */
function largestWithinLimits(schema: GraphQLSchema, query: OrderQuery, op: OrderBatchOperation, limits: OperationLimits, max: number): number {
  let document: DocumentNode;
  try {
    document = parse(op.text, operationParseOptions(limits));
  } catch {
    return 1;
  }
  if (validate(schema, document, operationLimitRules(limits)).length > 0) return 1;
  const operation = document.definitions[0] as OperationDefinitionNode;
  const oneOrder = getVariableValues(schema, operation.variableDefinitions ?? [], op.variables(query, ['one']));
  if (oneOrder.errors) return 1;
  const perOrder = operationCost(schema, document, operation, oneOrder.coerced);
  if (perOrder > limits.maxCost) return 1;
  return perOrder > 0 ? Math.max(1, Math.min(max, Math.floor(limits.maxCost / perOrder))) : max;
}

/** `query($orderIds: [ID!]!, …) { ordersByIds(ids: $orderIds) { …selection… customer { id } } } …fragments`. */
function listOperation(query: OrderQuery): OrderBatchOperation {
  const [single, ...fragments] = query.document.definitions as [OperationDefinitionNode, ...DocumentNode['definitions']];
  const orderField = withOwner(single.selectionSet.selections[0] as FieldNode, query.ownerKey);
  const clientDefinitions = (single.variableDefinitions ?? []).filter((d) => d.variable.name.value !== query.orderIdVariable);
  // The client's variables keep their names; the ids take one none of them has.
  let idsVariable = `${query.orderIdVariable}s`;
  while (clientDefinitions.some((d) => d.variable.name.value === idsVariable)) idsVariable += '_';

  const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
  const nonNull = (type: VariableDefinitionNode['type']) => ({ kind: Kind.NON_NULL_TYPE, type }) as VariableDefinitionNode['type'];
  const idsDefinition: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: name(idsVariable) },
    type: nonNull({ kind: Kind.LIST_TYPE, type: nonNull({ kind: Kind.NAMED_TYPE, name: name('ID') }) }),
  };
  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    name: name('SubscriptionOrderStates'),
    variableDefinitions: [idsDefinition, ...clientDefinitions],
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [
        {
          ...orderField,
          alias: undefined,
          name: name('ordersByIds'),
          arguments: [{ kind: Kind.ARGUMENT, name: name('ids'), value: { kind: Kind.VARIABLE, name: name(idsVariable) } }],
        },
      ],
    },
  };
  return {
    text: print({ kind: Kind.DOCUMENT, definitions: [operation, ...fragments] }),
    variables: (q, orderIds) => ({ ...q.variables, [idsVariable]: orderIds }),
    split: (result, count) => {
      const orders = ((result.data as { ordersByIds?: (OrderData | null)[] | null } | null | undefined)?.ordersByIds ?? []) as (OrderData | null)[];
      const own = new Map<number, GraphQLFormattedError[]>();
      const shared: GraphQLFormattedError[] = [];
      for (const error of result.errors ?? []) {
        const [field, index, ...rest] = error.path ?? [];
        // An error under one order is that order's (its path as if it were the only `order`); any other concerns them all.
        if (field === 'ordersByIds' && typeof index === 'number') own.set(index, [...(own.get(index) ?? []), { ...error, path: ['order', ...rest] }]);
        else shared.push(error);
      }
      return Array.from({ length: count }, (_, i) => {
        const errors = [...(own.get(i) ?? []), ...shared];
        return { order: orders[i] ?? null, ...(errors.length ? { errors } : {}) };
      });
    },
  };
}

/** `field` also selecting `<ownerKey>: customer { id }` (no alias when the key is `customer` itself). */
function withOwner(field: FieldNode, ownerKey: string): FieldNode {
  const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
  const owner: FieldNode = {
    kind: Kind.FIELD,
    ...(ownerKey === 'customer' ? {} : { alias: name(ownerKey) }),
    name: name('customer'),
    selectionSet: { kind: Kind.SELECTION_SET, selections: [{ kind: Kind.FIELD, name: name('id') }] },
  };
  return { ...field, selectionSet: { kind: Kind.SELECTION_SET, selections: [...field.selectionSet!.selections, owner] } };
}
