import { buildSchema, getOperationAST, getVariableValues, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ASSUMED_LIST_SIZE, operationCost } from './operation-cost.js';

const schema = buildSchema(`
  type Money { cents: Int! }
  type Product { id: ID! name: String! price: Money! }
  type OrderItem { quantity: Int! product: Product! }
  type Order { id: ID! customer: Customer! items: [OrderItem!]! }
  type OrderConnection { nodes: [Order!]! edges: [OrderEdge!]! totalCount: Int! }
  type OrderEdge { node: Order! }
  type Customer { id: ID! orders(first: Int = 20): OrderConnection! notifications(first: Int = 20): [Note!]! }
  type Note { id: ID! }
  type Query { me: Customer orders(first: Int, status: String): OrderConnection! ordersByIds(ids: [ID!]!): [Order]! __placeholder: Int }
  type Mutation { login(email: String!): Customer }
`);

function cost(query: string, variables: Record<string, unknown> = {}): number {
  const document = parse(query);
  const operation = getOperationAST(document)!;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) throw coerced.errors[0];
  return operationCost(schema, document, operation, coerced.coerced);
}

describe('operationCost', () => {
  it('costs 1 per object resolved and nothing for leaves', () => {
    expect(cost(`{ me { id } }`)).toBe(1);
    expect(cost(`{ __typename me { __typename id } }`)).toBe(1);
  });

  it("sizes a connection's nodes and edges by its first argument: literal, variable or default", () => {
    // orders 1 + 50 × (node 1 + customer 1)
    expect(cost(`{ orders(first: 50) { nodes { customer { id } } } }`)).toBe(1 + 50 * 2);
    expect(cost(`query($n: Int) { orders(first: $n) { nodes { customer { id } } } }`, { n: 50 })).toBe(1 + 50 * 2);
    // me 1 + orders 1 + 20 × (edge 1 + node 1 + customer 1): Customer.orders defaults to 20
    expect(cost(`{ me { orders { edges { node { customer { id } } } } } }`)).toBe(1 + 1 + 20 * 3);
  });

  it('caps first at the page size the subgraphs allow, and multiplies nested lists', () => {
    // orders 1 + 100 × (node 1 + customer 1 + orders 1 + 100 × node 1)
    expect(cost(`{ orders(first: 1000) { nodes { customer { orders(first: 100) { nodes { id } } } } } }`)).toBe(1 + 100 * (3 + 100));
    expect(cost(`{ orders(first: 100) { nodes { customer { orders(first: 100) { nodes { customer { id } } } } } } }`)).toBe(1 + 100 * (3 + 100 * 2));
  });

  it('sizes a list read by ids by the number of ids, literal or variable', () => {
    // 3 × (order 1 + customer 1)
    expect(cost(`{ ordersByIds(ids: ["a", "b", "c"]) { customer { id } } }`)).toBe(3 * 2);
    const ids = Array.from({ length: 40 }, (_, i) => String(i));
    expect(cost(`query($ids: [ID!]!) { ordersByIds(ids: $ids) { customer { id } } }`, { ids })).toBe(40 * 2);
    expect(cost(`{ ordersByIds(ids: []) { customer { id } } }`)).toBe(0);
  });

  it('counts a list without first as ASSUMED_LIST_SIZE items', () => {
    // me 1 + orders 1 + 2 × (node 1 + ASSUMED × (item 1 + product 1 + price 1))
    expect(cost(`{ me { orders(first: 2) { nodes { items { product { price { cents } } } } } } }`)).toBe(1 + 1 + 2 * (1 + ASSUMED_LIST_SIZE * 3));
  });

  it('follows fragments, inline fragments and repeated spreads, each costed once per size', () => {
    const viaFragments = `
      { orders(first: 50) { ...Page } }
      fragment Page on OrderConnection { nodes { ... on Order { customer { id } } } }`;
    expect(cost(viaFragments)).toBe(cost(`{ orders(first: 50) { nodes { customer { id } } } }`));
    const twice = `{ me { a: orders(first: 10) { ...Page } b: orders(first: 30) { ...Page } } } fragment Page on OrderConnection { nodes { customer { id } } }`;
    expect(cost(twice)).toBe(1 + (1 + 10 * 2) + (1 + 30 * 2));
  });

  it('ends on a fragment cycle (validation refuses it) and costs introspection as 1', () => {
    expect(() => cost(`{ me { ...A } } fragment A on Customer { orders { nodes { customer { ...A } } } }`)).not.toThrow();
    expect(cost(`{ __schema { types { fields { name } } } }`)).toBe(1);
  });
});
