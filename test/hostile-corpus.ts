/**
 * The hostile corpus: operations and requests an attacker sends to a public GraphQL endpoint, each
 * with the answer the gateway must give. GraphQL cases are also sent over WebSocket.
 */
export interface HostileCase {
  name: string;
  /** A GraphQL operation, POSTed as JSON (and sent over WebSocket unless `httpOnly`). */
  operation?: { query: string; variables?: Record<string, unknown> };
  /** A raw HTTP request instead, for what is wrong below the GraphQL level. */
  raw?: { method?: string; search?: string; headers?: Record<string, string>; body?: string };
  /** An Authorization token to send (HTTP) or to connect with (WebSocket). */
  token?: string;
  httpOnly?: boolean;
  expect: {
    status: number;
    code: string;
    /** Text the answer must not contain (schema hints, internals). */
    without?: RegExp;
  };
  /** Over WebSocket: the close code when the connection itself is refused, else the same code as HTTP. */
  wsClose?: number;
}

const repeat = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(' ');
const nest = (levels: number, inner: string): string => (levels === 0 ? inner : `customer { orders { nodes { ${nest(levels - 1, inner)} } } }`);
const SUGGESTION = /did you mean/i;

/** `limits`: the production gateway's settings, so cases sit just past them. */
export function hostileCorpus(limits: { maxBodyBytes: number; maxAliases: number; maxRootFields: number; maxTokens: number }, badTokens: Record<string, string>): HostileCase[] {
  const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const simple = { query: '{ products(first: 1) { totalCount } }' };
  const limit = (status = 400) => ({ status, code: 'OPERATION_LIMIT_EXCEEDED' });
  const invalid = { status: 400, code: 'GRAPHQL_VALIDATION_FAILED', without: SUGGESTION };
  const refusedRequest = { status: 400, code: 'BAD_REQUEST' };

  const cases: HostileCase[] = [
    // Depth
    { name: 'deep query', operation: { query: `{ me { orders { nodes { ${nest(4, 'id')} } } } }` }, expect: limit() },
    {
      name: 'deep query through fragments',
      operation: {
        query: `{ me { ...A } }
          fragment A on Customer { orders { nodes { ...B } } }
          fragment B on Order { customer { orders { nodes { ...C } } } }
          fragment C on Order { customer { orders { nodes { ...D } } } }
          fragment D on Order { customer { orders { nodes { customer { orders { nodes { id } } } } } } }`,
      },
      expect: limit(),
    },
    { name: 'recursive fragments', operation: { query: `{ me { ...A } } fragment A on Customer { orders { nodes { customer { ...B } } } } fragment B on Customer { ...A }` }, expect: invalid },
    {
      name: 'fragment bomb (each fragment spreads the next twice)',
      operation: { query: `{ ...F0 } ${repeat(24, (i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`)} fragment F24 on Query { p: products(first: 1) { totalCount } }` },
      expect: limit(),
    },
    // Width
    { name: 'alias flood', operation: { query: `{ ${repeat(limits.maxAliases * 4, (i) => `a${i}: products(first: 1) { totalCount }`)} }` }, expect: limit() },
    { name: 'aliased login flood', operation: { query: `mutation { ${repeat(limits.maxAliases + 10, (i) => `a${i}: login(email: "admin@example.com", password: "guess ${i}") { token }`)} }` }, expect: limit() },
    { name: 'aliased logins within the alias limit', operation: { query: `mutation { ${repeat(10, (i) => `a${i}: login(email: "admin@example.com", password: "guess ${i}") { token }`)} }` }, expect: { status: 429, code: 'RATE_LIMITED' } },
    { name: '__typename flood, aliased', operation: { query: `{ ${repeat(500, (i) => `t${i}: __typename`)} }` }, expect: limit() },
    { name: '__typename flood, aliased below the root', operation: { query: `{ me { ${repeat(1000, (i) => `t${i}: __typename`)} } }` }, expect: limit() },
    { name: '__typename flood, past the token limit', operation: { query: `{ ${repeat(limits.maxTokens + 100, () => '__typename')} }` }, expect: limit() },
    // graphql-js meters the pairwise comparison of same-named fields and gives up past a budget.
    { name: 'repeated field flood (field-merging work)', operation: { query: `{ me { ${repeat(Math.floor((limits.maxTokens - 10) / 4), () => 'orders { totalCount }')} } }` }, expect: invalid },
    { name: 'root field flood', operation: { query: `{ ${repeat(limits.maxRootFields + 5, (i) => `r${i}: products(first: 1) { totalCount }`)} }` }, expect: limit() },
    // Cost
    { name: 'nested lists, each at the largest page', operation: { query: `{ orders(first: 100) { nodes { customer { orders(first: 100) { nodes { items { product { name } } } } } } } }` }, expect: limit() },
    {
      name: 'nested lists sized by variables',
      operation: { query: `query($n: Int) { orders(first: $n) { nodes { customer { orders(first: $n) { nodes { customer { id } } } } } } }`, variables: { n: 100 } },
      expect: limit(),
    },
    // Schema discovery
    { name: 'introspection (__schema)', operation: { query: `{ __schema { types { name fields { name } } } }` }, expect: invalid },
    { name: 'introspection (__type)', operation: { query: `{ __type(name: "Order") { fields { name } } }` }, expect: invalid },
    { name: 'misspelled field', operation: { query: `{ products(first: 1) { nodes { nmae } } }` }, expect: invalid },
    { name: 'misspelled argument', operation: { query: `{ products(frist: 1) { totalCount } }` }, expect: invalid },
    { name: 'misspelled type', operation: { query: `query($s: OrdrStatus) { orders(status: $s) { totalCount } }` }, expect: invalid },
    { name: 'misspelled enum value in a variable', operation: { query: `query($s: OrderStatus) { orders(status: $s) { totalCount } }`, variables: { s: 'PAYD' } }, expect: { status: 400, code: 'BAD_USER_INPUT', without: SUGGESTION } },
    { name: 'federation internals at the gateway', operation: { query: `{ _service { sdl } }` }, expect: invalid },
    { name: 'syntax garbage', operation: { query: `{ products(first: 1 { totalCount }` }, expect: { status: 400, code: 'GRAPHQL_PARSE_FAILED' } },

    // Below GraphQL: HTTP only
    { name: 'oversize body', raw: json({ query: simple.query, padding: 'x'.repeat(limits.maxBodyBytes) }), httpOnly: true, expect: { status: 413, code: 'BAD_REQUEST' } },
    { name: 'batched array', raw: json([simple, simple, simple]), httpOnly: true, expect: refusedRequest },
    { name: 'text/plain POST (a form or fetch without preflight)', raw: { headers: { 'content-type': 'text/plain' }, body: JSON.stringify(simple) }, httpOnly: true, expect: refusedRequest },
    { name: 'form-urlencoded POST', raw: { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${encodeURIComponent(simple.query)}` }, httpOnly: true, expect: refusedRequest },
    { name: 'multipart POST', raw: { headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n${simple.query}\r\n--x--` }, httpOnly: true, expect: refusedRequest },
    { name: 'GET without a preflight header', raw: { method: 'GET', search: `?query=${encodeURIComponent(simple.query)}` }, httpOnly: true, expect: refusedRequest },
    { name: 'mutation over GET', raw: { method: 'GET', search: `?query=${encodeURIComponent('mutation { login(email: "a@b.c", password: "x") { token } }')}`, headers: { 'apollo-require-preflight': 'true' } }, httpOnly: true, expect: { status: 405, code: 'BAD_REQUEST' } },
    { name: 'invalid JSON', raw: { headers: { 'content-type': 'application/json' }, body: '{"query": "{ products { totalCount } }"' }, httpOnly: true, expect: refusedRequest },
  ];
  for (const [kind, token] of Object.entries(badTokens)) {
    cases.push({ name: `bad JWT: ${kind}`, operation: { query: `{ me { id email } }` }, token, expect: { status: 401, code: 'UNAUTHENTICATED' }, wsClose: 4403 });
  }
  return cases;
}
