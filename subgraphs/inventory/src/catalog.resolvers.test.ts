import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityHeaders, IdentityHeader, type Identity } from '../../../lib/auth/identity.js';
import { loadSubgraphTypeDefs } from '../../../lib/graphql/load-schema.js';
import { createLogger } from '../../../lib/logger.js';
import { createSubgraphServer, type SubgraphServer } from '../../../lib/subgraph/subgraph-server.js';
import { postGraphQL } from '../../../lib/testing/graphql-client.js';
import { useTestDatabase } from '../../../lib/testing/test-orm.js';
import { ormOptions } from './db.js';
import { Product } from './entities/product.entity.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers/index.js';

/*
 * The GraphQL layer over the catalog: authorization, id parsing, error codes and batching. The
 * server is built as the app builds it, minus the event bus, which these resolvers do not touch.
 */

const SECRET = 'inventory-test-gateway-secret';
const admin: Identity = { customerId: randomUUID(), role: 'ADMIN' };
const customer: Identity = { customerId: randomUUID(), role: 'CUSTOMER' };

const db = useTestDatabase('inventory_graphql', ormOptions);
let server: SubgraphServer;
let endpoint: string;

beforeAll(async () => {
  server = createSubgraphServer({
    name: 'inventory',
    typeDefs: loadSubgraphTypeDefs('inventory'),
    resolvers,
    orm: db,
    gatewaySecret: SECRET,
    createLoaders: (em) => createLoaders(em, { batch: true }),
    logger: createLogger('inventory', 'silent'),
    maskErrors: true,
  });
  endpoint = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}/graphql`;
});

afterAll(async () => {
  await server?.stop();
});

const gql = (query: string, variables: Record<string, unknown>, identity: Identity | null) =>
  postGraphQL(endpoint, query, variables, { [IdentityHeader.gatewaySecret]: SECRET, ...identityHeaders(identity) });
const codes = (res: { errors?: { extensions?: Record<string, any> }[] }) => res.errors?.map((e) => e.extensions?.code);

const CREATE = `mutation ($input: CreateProductInput!) {
  createProduct(input: $input) { id sku stockQuantity available price { cents } stockMovements { kind quantityDelta reservedDelta } } }`;
const ADJUST = `mutation ($id: ID!, $delta: Int!, $reason: String!) {
  adjustStock(productId: $id, delta: $delta, reason: $reason) { stockQuantity reserved available } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { name active price { cents } } }`;

const newSku = () => `GQL-${randomUUID().slice(0, 8)}`;

describe('catalog mutations', () => {
  it('an admin creates, updates and adjusts a product', async () => {
    const sku = newSku();
    const created = await gql(CREATE, { input: { sku, name: 'Teapot', priceCents: 2500, stockQuantity: 4 } }, admin);
    expect(created.errors).toBeUndefined();
    const product = created.data.createProduct;
    expect(product).toMatchObject({ sku, stockQuantity: 4, available: 4, price: { cents: 2500 } });
    expect(product.stockMovements).toEqual([{ kind: 'CREATE', quantityDelta: 4, reservedDelta: 0 }]);

    const updated = await gql(UPDATE, { id: product.id.toUpperCase(), input: { name: 'Big Teapot', priceCents: 2700 } }, admin);
    expect(updated.data.updateProduct).toEqual({ name: 'Big Teapot', active: true, price: { cents: 2700 } });

    const adjusted = await gql(ADJUST, { id: product.id, delta: -1, reason: 'chipped' }, admin);
    expect(adjusted.data.adjustStock).toEqual({ stockQuantity: 3, reserved: 0, available: 3 });
  });

  it('refuses customers and anonymous callers, and writes nothing', async () => {
    const sku = newSku();
    const input = { sku, name: 'Nope', priceCents: 1 };
    expect(codes(await gql(CREATE, { input }, customer))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(CREATE, { input }, null))).toEqual(['UNAUTHENTICATED']);
    expect(await db.orm.em.fork().count(Product, { sku })).toBe(0);
  });

  it('reports domain errors with their codes', async () => {
    const { data } = await gql(CREATE, { input: { sku: newSku(), name: 'Mug', priceCents: 900, stockQuantity: 1 } }, admin);
    const id = data.createProduct.id;
    expect(codes(await gql(ADJUST, { id, delta: -2, reason: 'lost' }, admin))).toEqual(['CONFLICT']);
    expect(codes(await gql(ADJUST, { id: 'not-a-uuid', delta: 1, reason: 'x' }, admin))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(UPDATE, { id: randomUUID(), input: { active: false } }, admin))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(CREATE, { input: { sku: newSku(), name: 'Mug', priceCents: -5 } }, admin))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('Product.stockMovements', () => {
  const PAGE = `query { products(first: 50) { nodes { id stockMovements(first: 2) { kind reason } } } }`;

  it('costs one statement for a whole page of products, newest first', async () => {
    const spoons: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { data } = await gql(CREATE, { input: { sku: newSku(), name: `Spoon ${i}`, priceCents: 100, stockQuantity: 10 } }, admin);
      spoons.push(data.createProduct.id);
      await gql(ADJUST, { id: data.createProduct.id, delta: 5, reason: 'restock' }, admin);
    }
    db.sql.reset();
    const res = await gql(PAGE, {}, admin);
    expect(res.errors).toBeUndefined();
    // The page, then every product's movements at once.
    expect(db.sql.count).toBe(2);
    const nodes = res.data.products.nodes as { id: string; stockMovements: { kind: string; reason: string | null }[] }[];
    expect(nodes.length).toBeGreaterThan(spoons.length);
    for (const id of spoons) {
      expect(nodes.find((n) => n.id === id)?.stockMovements).toEqual([
        { kind: 'ADJUST', reason: 'restock' },
        { kind: 'CREATE', reason: null },
      ]);
    }
  });

  it('is for admins only', async () => {
    const res = await gql(PAGE, {}, customer);
    expect(codes(res)?.[0]).toBe('FORBIDDEN');
  });
});
