import { buildSchema, parse, validate } from 'graphql';
import type { OrderQuery } from './operation-rewrite.js';
import { planSubscription } from './operation-rewrite.js';

/** A small copy of the order graph: enough for the batching modules' unit tests. */
export const schema = buildSchema(`
  enum OrderStatus { PENDING PAID SHIPPED CANCELLED }
  type StockMovement { id: ID! }
  type Product { id: ID! name: String! stockMovements(first: Int = 20): [StockMovement!]! }
  type OrderItem { quantity: Int! product: Product! }
  type Notification { id: ID! template: String! lastError: String }
  type Customer { id: ID! name: String! notifications(first: Int = 20): [Notification!]! }
  type Order {
    id: ID! status: OrderStatus! failureReason: String statusVersion: Int! items: [OrderItem!]!
    customer: Customer! notifications: [Notification!]! trackingNumber: String
  }
  type Query { order(id: ID!): Order ordersByIds(ids: [ID!]!): [Order]! }
  type Subscription { orderStatusChanged(orderId: ID!): Order! myOrderUpdates: Order! orderUpdates(status: OrderStatus): Order! }
`);

/** The per-order query a subscription operation plans to. */
export function orderQuery(subscription: string, variables: Record<string, unknown> = {}): OrderQuery {
  const document = parse(subscription);
  const errors = validate(schema, document);
  if (errors.length) throw new Error(errors.map((e) => e.message).join('; '));
  const planned = planSubscription(schema, document, undefined, variables);
  if ('errors' in planned) throw new Error(planned.errors.map((e) => e.message).join('; '));
  return planned.plan.order;
}
