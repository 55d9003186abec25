import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { MAX_PAGE_SIZE } from '../../../lib/pagination.js';

/** How many items a list without a `first` argument is taken to hold (an order's lines, a payment's refunds…). */
export const ASSUMED_LIST_SIZE = 10;

/**
 * An estimate of the work an operation asks for, before any of it runs: the number of objects it
 * may resolve. Each object costs 1, and a list of objects costs 1 per item. A list's size is its
 * `first` argument (from a literal, a variable or the schema's default, capped at the page size
 * the subgraphs allow), or the length of its `ids` argument (`ordersByIds(ids:)`); a connection's
 * `first` sizes its `nodes` and `edges`; any other list counts as ASSUMED_LIST_SIZE. Leaves and `__typename` cost nothing beyond their object; introspection
 * counts 1 (it is switched off in production).
 *
 * GraphQL Armor's cost rule is not used: it reads `first` only from literals, so `first: $n` costs
 * as a single item, and it ignores defaults, so `orders { nodes }` (20 by default) does too.
 *
 * `variables` are the operation's coerced values; fragments are costed once per size they are
 * spread under, so a fragment spread many times costs no more work to estimate.
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const fragmentCosts = new Map<string, number>();

  const selectionCost = (set: SelectionSetNode, parent: GraphQLNamedType | undefined, connectionSize: number | undefined, spreading: Set<string>): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        total += fieldCost(sel, parent, connectionSize, spreading);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        total += selectionCost(sel.selectionSet, type, connectionSize, spreading);
      } else {
        total += fragmentCost(sel.name.value, connectionSize, spreading);
      }
    }
    return total;
  };

  const fragmentCost = (name: string, connectionSize: number | undefined, spreading: Set<string>): number => {
    const fragment = fragments.get(name);
    // A cycle is NoFragmentCyclesRule's to report; here it must only end.
    if (!fragment || spreading.has(name)) return 0;
    const key = `${name}|${connectionSize ?? ''}`;
    let cost = fragmentCosts.get(key);
    if (cost === undefined) {
      spreading.add(name);
      cost = selectionCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), connectionSize, spreading);
      spreading.delete(name);
      fragmentCosts.set(key, cost);
    }
    return cost;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLNamedType | undefined, connectionSize: number | undefined, spreading: Set<string>): number => {
    if (!node.selectionSet) return 0;
    if (!isObjectType(parent) && !isInterfaceType(parent)) return 1;
    const def = parent.getFields()[node.name.value];
    if (!def) return 1;
    const first = firstArgument(def, node, variables);
    const list = isListType(getNullableType(def.type));
    const size = list ? (first ?? idsArgument(def, node, variables) ?? connectionSize ?? ASSUMED_LIST_SIZE) : 1;
    return size * (1 + selectionCost(node.selectionSet, getNamedType(def.type), list ? undefined : first, spreading));
  };

  const root = schema.getRootType(operation.operation) ?? undefined;
  return selectionCost(operation.selectionSet, root, undefined, new Set());
}

type FieldDefinition = Parameters<typeof getArgumentValues>[0];

function firstArgument(def: FieldDefinition, node: FieldNode, variables: Record<string, unknown>): number | undefined {
  const first = argument(def, node, variables, 'first');
  if (first === MISSING) return undefined;
  if (first === UNCOERCIBLE) return MAX_PAGE_SIZE;
  if (typeof first !== 'number') return undefined;
  return Math.min(Math.max(first, 0), MAX_PAGE_SIZE);
}

/** A list of ids asks for one item per id (the subgraph caps it at a page). */
function idsArgument(def: FieldDefinition, node: FieldNode, variables: Record<string, unknown>): number | undefined {
  const ids = argument(def, node, variables, 'ids');
  if (ids === MISSING) return undefined;
  if (ids === UNCOERCIBLE) return MAX_PAGE_SIZE;
  return Array.isArray(ids) ? ids.length : undefined;
}

const MISSING = Symbol('missing');
const UNCOERCIBLE = Symbol('uncoercible');

function argument(def: FieldDefinition, node: FieldNode, variables: Record<string, unknown>, name: string): unknown {
  if (!def.args.some((a) => a.name === name)) return MISSING;
  try {
    return getArgumentValues(def, node, variables)[name];
  } catch {
    // An argument that does not coerce fails the operation before anything runs; cost it as the largest page.
    return UNCOERCIBLE;
  }
}
