import type { EntityManager } from '@mikro-orm/postgresql';
import type { SqlStatement } from '../../../../lib/db/sql.js';
import { CustomerContact } from '../entities/customer-contact.entity.js';

export interface Contact {
  customerId: string;
  email: string;
  name: string;
}

/**
 * The upsert that keeps the newest address and name of a customer (events may arrive out of
 * order), for the event handler to run with its other writes.
 */
export function rememberContact(c: Contact, sourceAt: Date): SqlStatement {
  return {
    sql: `insert into customer_contacts (customer_id, email, name, source_at) values (?, ?, ?, ?)
          on conflict (customer_id) do update set email = excluded.email, name = excluded.name, source_at = excluded.source_at
          where customer_contacts.source_at <= excluded.source_at`,
    params: [c.customerId, c.email, c.name, sourceAt],
  };
}

export function findContact(em: EntityManager, customerId: string): Promise<CustomerContact | null> {
  return em.findOne(CustomerContact, { customerId });
}
