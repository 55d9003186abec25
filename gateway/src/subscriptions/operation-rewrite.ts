import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  OperationTypeNode,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';

export const SUBSCRIPTION_FIELDS = ['orderStatusChanged', 'myOrderUpdates', 'orderUpdates'] as const;
export type SubscriptionField = (typeof SUBSCRIPTION_FIELDS)[number];

/** Fields of `Order` that an `order.status_changed` event carries, so a selection of only these needs no query. */
const EVENT_FIELDS = new Set(['__typename', 'id', 'status', 'statusVersion', 'failureReason']);

/** The client's selection on `Order`, as a query the gateway can run for one order id. */
export interface OrderQuery {
  /** `query($<orderIdVariable>: ID!, …) { order(id: $<orderIdVariable>) { …selection… } } …fragments` */
  text: string;
  document: DocumentNode;
  orderIdVariable: string;
  /** The client's variable values that the selection uses. */
  variables: Record<string, unknown>;
  /** Where the result holds `statusVersion`; `versionHidden` when only the gateway asked for it. */
  versionKey: string;
  versionHidden: boolean;
  /**
   * A response key the selection does not use (`customer` when it is free, so no alias is needed):
   * batched reads put the order's `customer { id }` there, to check each order against its
   * subscriber before it is delivered.
   */
  ownerKey: string;
  /** Response keys of the fields an event decides, so a delivery shows the event's state. */
  eventKeys: { status: string[]; failureReason: string[]; statusVersion: string[] };
  /** The selection holds only fields the event carries. */
  eventOnly: boolean;
  /**
   * For an event-only selection without @skip/@include: each response key and the field it shows,
   * in response order, so a delivery is built without running graphql-js at all.
   */
  eventProjection: [key: string, field: string][] | undefined;
}

export interface SubscriptionPlan {
  field: SubscriptionField;
  /** The root field's alias or name: where each result goes. */
  responseKey: string;
  args: Record<string, unknown>;
  order: OrderQuery;
}

type Fragments = Map<string, FragmentDefinitionNode>;

/**
 * Turns a validated subscription operation into the query that resolves its selection for one
 * order. The selection, its fragments and the variables it uses are kept as the client wrote them;
 * only the root changes, so any field of `Order` from any subgraph resolves through the gateway.
 */
export function planSubscription(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
): { plan: SubscriptionPlan } | { errors: readonly GraphQLError[] } {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== OperationTypeNode.SUBSCRIPTION) return { errors: [new GraphQLError('Expected a subscription operation.')] };
  const fragments: Fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const root = firstField(operation.selectionSet, fragments);
  const fieldDef = root && schema.getSubscriptionType()?.getFields()[root.name.value];
  if (!root || !fieldDef || !(SUBSCRIPTION_FIELDS as readonly string[]).includes(root.name.value) || !root.selectionSet) {
    return { errors: [new GraphQLError(`The gateway serves only these subscriptions: ${SUBSCRIPTION_FIELDS.join(', ')}.`)] };
  }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors) return { errors: coerced.errors };
  let args: Record<string, unknown>;
  try {
    args = getArgumentValues(fieldDef, root, coerced.coerced);
  } catch (err) {
    return { errors: [err instanceof GraphQLError ? err : new GraphQLError(String(err))] };
  }
  let shape = shapes.get(root);
  if (!shape) {
    shape = orderQueryShape(operation, root.selectionSet, fragments);
    shapes.set(root, shape);
  }
  const { usedVariables, ...order } = shape;
  const variables = Object.fromEntries(Object.entries(rawVariables ?? {}).filter(([name]) => usedVariables.has(name)));
  return { plan: { field: root.name.value as SubscriptionField, responseKey: root.alias?.value ?? root.name.value, args, order: { ...order, variables } } };
}

type OrderQueryShape = Omit<OrderQuery, 'variables'> & { usedVariables: Set<string> };

/**
 * The query depends only on the document, which validated-documents.ts shares between everyone
 * who sent the same text: it is built once per document, not once per subscriber.
 */
const shapes = new WeakMap<FieldNode, OrderQueryShape>();

