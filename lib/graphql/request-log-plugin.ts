import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Logger } from '../logger.js';
import { summarizeOperation } from './operation-summary.js';

/** The context fields this plugin reads; the gateway's and every subgraph's context have them. */
interface RequestIdContext extends BaseContext {
  requestId: string;
}

/**
 * One log line per GraphQL operation: request id, operation name and type, duration and the error
 * codes the client got. Operations from HTTP are logged at info; those the server runs itself
 * (`executeOperation`: subscription deliveries, WebSocket operations) at debug, so thousands of
 * subscribers do not flood the log with a line per delivery.
 */
export function requestLogPlugin<C extends RequestIdContext>(logger: Logger): ApolloServerPlugin<C> {
  return {
    async requestDidStart(start) {
      const startedAt = process.hrtime.bigint();
      const level = start.request.http ? 'info' : 'debug';
      return {
        async willSendResponse(ctx) {
          if (!logger.isLevelEnabled(level)) return;
          const { operationName, operationType, errorCodes } = summarizeOperation(ctx);
          const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
          logger[level](
            {
              requestId: ctx.contextValue.requestId,
              operationName,
              operationType,
              durationMs: Math.round(durationMs * 100) / 100,
              ...(errorCodes.length ? { errorCodes } : {}),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
