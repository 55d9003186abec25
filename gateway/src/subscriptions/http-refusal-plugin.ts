import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';

export const SUBSCRIPTION_OVER_HTTP_MESSAGE =
  'Subscriptions are served over WebSocket: connect to this same URL with the graphql-ws protocol (graphql-transport-ws) and send the token in connection_init.';

/**
 * A subscription sent over plain HTTP is refused with a message that says where to send it,
 * instead of reaching the gateway's executor, which cannot run subscriptions.
 */
export function refuseSubscriptionsOverHttp<Ctx extends BaseContext>(): ApolloServerPlugin<Ctx> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError(SUBSCRIPTION_OVER_HTTP_MESSAGE, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
          }
        },
      };
    },
  };
}
