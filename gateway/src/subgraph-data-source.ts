import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { identityHeaders, IdentityHeader } from '../../lib/auth/identity.js';
import type { GatewayContext } from './context.js';

/**
 * Every subgraph request carries the subgraph's secret and the identity the gateway verified.
 * Nothing the client sent is forwarded, so identity headers cannot be forged from outside.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly secret: string,
  ) {
    super({ url });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http!.headers;
    headers.set(IdentityHeader.gatewaySecret, this.secret);
    // Health checks and schema loading run without a request context.
    if (!context || !('requestId' in context)) return;
    headers.set(IdentityHeader.requestId, context.requestId);
    for (const [name, value] of Object.entries(identityHeaders(context.identity))) headers.set(name, value);
  }
}
