import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { findRows, findRowsIn } from '../../../../lib/db/read-rows.js';
import { recordEvent, type EventCause } from '../../../../lib/events/record-event.js';
import { z } from 'zod';
import type { Role } from '../../../../lib/auth/identity.js';
import { AppError, ErrorCode, badInput } from '../../../../lib/errors.js';
import { decodeCursor, pageSize, toConnection, type Connection } from '../../../../lib/pagination.js';
import { Customer } from '../entities/customer.entity.js';
import { decoyHash, hashPassword, verifyPassword } from './password.js';

const Registration = z.object({
  email: z.string().trim().toLowerCase().email('email is not a valid address').max(320),
  name: z.string().trim().min(1, 'name must not be empty').max(200),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9 ()-]{6,40}$/, 'phone must be digits, spaces, (), - and an optional leading +')
    .nullish(),
  password: z.string().min(8, 'password must have at least 8 characters').max(200),
});
export type RegistrationInput = z.input<typeof Registration>;

/** Creates a customer account; an email already in use is a CONFLICT. */
export async function registerCustomer(
  em: EntityManager,
  input: RegistrationInput,
  opts: { role?: Role; cause?: EventCause } = {},
): Promise<Customer> {
  const parsed = Registration.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badInput(issue.message, { field: String(issue.path[0]) });
  }
  const { email, name, phone, password } = parsed.data;
  if (await em.count(Customer, { email })) {
    throw new AppError(ErrorCode.CONFLICT, 'An account with this email already exists.', { field: 'email' });
  }
  const customer = em.create(Customer, { email, name, phone: phone ?? null, role: opts.role ?? 'CUSTOMER', passwordHash: await hashPassword(password) });
  // The account and its welcome event commit in the one transaction of this flush.
  recordEvent(em, 'customer.registered', { customerId: customer.id, email, name }, { aggregateId: customer.id, cause: opts.cause });
  try {
    await em.persistAndFlush(customer);
  } catch (err) {
    // Two registrations racing for one email: the unique index decides.
    if (err instanceof UniqueConstraintViolationException) {
      throw new AppError(ErrorCode.CONFLICT, 'An account with this email already exists.', { field: 'email' });
    }
    throw err;
  }
  return customer;
}

/** The same error for an unknown email and a wrong password, so it tells nothing about which. */
const invalidCredentials = () => new AppError(ErrorCode.UNAUTHENTICATED, 'Invalid email or password.');

export async function authenticate(em: EntityManager, email: string, password: string): Promise<Customer> {
  const customer = await em.findOne(Customer, { email: email.trim().toLowerCase() }, { populate: ['passwordHash'] });
  if (!customer) {
    await verifyPassword(password, await decoyHash());
    throw invalidCredentials();
  }
  if (!(await verifyPassword(password, customer.passwordHash))) throw invalidCredentials();
  return customer;
}

/** Makes sure the configured admin exists (and is an admin); never changes an existing password. */
export async function ensureAdmin(em: EntityManager, admin: { email: string; password: string; name: string }): Promise<Customer> {
  const email = admin.email.toLowerCase();
  const existing = await em.findOne(Customer, { email });
  if (existing) {
    if (existing.role !== 'ADMIN') {
      existing.role = 'ADMIN';
      await em.flush();
    }
    return existing;
  }
  try {
    return await registerCustomer(em, { email, name: admin.name, password: admin.password }, { role: 'ADMIN' });
  } catch (err) {
    // Replicas starting together race to create it: the one that lost finds the winner's account.
    if (!(err instanceof AppError && err.code === ErrorCode.CONFLICT)) throw err;
    em.clear();
    return ensureAdmin(em, admin);
  }
}

export function findCustomersByIds(em: EntityManager, ids: readonly string[]): Promise<Customer[]> {
  return findRowsIn(em, Customer, 'id', ids);
}

export interface CustomerListArgs {
  first?: number | null;
  after?: string | null;
  search?: string | null;
}

/** Newest first; `search` matches name or email. */
export async function listCustomers(em: EntityManager, args: CustomerListArgs): Promise<Connection<Customer>> {
  const first = pageSize(args.first);
  const search = args.search?.trim();
  const pattern = search ? `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
  const where = pattern ? { $or: [{ name: { $ilike: pattern } }, { email: { $ilike: pattern } }] } : {};
  const page = args.after
    ? (() => {
        const [at, id] = decodeCursor(args.after, 2) as [string, string];
        const createdAt = new Date(at);
        return { $and: [where, { $or: [{ createdAt: { $lt: createdAt } }, { createdAt, id: { $lt: id } }] }] };
      })()
    : where;
  const rows = await findRows(em, Customer, page, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: first + 1 });
  return toConnection(rows, first, (c) => [c.createdAt.toISOString(), c.id], () => em.count(Customer, where));
}
