import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../lib/auth/identity.js';
import { readerFor, readsSameForOwner, SHARED_READER } from './shared-reader.js';
import { orderQuery, schema } from './subscription-batching.fixtures.js';

const owner: Identity = { role: 'CUSTOMER', customerId: 'c-1' };
const admin: Identity = { role: 'ADMIN', customerId: 'a-1' };
const sameForOwner = (selection: string) => readsSameForOwner(schema, orderQuery(`subscription { myOrderUpdates { ${selection} } }`));

describe('readsSameForOwner', () => {
  it('accepts fields every owner rule lets the owner see as an admin does, through fragments', () => {
    expect(sameForOwner('id status items { quantity product { name } } customer { name notifications { template } }')).toBe(true);
    const withFragments = orderQuery(`subscription { myOrderUpdates { ...Lines ... on Order { customer { __typename id } } } } fragment Lines on Order { items { product { id } } }`);
    expect(readsSameForOwner(schema, withFragments)).toBe(true);
  });

  it('refuses fields an admin sees more of, wherever they hide', () => {
    expect(sameForOwner('id notifications { template }')).toBe(false);
    expect(sameForOwner('customer { notifications { lastError } }')).toBe(false);
    expect(readsSameForOwner(schema, orderQuery(`subscription { myOrderUpdates { ...P } } fragment P on Order { items { product { stockMovements { id } } } }`))).toBe(false);
  });
});

describe('readerFor', () => {
  const neutral = orderQuery(`subscription { myOrderUpdates { id items { quantity } } }`);
  const adminOnly = orderQuery(`subscription { myOrderUpdates { id notifications { lastError } } }`);

  it('reads for the owner as the shared reader only when the answer is the same', () => {
    expect(readerFor(schema, neutral, owner, 'c-1')).toBe(SHARED_READER);
    expect(readerFor(schema, adminOnly, owner, 'c-1')).toBe(owner);
  });

  it("reads as the subscriber for someone else's order, and as the shared reader for an admin", () => {
    expect(readerFor(schema, neutral, owner, 'c-2')).toBe(owner);
    expect(readerFor(schema, adminOnly, admin, 'c-2')).toBe(SHARED_READER);
  });
});
