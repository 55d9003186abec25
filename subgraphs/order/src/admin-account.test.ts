import type { EntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../../lib/testing/test-orm.js';
import { ormOptions } from './db.js';
import { Customer } from './entities/customer.entity.js';
import { ensureAdmin } from './services/customer.service.js';

const db = useTestDatabase('order_admin', ormOptions, { dbPoolMax: 4 });
const fork = () => db.orm.em.fork() as EntityManager;

describe('the admin account created at start-up', () => {
  it('is created once when several replicas start at the same moment, and every one of them gets it', async () => {
    const admin = { email: 'Boss@Example.test', password: 'correct horse battery', name: 'Boss' };
    const accounts = await Promise.all(Array.from({ length: 5 }, () => ensureAdmin(fork(), admin)));
    expect(new Set(accounts.map((a) => a.id)).size).toBe(1);
    expect(accounts.every((a) => a.role === 'ADMIN' && a.email === 'boss@example.test')).toBe(true);
    expect(await fork().count(Customer, { email: 'boss@example.test' })).toBe(1);
  });
});
