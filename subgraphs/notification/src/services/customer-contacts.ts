import type { EntityManager } from '@mikro-orm/postgresql';
import { CustomerContact } from '../entities/customer-contact.entity.js';

export interface Contact {
  customerId: string;
  email: string;
  name: string;
}

/** Keeps the newest address and name of a customer; events may arrive out of order. */
export async function rememberContact(em: EntityManager, c: Contact, sourceAt: Date): Promise<void> {
  await em.getConnection().execute(
    `insert into customer_contacts (customer_id, email, name, source_at) values (?, ?, ?, ?)
     on conflict (customer_id) do update set email = excluded.email, name = excluded.name, source_at = excluded.source_at
     where customer_contacts.source_at <= excluded.source_at`,
    [c.customerId, c.email, c.name, sourceAt],
    'run',
    em.getTransactionContext(),
  );
}

export function findContact(em: EntityManager, customerId: string): Promise<CustomerContact | null> {
  return em.findOne(CustomerContact, { customerId });
}