function orderQueryShape(operation: OperationDefinitionNode, selection: SelectionSetNode, fragments: Fragments): OrderQueryShape {
  const used = reachableFragments(selection, fragments);
  const parts: (SelectionSetNode | FragmentDefinitionNode)[] = [selection, ...used];
  const usedVariables = new Set(parts.flatMap(variablesIn));
  const clientDefinitions = (operation.variableDefinitions ?? []).filter((d) => usedVariables.has(d.variable.name.value));
  const orderIdVariable = freshName('orderId', new Set((operation.variableDefinitions ?? []).map((d) => d.variable.name.value)));

  const top = topLevelFields(selection, fragments);
  const keysOf = (name: string) => top.filter((f) => f.name === name).map((f) => f.key);
  const clientVersion = top.find((f) => f.name === 'statusVersion' && !f.conditional);
  const usedKeys = new Set(top.map((f) => f.key));
  const versionKey = clientVersion?.key ?? (usedKeys.has('statusVersion') ? freshName('statusVersion', usedKeys) : 'statusVersion');
  const ownerKey = freshName('customer', new Set([...usedKeys, versionKey]));
  const versionField: FieldNode | undefined = clientVersion
    ? undefined
    : {
        kind: Kind.FIELD,
        name: { kind: Kind.NAME, value: 'statusVersion' },
        ...(versionKey === 'statusVersion' ? {} : { alias: { kind: Kind.NAME, value: versionKey } }),
      };

  const idDefinition: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: orderIdVariable } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
  };
  const query: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    name: { kind: Kind.NAME, value: 'SubscriptionOrderState' },
    variableDefinitions: [idDefinition, ...clientDefinitions],
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [
        {
          kind: Kind.FIELD,
          name: { kind: Kind.NAME, value: 'order' },
          arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'id' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: orderIdVariable } } }],
          selectionSet: { kind: Kind.SELECTION_SET, selections: versionField ? [...selection.selections, versionField] : selection.selections },
        },
      ],
    },
  };
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [query, ...used] };
  const eventOnly = parts.every(onlyEventFields);
  return {
    text: print(document),
    document,
    orderIdVariable,
    usedVariables,
    versionKey,
    versionHidden: !clientVersion,
    ownerKey,
    eventKeys: { status: keysOf('status'), failureReason: keysOf('failureReason'), statusVersion: keysOf('statusVersion') },
    eventOnly,
    eventProjection: eventOnly && top.every((f) => !f.conditional) ? [...new Map(top.map((f) => [f.key, f.name]))] : undefined,
  };
}

/** The subscription's one root field (validation guarantees exactly one), wherever fragments put it. */
function firstField(set: SelectionSetNode, fragments: Fragments, seen = new Set<string>()): FieldNode | undefined {
  for (const sel of set.selections) {
    const found = sel.kind === Kind.FIELD ? (sel.name.value === '__typename' ? undefined : sel) : nested(sel, fragments, seen, firstField);
    if (found) return found;
  }
  return undefined;
}

interface TopField {
  key: string;
  name: string;
  /** Under @skip/@include, so it may be absent from a result. */
  conditional: boolean;
}

/** The fields directly on `Order`, through fragments, with the keys they take in a result. */
function topLevelFields(set: SelectionSetNode, fragments: Fragments, conditional = false, seen = new Set<string>()): TopField[] {
  return set.selections.flatMap((sel): TopField[] => {
    const cond = conditional || (sel.directives?.length ?? 0) > 0;
    if (sel.kind === Kind.FIELD) return [{ key: sel.alias?.value ?? sel.name.value, name: sel.name.value, conditional: cond }];
    return nested(sel, fragments, seen, (inner, f, s) => topLevelFields(inner, f, cond, s)) ?? [];
  });
}

function nested<T>(sel: Exclude<SelectionNode, FieldNode>, fragments: Fragments, seen: Set<string>, walk: (set: SelectionSetNode, f: Fragments, s: Set<string>) => T): T | undefined {
  if (sel.kind === Kind.INLINE_FRAGMENT) return walk(sel.selectionSet, fragments, seen);
  if (seen.has(sel.name.value)) return undefined;
  seen.add(sel.name.value);
  const fragment = fragments.get(sel.name.value);
  return fragment ? walk(fragment.selectionSet, fragments, seen) : undefined;
}

function reachableFragments(set: SelectionSetNode, fragments: Fragments): FragmentDefinitionNode[] {
  const found = new Map<string, FragmentDefinitionNode>();
  const walk = (node: SelectionSetNode | FragmentDefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (fragment && !found.has(spread.name.value)) {
          found.set(spread.name.value, fragment);
          walk(fragment);
        }
      },
    });
  walk(set);
  return [...found.values()];
}

function variablesIn(node: SelectionSetNode | FragmentDefinitionNode): string[] {
  const names: string[] = [];
  visit(node, {
    Variable(v) {
      names.push(v.name.value);
    },
  });
  return names;
}

function onlyEventFields(node: SelectionSetNode | FragmentDefinitionNode): boolean {
  let only = true;
  visit(node, {
    Field(field) {
      if (!EVENT_FIELDS.has(field.name.value) || field.selectionSet) only = false;
    },
  });
  return only;
}

function freshName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
  return name;
}
