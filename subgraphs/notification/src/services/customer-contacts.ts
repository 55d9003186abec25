import { runSql, type SqlStatement, type SqlTarget } from '../../../../lib/db/sql.js';

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

/** The address and name this service keeps for a customer; null when it has never heard of them. */
export async function findContact(em: SqlTarget, customerId: string): Promise<Contact | null> {
  const row = await runSql<{ email: string; name: string }, 'get'>(em, 'select email, name from customer_contacts where customer_id = ?', [customerId], 'get');
  return row ? { customerId, email: row.email, name: row.name } : null;
}
