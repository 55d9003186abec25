import { SUBGRAPH_NAMES, type SubgraphName } from '../../lib/config.js';
import { startStack, type TestStack } from '../../lib/testing/stack.js';
import { insertPaidOrder, insertProducts } from '../../test/fixtures.js';
import { ORDERS_PAGE, PRODUCTS_PAGE } from '../lib/queries.js';

export const PAGE_SIZES = [1, 10, 50, 100] as const;

/** What one operation cost each subgraph: SQL statements it sent and requests the gateway made of it. */
export interface OperationCost {
  sql: Record<SubgraphName, number>;
  fetches: Record<SubgraphName, number>;
}

export interface ExactCounts {
  /** Per benchmark query, per page size. */
  queries: Record<string, Record<number, OperationCost>>;
  /** True when, for every query, every page size costs exactly what page size 1 does. */
  constant: boolean;
}

/**
 * Scenario 1, noise-free: the benchmark queries run once each at every page size on an in-process
 * stack, counting the SQL statements each subgraph sent for that request (the request-scoped
 * counter of lib/db/orm.ts; background work such as relays is not counted) and the requests the
 * gateway made of each subgraph.
 */
export async function measureExactCounts(log: (line: string) => void = () => {}): Promise<ExactCounts> {
  const stack = await startStack();
  try {
    const customer = await stack.registerCustomer('Exact Counts');
    const largest = PAGE_SIZES.at(-1)!;
    const products = await insertProducts(
      stack,
      Array.from({ length: largest }, (_, i) => ({ name: `Counted Product ${i}`, priceCents: 100 + i, stock: 100 })),
    );
    for (let i = 0; i < largest; i++) {
      await insertPaidOrder(
        stack,
        customer,
        [
          { product: products[i % products.length], quantity: 1 },
          { product: products[(i + 7) % products.length], quantity: 2 },
        ],
        new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      );
    }
    const operations = {
      products: { query: PRODUCTS_PAGE, list: (d: any) => d.products.nodes as unknown[], token: undefined },
      orders: { query: ORDERS_PAGE, list: (d: any) => d.orders.nodes as unknown[], token: customer.token },
    };
    const queries: ExactCounts['queries'] = {};
    for (const [name, op] of Object.entries(operations)) {
      queries[name] = {};
      for (const first of PAGE_SIZES) {
        queries[name][first] = await costOf(stack, op.query, { first }, op.token, (data) => {
          if (op.list(data).length !== first) throw new Error(`${name}(first: ${first}) returned ${op.list(data).length} items`);
        });
        log(`${name} × ${String(first).padStart(3)}: SQL ${fmt(queries[name][first].sql)}; fetches ${fmt(queries[name][first].fetches)}`);
      }
    }
    const constant = Object.values(queries).every((bySize) => PAGE_SIZES.every((n) => JSON.stringify(bySize[n]) === JSON.stringify(bySize[1])));
    return { queries, constant };
  } finally {
    await stack.stop();
  }
}

async function costOf(stack: TestStack, query: string, variables: Record<string, unknown>, token: string | undefined, check: (data: unknown) => void): Promise<OperationCost> {
  const before = requestsSoFar(stack);
  stack.resetSqlCounts();
  const res = await stack.query(query, variables, token);
  if (res.errors?.length || !res.data) throw new Error(`exact counts: ${JSON.stringify(res.errors)}`);
  check(res.data);
  const sql = stack.sqlCounts();
  const after = requestsSoFar(stack);
  return { sql, fetches: Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, after[n] - before[n]])) as Record<SubgraphName, number> };
}

function requestsSoFar(stack: TestStack): Record<SubgraphName, number> {
  return Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, stack.subgraphs[n].server.requests.accepted])) as Record<SubgraphName, number>;
}

const fmt = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
