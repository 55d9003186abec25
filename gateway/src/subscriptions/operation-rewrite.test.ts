import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { planSubscription, type SubscriptionPlan } from './operation-rewrite.js';

const schema = buildSchema(`
  enum OrderStatus { PENDING PAID FAILED }
  type Product { name: String! }
  type OrderItem { quantity: Int! product: Product! }
  type Order { id: ID! status: OrderStatus! failureReason: String statusVersion: Int! items: [OrderItem!]! placedAt: String! }
  type Query { order(id: ID!): Order }
  type Subscription { orderStatusChanged(orderId: ID!): Order! myOrderUpdates: Order! orderUpdates(status: OrderStatus): Order! }
`);

function plan(query: string, variables: Record<string, unknown> = {}): SubscriptionPlan {
  const document = parse(query);
  expect(validate(schema, document)).toEqual([]);
  const planned = planSubscription(schema, document, undefined, variables);
  if ('errors' in planned) throw new Error(planned.errors.map((e) => e.message).join('; '));
  return planned.plan;
}

/** The rewritten query must itself be valid against the schema. */
const expectValid = (p: SubscriptionPlan) => expect(validate(schema, parse(p.order.text))).toEqual([]);

describe('planSubscription', () => {
  it('keeps the selection, its fragments and the variables it uses; drops variables only the root used', () => {
    const p = plan(
      `subscription Follow($id: ID!, $withItems: Boolean!) {
        live: orderStatusChanged(orderId: $id) { s: status ...Lines @include(if: $withItems) }
      }
      fragment Lines on Order { items { quantity product { name } } }`,
      { id: 'o-1', withItems: true },
    );
    expectValid(p);
    expect(p).toMatchObject({ field: 'orderStatusChanged', responseKey: 'live', args: { orderId: 'o-1' } });
    expect(p.order.variables).toEqual({ withItems: true });
    expect(p.order.text).toContain('fragment Lines on Order');
    expect(p.order.text).toContain('order(id: $orderId)');
    expect(p.order.text).not.toContain('$id');
    expect(p.order.eventKeys).toEqual({ status: ['s'], failureReason: [], statusVersion: [] });
    expect(p.order).toMatchObject({ versionKey: 'statusVersion', versionHidden: true, eventOnly: false, eventProjection: undefined });
  });

  it("uses the client's own unconditional statusVersion, under its alias", () => {
    const p = plan(`subscription { myOrderUpdates { v: statusVersion status } }`);
    expectValid(p);
    expect(p.order).toMatchObject({ versionKey: 'v', versionHidden: false, eventOnly: true, eventProjection: [['v', 'statusVersion'], ['status', 'status']] });
  });

  it('adds statusVersion under a fresh alias when the client uses that key for something else', () => {
    const p = plan(`subscription { myOrderUpdates { statusVersion: placedAt } }`);
    expectValid(p);
    expect(p.order).toMatchObject({ versionKey: 'statusVersion2', versionHidden: true, eventOnly: false, ownerKey: 'customer' });
    expect(plan(`subscription { myOrderUpdates { customer: id customer2: status } }`).order.ownerKey).toBe('customer3');
  });

  it('renames the order id variable when the client already has one called orderId', () => {
    const p = plan(`subscription($orderId: ID!, $x: Boolean!) { orderStatusChanged(orderId: $orderId) { id @skip(if: $x) } }`, { orderId: 'o-2', x: false });
    expectValid(p);
    expect(p.order.orderIdVariable).toBe('orderId2');
    expect(p.order.variables).toEqual({ x: false });
    // @skip may drop the field, so the result cannot be a fixed projection.
    expect(p.order).toMatchObject({ eventOnly: true, eventProjection: undefined });
  });

  it('finds the root field inside a fragment on Subscription and reads its arguments', () => {
    const p = plan(`subscription { ...Paid } fragment Paid on Subscription { orderUpdates(status: PAID) { id } }`);
    expect(p).toMatchObject({ field: 'orderUpdates', responseKey: 'orderUpdates', args: { status: 'PAID' } });
    expectValid(p);
  });

  it('refuses variables that do not coerce', () => {
    const planned = planSubscription(schema, parse(`subscription($id: ID!) { orderStatusChanged(orderId: $id) { id } }`), undefined, {});
    expect('errors' in planned && planned.errors[0].message).toMatch(/\$id/);
  });
});
