import { randomUUID } from 'node:crypto';
import { oneStatement, runEach, runSql, valuesList, writeSql, type SqlStatement, type SqlTarget } from '../../../../lib/db/sql.js';
import type { EventData } from '../../../../lib/events/contracts/index.js';
import type { EventEnvelope } from '../../../../lib/events/envelope.js';
import { newEvent, writeEvents } from '../../../../lib/events/record-event.js';
import type { ReservationStatus } from '../entities/stock-reservation.entity.js';
import type { MovementInput } from './stock-movement.service.js';

/*
 * The inventory steps of the order saga. Each runs inside the consumer's transaction (which also
 * records the event in the inbox), and anything it throws rolls the step back for a redelivery.
 * Each is also idempotent on its own, through reservation states and the unique
 * (order_id, product_id) index, should the same event ever get past the inbox twice.
 *
 * They run once per order each, so they speak SQL: a step locks what it reads in one round trip and
 * writes everything (reservations, stock, the audit movements, its event) in one statement, set-based
 * over the order's lines, which the consumer's step transaction sends with COMMIT; the entity API
 * would take a round trip per kind of row.
 */

type OrderPlaced = EventEnvelope<EventData<'order.placed'>>;
type OrderPaid = EventEnvelope<EventData<'order.paid'>>;
type OrderEnded = EventEnvelope<EventData<'order.failed'> | EventData<'order.cancelled'>>;

/** Units per product: an order may list the same product on two lines. */
function unitsByProduct(lines: readonly { productId: string; quantity: number }[]): Map<string, number> {
  const units = new Map<string, number>();
  for (const { productId, quantity } of lines) {
    const id = productId.toLowerCase();
    units.set(id, (units.get(id) ?? 0) + quantity);
  }
  return units;
}

type Stock = Map<string, { active: boolean; available: number }>;

/**
 * Locks the products with these ids (`select … for update`) and returns what can be reserved of
 * each, freshly read, and whether the order has reservations already. Rows are locked in id order,
 * so two transactions that share products always queue for them in the same order and never
 * deadlock.
 *
 * The reservations are asked under the locks, in a statement of their own (so with a snapshot
 * taken after them): a concurrent run of this same event that committed first, or a release of the
 * whole order that came first, is seen. Both statements go in one round trip.
 */
async function lockStock(em: SqlTarget, orderId: string, ids: readonly string[]): Promise<{ stock: Stock; settled: boolean }> {
  const [rows, [{ found }]] = await runEach(em, [
    { sql: 'select id, active, stock_quantity - reserved as available from products where id = any(array[?]::uuid[]) order by id for update', params: [ids] },
    { sql: 'select exists (select 1 from stock_reservations where order_id = ?) as found', params: [orderId] },
  ]);
  const stock: Stock = new Map((rows as { id: string; active: boolean; available: number }[]).map((r) => [r.id, r]));
  return { stock, settled: found === true };
}

interface LockedReservation {
  id: string;
  productId: string;
  quantity: number;
  status: ReservationStatus;
}

/**
 * The order's reservations with their products, both locked, in product id order: two steps of one
 * order never interleave, and products are taken in the same order as `lockStock` takes them.
 */
async function lockReservations(em: SqlTarget, orderId: string): Promise<LockedReservation[]> {
  const rows = await runSql<{ id: string; product_id: string; quantity: number; status: ReservationStatus }>(
    em,
    `select r.id, r.product_id, r.quantity, r.status
       from stock_reservations r join products p on p.id = r.product_id
      where r.order_id = ?
      order by r.product_id
        for update`,
    [orderId],
  );
  return rows.map((r) => ({ id: r.id, productId: r.product_id, quantity: r.quantity, status: r.status }));
}

/** New reservation rows of one order. */
function insertReservations(orderId: string, rows: { productId: string; quantity: number; status: ReservationStatus }[]): SqlStatement {
  const now = new Date();
  const values = valuesList(rows.map((r) => [randomUUID(), orderId, r.productId, r.quantity, r.status, now, now]));
  return {
    sql: `insert into stock_reservations (id, order_id, product_id, quantity, status, created_at, updated_at) values ${values.sql}`,
    params: values.params,
  };
}

/** Moves reservations to a new status each. */
function updateReservations(changes: { id: string; status: ReservationStatus }[]): SqlStatement {
  return {
    sql: `update stock_reservations r set status = c.status, updated_at = ?
            from unnest(array[?]::uuid[], array[?]::text[]) as c(id, status) where r.id = c.id`,
    params: [new Date(), changes.map((c) => c.id), changes.map((c) => c.status)],
  };
}

/**
 * Applies stock movements: each product's on-hand and reserved units change by the movement's
 * deltas, and the movements are the audit rows, so the audit adds up to the products by construction.
 * The check constraints (`reserved` between 0 and on hand) refuse anything that would oversell.
 */
