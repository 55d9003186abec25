import { z } from 'zod';
import { uuid } from './common.js';
import { defineEvent } from './define.js';

export const customerRegistered = defineEvent({
  type: 'customer.registered',
  description: 'A customer created an account.',
  producer: 'order',
  consumers: ['notification'],
  schema: z.object({ customerId: uuid, email: z.string().email(), name: z.string() }),
});
