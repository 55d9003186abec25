import { TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import { canSee, type Identity } from '../../../lib/auth/identity.js';
import type { OrderQuery } from './operation-rewrite.js';

/**
 * The identity that reads orders for many subscribers at once: admin rights, under an id that is
 * no customer's. It is never a client's: only the gateway sends it, to subgraphs that trust only
 * the gateway. Only selections that read the same for the order's owner as for an admin use it
 * (`SAME_FOR_OWNER_AND_ADMIN`), and each delivery it reads for is checked against its own
 * subscriber twice: `canSee` on the event's customer before the read (`readerFor`), and on the
 * order's own customer after it (order-resolver.ts), so a misworded event cannot leak an order.
 */
export const SHARED_READER: Identity = { role: 'ADMIN', customerId: '00000000-0000-0000-0000-000000000000' };

/**
 * Fields, by type, that resolve to the same value for an admin as for the owner of the order they
 * were reached from, read from the subgraphs' resolvers: each checks only `canSee(identity, owner)`
 * (true for both) or nothing at all. Left out on purpose, because an admin sees more:
 * `Order.notifications` (webhook rows without a customer), `Notification.lastError` (admin only)
 * and `Product.stockMovements` (admin only). A field missing here (a new one, say) is simply read
 * as the subscriber, which is always right, only slower: add it once its rule is known.
 */
const SAME_FOR_OWNER_AND_ADMIN: Readonly<Record<string, ReadonlySet<string>>> = fieldSets({
  Order: ['id', 'customer', 'status', 'failureReason', 'items', 'total', 'statusHistory', 'statusVersion', 'trackingNumber', 'placedAt', 'updatedAt', 'payment'],
  OrderItem: ['id', 'product', 'quantity', 'unitPrice', 'lineTotal'],
  OrderStatusChange: ['status', 'reason', 'at'],
  Money: ['cents', 'currencyCode', 'amount'],
  Product: ['id', 'sku', 'name', 'description', 'price', 'stockQuantity', 'reserved', 'available', 'inStock', 'active', 'createdAt', 'updatedAt'],
  Customer: ['id', 'email', 'name', 'phone', 'role', 'createdAt', 'orders', 'paymentMethods', 'notifications'],
  OrderConnection: ['nodes', 'edges', 'pageInfo', 'totalCount'],
  OrderEdge: ['cursor', 'node'],
  PageInfo: ['hasNextPage', 'endCursor'],
  Payment: ['id', 'amount', 'status', 'failureCode', 'attempts', 'processedAt', 'method', 'refunds', 'refundedAmount', 'createdAt'],
  PaymentMethod: ['id', 'brand', 'last4', 'expMonth', 'expYear', 'createdAt'],
  Refund: ['id', 'amount', 'reason', 'createdAt'],
  Notification: ['id', 'channel', 'template', 'recipient', 'subject', 'status', 'attempts', 'nextAttemptAt', 'sentAt', 'createdAt'],
});

function fieldSets(fields: Record<string, string[]>): Record<string, ReadonlySet<string>> {
  return Object.fromEntries(Object.entries(fields).map(([type, names]) => [type, new Set(names)]));
}

/** Per query document (shared by every subscriber who sent the same text): whether the shared reader may read it. */
const verdicts = new WeakMap<DocumentNode, boolean>();

/** True when every field `query` selects, through its fragments, reads the same for the order's owner as for an admin. */
export function readsSameForOwner(schema: GraphQLSchema, query: OrderQuery): boolean {
  let verdict = verdicts.get(query.document);
  if (verdict === undefined) {
    verdict = everyFieldSameForOwner(schema, query.document);
    verdicts.set(query.document, verdict);
  }
  return verdict;
}

function everyFieldSameForOwner(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let same = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(field) {
        const parent = typeInfo.getParentType()?.name;
        const name = field.name.value;
        const allowed = name === '__typename' || (parent === schema.getQueryType()?.name ? name === 'order' : parent !== undefined && SAME_FOR_OWNER_AND_ADMIN[parent]?.has(name));
        if (!allowed) same = false;
      },
      // Directives other than @skip/@include could change what a field means; none exist on Order today.
      Directive(directive) {
        if (directive.name.value !== 'skip' && directive.name.value !== 'include') same = false;
      },
    }),
  );
  return same;
}

/**
 * Who reads `orderOwner`'s order for `subscriber`: the shared reader when the subscriber may see the
 * order and the answer would be the subscriber's own (an admin's always is; a customer's when the
 * selection reads the same for the owner); otherwise the subscriber, whose reads the subgraphs
 * authorize field by field.
 */
export function readerFor(schema: GraphQLSchema, query: OrderQuery, subscriber: Identity, orderOwner: string): Identity {
  if (!canSee(subscriber, orderOwner)) return subscriber;
  return subscriber.role === 'ADMIN' || readsSameForOwner(schema, query) ? SHARED_READER : subscriber;
}