function moveStock(movements: MovementInput[]): SqlStatement[] {
  const values = valuesList(
    movements.map((m) => [randomUUID(), m.productId, m.kind, m.quantityDelta ?? 0, m.reservedDelta ?? 0, m.reason ?? null, m.orderId ?? null]),
  );
  return [
    // Summed per product first: an update joined to two rows of one product would apply only one.
    {
      sql: `update products p set stock_quantity = p.stock_quantity + d.on_hand, reserved = p.reserved + d.reserved, updated_at = ?
              from (select product_id, sum(on_hand) as on_hand, sum(reserved) as reserved
                      from unnest(array[?]::uuid[], array[?]::int[], array[?]::int[]) as m(product_id, on_hand, reserved)
                     group by product_id) as d
             where p.id = d.product_id`,
      params: [new Date(), movements.map((m) => m.productId), movements.map((m) => m.quantityDelta ?? 0), movements.map((m) => m.reservedDelta ?? 0)],
    },
    { sql: `insert into stock_movements (id, product_id, kind, quantity_delta, reserved_delta, reason, order_id) values ${values.sql}`, params: values.params },
  ];
}

/**
 * `order.placed`: reserves every line or none. The products are locked first (in id order), and
 * only then checked, so concurrent orders for the last units queue on the row and each sees what
 * the one before it left: stock is never promised twice.
 */
export async function reserveOrder(em: SqlTarget, event: OrderPlaced): Promise<void> {
  const { orderId } = event.data;
  const wanted = unitsByProduct(event.data.lines);
  const { stock, settled } = await lockStock(em, orderId, [...wanted.keys()]);
  if (settled) return;

  const reject = (reason: 'OUT_OF_STOCK' | 'PRODUCT_UNAVAILABLE', productIds: string[]) =>
    writeEvents(em, [newEvent('inventory.stock_rejected', { orderId, reason, productIds }, { aggregateId: orderId, cause: event })]);
  const unavailable = [...wanted.keys()].filter((id) => !stock.get(id)?.active);
  if (unavailable.length) return reject('PRODUCT_UNAVAILABLE', unavailable);
  const short = [...wanted].filter(([id, quantity]) => stock.get(id)!.available < quantity).map(([id]) => id);
  if (short.length) return reject('OUT_OF_STOCK', short);

  const lines = [...wanted].map(([productId, quantity]) => ({ productId, quantity }));
  await writeEvents(
    em,
    [newEvent('inventory.stock_reserved', { orderId, lines }, { aggregateId: orderId, cause: event })],
    [
      insertReservations(orderId, lines.map((l) => ({ ...l, status: 'HELD' }))),
      ...moveStock(lines.map((l) => ({ productId: l.productId, kind: 'RESERVE', reservedDelta: l.quantity, orderId }))),
    ],
  );
}

/** `order.paid`: the held units leave the shelf: HELD → COMMITTED, on hand and reserved both drop. */
export async function commitOrder(em: SqlTarget, event: OrderPaid): Promise<void> {
  const { orderId } = event.data;
  const held = (await lockReservations(em, orderId)).filter((r) => r.status === 'HELD');
  if (held.length === 0) return;
  await writeSql(
    em,
    oneStatement([
      updateReservations(held.map((r) => ({ id: r.id, status: 'COMMITTED' }))),
      ...moveStock(held.map((r) => ({ productId: r.productId, kind: 'COMMIT', quantityDelta: -r.quantity, reservedDelta: -r.quantity, orderId }))),
    ]),
  );
}

/**
 * `order.failed` and `order.cancelled`: held units become available again (HELD → RELEASED); a
 * cancellation also puts committed units back on hand (COMMITTED → RESTOCKED).
 *
 * When the order holds nothing at all, its lines are still recorded as RELEASED: an `order.placed`
 * that arrives late (its first delivery failed and is being retried) then finds the order's
 * reservations and reserves nothing for an order that is already over.
 */
export async function releaseOrder(em: SqlTarget, event: OrderEnded): Promise<void> {
  const { orderId } = event.data;
  const restock = event.type === 'order.cancelled';
  const reason = event.data.reason;
  const reservations = await lockReservations(em, orderId);
  if (reservations.length === 0) {
    const lines = [...unitsByProduct(event.data.lines)].map(([productId, quantity]) => ({ productId, quantity, status: 'RELEASED' as const }));
    if (lines.length === 0) return;
    await writeSql(em, insertReservations(orderId, lines));
    return;
  }

  const affected = reservations.filter((r) => r.status === 'HELD' || (restock && r.status === 'COMMITTED'));
  if (affected.length === 0) return;
  const release = oneStatement([
    updateReservations(affected.map((r) => ({ id: r.id, status: r.status === 'HELD' ? 'RELEASED' : 'RESTOCKED' }))),
    ...moveStock(
      affected.map((r): MovementInput =>
        r.status === 'HELD'
          ? { productId: r.productId, kind: 'RELEASE', reservedDelta: -r.quantity, reason, orderId }
          : { productId: r.productId, kind: 'RESTOCK', quantityDelta: r.quantity, reason, orderId },
      ),
    ),
  ]);
  await writeSql(em, release);
}
