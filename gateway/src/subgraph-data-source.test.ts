import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types.js';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubgraphDataSource } from './subgraph-data-source.js';

/** A subgraph that accepts connections and never answers, like a stopped process. */
let hung: Server;
let hungUrl: string;
/** A subgraph that answers at once. */
let quick: Server;
let quickUrl: string;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

const ask = (source: SubgraphDataSource) =>
  source.process({ kind: GraphQLDataSourceRequestKind.HEALTH_CHECK, request: { query: '{ __typename }' }, context: {} as never });

describe('SubgraphDataSource', () => {
  beforeAll(async () => {
    hung = createServer(() => {});
    hungUrl = await listen(hung);
    quick = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"__typename":"Query"}}'));
    quickUrl = await listen(quick);
  });
  afterAll(() => {
    hung.closeAllConnections();
    hung.close();
    quick.close();
  });

  it('gives up on a subgraph that does not answer in time, with an error naming it', async () => {
    const source = new SubgraphDataSource({ name: 'payment', url: hungUrl, secret: 'secret-for-test', timeoutMs: 200 });
    const started = Date.now();
    const err = await ask(source).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(GraphQLError);
    expect((err as GraphQLError).message).toContain('payment');
    expect((err as GraphQLError).extensions).toMatchObject({ code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'payment', reason: 'TIMEOUT' });
  });

  it('names a subgraph that cannot be reached', async () => {
    const closed = createServer();
    const url = await listen(closed);
    closed.close();
    const err = await ask(new SubgraphDataSource({ name: 'inventory', url, secret: 'secret-for-test', timeoutMs: 2000 })).catch((e: unknown) => e);
    expect((err as GraphQLError).extensions).toMatchObject({ code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'inventory', reason: 'UNREACHABLE' });
  });

  it('passes a timely answer through, the timeout applying to each request on its own', async () => {
    const source = new SubgraphDataSource({ name: 'order', url: quickUrl, secret: 'secret-for-test', timeoutMs: 300 });
    for (let i = 0; i < 3; i++) {
      await expect(ask(source)).resolves.toMatchObject({ data: { __typename: 'Query' } });
      await new Promise((r) => setTimeout(r, 150));
    }
  });
});
