import { randomUUID } from 'node:crypto';
import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { Role } from '../../../../lib/auth/identity.js';

export class Customer {
  declare [OptionalProps]?: 'id' | 'phone' | 'role' | 'createdAt';
  id: string = randomUUID();
  /** Stored lower-cased, so the unique index is case-insensitive in effect. */
  email!: string;
  name!: string;
  phone: string | null = null;
  role: Role = 'CUSTOMER';
  /** `scrypt$N$r$p$salt$hash`; never leaves this service. */
  passwordHash!: string;
  createdAt: Date = new Date();
}

export const CustomerSchema = new EntitySchema<Customer>({
  class: Customer,
  tableName: 'customers',
  properties: {
    id: { type: 'uuid', primary: true },
    email: { type: 'string', length: 320, unique: true },
    name: { type: 'string', length: 200 },
    phone: { type: 'string', length: 40, nullable: true },
    role: { enum: true, items: ['CUSTOMER', 'ADMIN'] },
    passwordHash: { type: 'string', length: 255, lazy: true },
    createdAt: { type: 'datetime', columnType: 'timestamptz', index: true },
  },
});
