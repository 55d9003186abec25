import type { SubgraphApp } from '../../../../lib/subgraph/subgraph-app.js';
import type { OrderConfig } from '../config.js';
import { Customer } from '../entities/customer.entity.js';
import { ensureAdmin, registerCustomer } from '../services/customer.service.js';

export const DEMO_CUSTOMER = { email: 'demo@example.com', password: 'demo-password', name: 'Dana Demo', phone: '+1 555 0100' };

/** The configured admin and a demo customer; running it again changes nothing. */
export async function seedOrder(app: SubgraphApp, config: OrderConfig): Promise<string[]> {
  const em = app.db.orm.em.fork();
  const lines: string[] = [];
  const admin = await ensureAdmin(em, { email: config.adminEmail, password: config.adminPassword, name: config.adminName });
  lines.push(`admin ${admin.email}`);
  if (await em.count(Customer, { email: DEMO_CUSTOMER.email })) {
    lines.push(`demo customer ${DEMO_CUSTOMER.email} already there`);
  } else {
    await registerCustomer(em, DEMO_CUSTOMER);
    lines.push(`demo customer ${DEMO_CUSTOMER.email} created`);
  }
  return lines;
}
