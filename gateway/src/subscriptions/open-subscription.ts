import type { DocumentNode, FormattedExecutionResult, GraphQLSchema } from 'graphql';
import type { Identity } from '../../../lib/auth/identity.js';
import { ErrorCode } from '../../../lib/errors.js';
import { planSubscription } from './operation-rewrite.js';
import { OrderFeedSubscription } from './order-feed-subscription.js';
import { OrderStatusSubscription } from './order-status-subscription.js';
import type { OrderSubscription, SubscriptionDeps } from './order-subscription.js';

/**
 * Starts the subscription a validated operation asks for, as `identity`; or refuses it with a
 * result that graphql-ws sends as the one message before `complete`.
 */
export function openSubscription(
  schema: GraphQLSchema,
  operation: { document: DocumentNode; operationName?: string | null; variables: Record<string, unknown> },
  identity: Identity,
  deps: SubscriptionDeps,
): OrderSubscription | FormattedExecutionResult {
  const planned = planSubscription(schema, operation.document, operation.operationName, operation.variables);
  if ('errors' in planned) {
    return { errors: planned.errors.map((e) => ({ message: e.message, extensions: { code: ErrorCode.BAD_USER_INPUT } })) };
  }
  const { plan } = planned;
  switch (plan.field) {
    case 'orderStatusChanged':
      return new OrderStatusSubscription(plan, identity, deps).start();
    case 'myOrderUpdates':
      return OrderFeedSubscription.mine(plan, identity, deps);
    case 'orderUpdates':
      if (identity.role !== 'ADMIN') {
        return { data: null, errors: [{ message: 'Only an admin may follow every order.', path: [plan.responseKey], extensions: { code: ErrorCode.FORBIDDEN } }] };
      }
      return OrderFeedSubscription.all(plan, identity, deps);
  }
}
