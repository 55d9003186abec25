import {
  Kind,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  OperationTypeNode,
  parse,
  print,
  validate,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import { checkOperationCost, operationLimitRules, operationParseOptions, type OperationLimits } from '../limits.js';
import type { OrderQuery } from './operation-rewrite.js';

export type OrderData = Record<string, unknown>;

/** One order as a selection reads it: the data under `order`, and the errors that concern it (paths from `order`). */
export interface OrderRead {
  order: OrderData | null;
  errors?: readonly GraphQLFormattedError[];
}

/**
 * An id no order has: it fills the unused places of a batch, so two sizes (and so two query plans)
 * serve every number of orders. Its `order` is null and costs no fetch beyond the first.
 */
export const NO_ORDER_ID = '00000000-0000-0000-0000-000000000000';

/** The most orders one operation reads, whatever the limits allow. */
export const MAX_BATCH_ORDERS = 128;

/** Variable values kept per selection; past it they start over (clients rarely vary them). */
const MAX_VARIABLE_SETS = 100;

/** One operation reading up to `size` orders with one selection. */
export interface OrderBatchOperation {
  text: string;
  size: number;
  /** The operation's variables for `orderIds` (at most `size`), with the client's that the selection uses. */
  variables(query: OrderQuery, orderIds: readonly string[]): Record<string, unknown>;
  /** The result as one read per order of `orderIds`, in their order. */
  split(result: FormattedExecutionResult, count: number): OrderRead[];
}

interface SelectionEntry {
  sizes: number[];
  built: Map<number, OrderBatchOperation>;
  prepared: boolean;
}

/**
 * Operations reading many orders with one subscriber selection: one `order(id:)` per order under
 * its own alias. Two sizes: one order (a lone event costs what it did unbatched), and the largest
 * batch the gateway's operation limits let through (the batch runs through the gateway like any
 * operation, limits and all), padded with NO_ORDER_ID. Planning an operation takes the gateway
 * about as long per alias as resolving it, so each selection has two plans, made before its first
 * event (`toPrepare`). Built once per selection and size.
 */
export class OrderBatchOperations {
  private readonly bySelection = new WeakMap<DocumentNode, Map<string, SelectionEntry>>();

  constructor(
    private readonly limits: OperationLimits,
    private readonly maxOrders = MAX_BATCH_ORDERS,
  ) {}

  /** The largest batch `query` (with these variables) may read in one operation. */
  maxSize(schema: GraphQLSchema, query: OrderQuery): number {
    return this.entry(schema, query).sizes.at(-1)!;
  }

  /** The operation for `count` orders (at most `maxSize`): the smallest size that holds them. */
  forCount(schema: GraphQLSchema, query: OrderQuery, count: number): OrderBatchOperation {
    const entry = this.entry(schema, query);
    return this.built(entry, query, entry.sizes.find((s) => s >= count) ?? entry.sizes.at(-1)!);
  }

  /** The first time a selection (with these variables) is asked about: each of its operations, to have the gateway plan them. */
  toPrepare(schema: GraphQLSchema, query: OrderQuery): OrderBatchOperation[] {
    const entry = this.entry(schema, query);
    if (entry.prepared) return [];
    entry.prepared = true;
    return entry.sizes.map((size) => this.built(entry, query, size));
  }

  private built(entry: SelectionEntry, query: OrderQuery, size: number): OrderBatchOperation {
    let op = entry.built.get(size);
    if (!op) {
      op = aliasedOperation(query, size).op;
      entry.built.set(size, op);
    }
    return op;
  }

  private entry(schema: GraphQLSchema, query: OrderQuery) {
    let bySelection = this.bySelection.get(query.document);
    if (!bySelection) {
      bySelection = new Map();
      this.bySelection.set(query.document, bySelection);
    }
    // Costs can depend on variables (a `first: $n` inside the selection).
    const key = JSON.stringify(query.variables);
    let entry = bySelection.get(key);
    if (!entry) {
      const max = largestWithinLimits(schema, query, this.limits, this.maxOrders);
      entry = { sizes: max > 1 ? [1, max] : [1], built: new Map(), prepared: false };
      if (bySelection.size >= MAX_VARIABLE_SETS) bySelection.clear();
      bySelection.set(key, entry);
    }
    return entry;
  }
}

/** Binary search over sizes: the limits only ever grow with the number of copies of the selection. */
function largestWithinLimits(schema: GraphQLSchema, query: OrderQuery, limits: OperationLimits, max: number): number {
  const rules = operationLimitRules(limits);
  const fits = (size: number) => {
    const { op, document, operation } = aliasedOperation(query, size);
    try {
      parse(op.text, operationParseOptions(limits));
    } catch {
      return false;
    }
    if (validate(schema, document, rules).length > 0) return false;
    return !checkOperationCost(schema, document, operation, op.variables(query, []), limits.maxCost);
  };
  let lo = 1;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * `query($orderId_0: ID!, …) { o0: order(id: $orderId_0) { …selection… customer { id } } o1: … } …fragments`. The
 * gateway plans each alias on its own: the orders take one fetch from the order subgraph, but every
 * other subgraph is fetched once per alias (a list field of orders by id would take one fetch per
 * subgraph for the whole batch).
 */
function aliasedOperation(query: OrderQuery, size: number): { op: OrderBatchOperation; document: DocumentNode; operation: OperationDefinitionNode } {
  const [single, ...fragments] = query.document.definitions as [OperationDefinitionNode, ...DocumentNode['definitions']];
  const orderField = withOwner(single.selectionSet.selections[0] as FieldNode, query.ownerKey);
  const clientDefinitions = (single.variableDefinitions ?? []).filter((d) => d.variable.name.value !== query.orderIdVariable);
  const taken = new Set(clientDefinitions.map((d) => d.variable.name.value));
  // The client's variables keep their names; the ids take a prefix none of them starts with.
  let prefix = `${query.orderIdVariable}_`;
  while ([...taken].some((name) => name.startsWith(prefix))) prefix += '_';
  const idVariables = Array.from({ length: size }, (_, i) => `${prefix}${i}`);
  const aliases = Array.from({ length: size }, (_, i) => `o${i}`);

  const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
  const idDefinition = (variable: string): VariableDefinitionNode => ({
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: name(variable) },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: name('ID') } },
  });
  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    name: name('SubscriptionOrderStates'),
    variableDefinitions: [...idVariables.map(idDefinition), ...clientDefinitions],
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: aliases.map(
        (alias, i): FieldNode => ({
          ...orderField,
          alias: name(alias),
          arguments: [{ kind: Kind.ARGUMENT, name: name('id'), value: { kind: Kind.VARIABLE, name: name(idVariables[i]) } }],
        }),
      ),
    },
  };
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] };
  const byAlias = new Map(aliases.map((alias, i) => [alias, i]));
  const op: OrderBatchOperation = {
    text: print(document),
    size,
    variables: (q, orderIds) => {
      const variables: Record<string, unknown> = { ...q.variables };
      idVariables.forEach((v, i) => (variables[v] = orderIds[i] ?? NO_ORDER_ID));
      return variables;
    },
    split: (result, count) => {
      const data = (result.data ?? {}) as Record<string, OrderData | null | undefined>;
      const own = new Map<number, GraphQLFormattedError[]>();
      const shared: GraphQLFormattedError[] = [];
      for (const error of result.errors ?? []) {
        const i = byAlias.get(String(error.path?.[0]));
        // An error under one alias is that order's (its path as if it were the only `order`); any other concerns them all.
        if (i === undefined) shared.push(error);
        else own.set(i, [...(own.get(i) ?? []), { ...error, path: ['order', ...error.path!.slice(1)] }]);
      }
      return aliases.slice(0, count).map((alias, i) => {
        const errors = [...(own.get(i) ?? []), ...shared];
        return { order: data[alias] ?? null, ...(errors.length ? { errors } : {}) };
      });
    },
  };
  return { op, document, operation };
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
